"""The streaming XES reader: agreement with pm4py on real logs, types, and malformed input."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from factories import ROOT, SHARED_DATA, write_file
from journeylog.errors import INVALID_INPUT, RESOURCE_LIMIT, InvalidInput, JourneylogError, ResourceLimit
from journeylog.io.xes import XesRead, read_xes

# parametrised by file name at collection; the tests request the shared_data fixture, which skips them
LOGS = SHARED_DATA / "pm4py-core" / "logs"
EDGE_CASES = SHARED_DATA / "pm4py-core" / "xes-importer-edge-cases"
LOCAL_DATA = ROOT / "tests" / "data" / "xes"

# pm4py takes several seconds on these (the whole comparison stays well under a minute)
_SLOW_LOGS = {"02_teleclaims.xes.gz"}


def _files(folder: Path, *suffixes: str) -> list:
    if not folder.is_dir():
        return [pytest.param(None, id="no-shared-data")]  # skipped by the shared_data fixture
    found = sorted(p.name for p in folder.iterdir() if p.name.endswith(suffixes))
    return [pytest.param(n, marks=[pytest.mark.slow] if n in _SLOW_LOGS else [], id=n) for n in found]


def _pm4py_read(pm4py, path: Path):
    """(legacy EventLog, DataFrame) exactly as ``pm4py.read_xes`` builds them, with the lxml parser."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(path), variant="iterparse", return_legacy_log_object=True, show_progress_bar=False)
        frame = pm4py.convert_to_dataframe(log)
    return log, frame


def xes(*traces: str, head: str = "") -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n' + head + "".join(traces) + "</log>\n"


def trace(case: str | None, *events: str, extra: str = "") -> str:
    name = f'  <string key="concept:name" value="{case}"/>\n' if case is not None else ""
    return "<trace>\n" + name + extra + "".join(events) + "</trace>\n"


def event(activity: str, ts: str | None = None, extra: str = "") -> str:
    body = f'    <string key="concept:name" value="{activity}"/>\n'
    if ts is not None:
        body += f'    <date key="time:timestamp" value="{ts}"/>\n'
    return "  <event>\n" + body + extra + "  </event>\n"


# ---------------------------------------------------------------- agreement with pm4py


@pytest.mark.parametrize("name", _files(LOGS, ".xes", ".xes.gz"))
def test_real_log_matches_pm4py(name, shared_data, pm4py):
    path = LOGS / name
    log, expected = _pm4py_read(pm4py, path)
    case_col = "case:concept:name"

    if len(expected) and (case_col not in expected.columns or expected[case_col].isna().any()):
        # pm4py gives these events an empty case id; journeylog refuses the trace, naming its line
        with pytest.raises(InvalidInput) as info:
            read_xes(path)
        assert "no concept:name" in info.value.message
        with gzip.open(path, "rt") if name.endswith(".gz") else open(path) as fh:
            lines = fh.read().splitlines()
        assert "<trace" in lines[info.value.row - 1]
        return

    got = read_xes(path)
    assert isinstance(got, XesRead)
    frame = got.events
    assert got.traces == len(log)
    assert got.empty_traces == sum(1 for t in log if len(t) == 0)
    assert frame.height == len(expected)
    assert frame.schema["source_row"] == pl.Int64
    assert frame[case_col].dtype == pl.String
    assert frame[case_col].n_unique() == expected[case_col].nunique()

    # per case, the same activities in file order (case ids compared as text: pm4py reads
    # <int key="concept:name" value="3"/> as the number 3, journeylog keeps "3")
    def per_case(cases, activities):
        out: dict[str, list[str]] = {}
        for c, a in zip(cases, activities, strict=True):
            out.setdefault(str(c), []).append(str(a))
        return out

    assert per_case(frame[case_col].to_list(), frame["concept:name"].to_list()) == per_case(
        expected[case_col].tolist(), expected["concept:name"].tolist()
    )

    # timestamps equal (as UTC instants) wherever pm4py has datetimes; row order is file order
    if "time:timestamp" in expected.columns:
        theirs = expected["time:timestamp"]
        if str(theirs.dtype).startswith("datetime64"):
            import pandas as pd

            assert frame["time:timestamp"].dtype == pl.Datetime("us", "UTC")
            if theirs.dt.tz is None:
                theirs = theirs.dt.tz_localize("UTC")
            micros = ((theirs.dt.tz_convert("UTC") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1))
            expected_us = [None if pd.isna(v) else int(v) for v in micros]
            assert frame["time:timestamp"].dt.epoch("us").to_list() == expected_us
        else:  # e.g. 10_orders: time:timestamp written as <string>
            assert frame["time:timestamp"].dtype == pl.String
            assert frame["time:timestamp"].to_list() == [None if v is None else str(v) for v in theirs]

    # source_row points at the <event> start tag, also past libxml2's 16-bit line numbers
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    assert all(lines[r - 1].lstrip().startswith("<event") for r in frame["source_row"].to_list())

    # every other event column pm4py built is there too, with the same missing values
    for col in expected.columns:
        assert col in frame.columns, col
        assert frame[col].null_count() == int(expected[col].isna().sum()), col


def test_receipt_channel_and_source_rows(shared_data):
    got = read_xes(LOGS / "08_receipt.xes.gz")
    assert got.events.height == 8577
    assert got.traces == 1434
    counts = dict(got.events.unique("case:concept:name").group_by("case:channel").len().iter_rows())
    assert counts == {"Internet": 1250, "Desk": 109, "Post": 53, "e-mail": 21, "Intern": 1}
    with gzip.open(LOGS / "08_receipt.xes.gz", "rt") as fh:
        lines = fh.read().splitlines()
    rows = got.events["source_row"].to_list()
    assert rows == sorted(rows)
    assert all(lines[r - 1].strip().startswith("<event") for r in rows[:50] + rows[-50:])


def test_orders_string_timestamp_stays_text(shared_data):
    got = read_xes(LOGS / "10_orders.xes.gz")
    assert got.events["time:timestamp"].dtype == pl.String
    assert got.events["time:timestamp"][0] == "2019/11/03 01:11:19.000"
    assert got.events["variant:count"].dtype == pl.Int64
    # <int key="concept:name" value="3"/> on the trace: kept as the text "3"
    assert got.events["case:concept:name"].dtype == pl.String
    assert got.events["case:concept:name"][0] == "3"


# ---------------------------------------------------------------- pm4py's importer edge cases


@pytest.mark.parametrize("name", _files(EDGE_CASES, ".xes"))
def test_edge_case_reads_or_raises_journeylog_error(name, shared_data):
    try:
        got = read_xes(EDGE_CASES / name)
    except JourneylogError as exc:
        assert exc.code == INVALID_INPUT
        assert exc.path == str(EDGE_CASES / name)
    else:
        assert isinstance(got.events, pl.DataFrame)
        assert "source_row" in got.events.columns


@pytest.mark.parametrize(
    ("name", "row", "column", "words"),
    [
        ("dateIncorrectValue.xes", 13, "long ago", "invalid date '2002-0530T09:30:10Z'"),
        ("elementIncorrect.xes", 15, None, "unknown XES element <text>"),
        ("intIncorrectValue.xes", 13, "number", "invalid integer '0.0'"),
        ("realIncorrectValue.xes", 13, "number", "invalid float '1.0.0'"),
        ("booleanIncorrectValue.xes", 13, "expression", "invalid float 'yes'"),
        ("traceEventSwapped.xes", 2, None, "<event> outside a <trace>"),
        ("stringNoAttributes.xes", 9, None, "without a key"),
        ("eventCorrectAttributes.xes", 14, None, "no concept:name"),
        ("noLog.xes", None, None, "empty file"),
    ],
)
def test_edge_case_specific_errors(name, row, column, words, shared_data):
    with pytest.raises(InvalidInput) as info:
        read_xes(EDGE_CASES / name)
    err = info.value
    assert err.row == row
    assert err.column == column
    assert words in err.message


@pytest.mark.parametrize(
    ("name", "traces", "empty"),
    [("dateCorrectValue.xes", 0, 0), ("dateNoTZD.xes", 0, 0), ("listTwoValues.xes", 0, 0),
     ("traceCorrectAttributes.xes", 1, 1), ("idIncorrectValue.xes", 0, 0), ("stringNestedNotDeclared.xes", 0, 0)],
)
def test_edge_case_reads(name, traces, empty, shared_data):
    got = read_xes(EDGE_CASES / name)
    assert (got.traces, got.empty_traces, got.events.height) == (traces, empty, 0)


# ---------------------------------------------------------------- types and columns


def test_types_by_element(tmp_path):
    extra = (
        '    <int key="n" value="-42"/>\n    <float key="x" value="2.5E3"/>\n'
        '    <boolean key="ok" value="true"/>\n    <id key="uid" value="a1b2"/>\n'
        '    <string key="org:resource" value="Ann"/>\n'
    )
    path = write_file(tmp_path, "log.xes", xes(trace("c1", event("Call", "2024-03-01T10:00:00.123+02:00", extra),
                                     event("Mail", "2024-03-01T09:00:00Z", '    <boolean key="ok" value="FALSE"/>\n'),
                                     extra='  <string key="channel" value="phone"/>\n')))
    frame = read_xes(path).events
    assert frame.columns == ["concept:name", "time:timestamp", "n", "x", "ok", "uid", "org:resource",
                             "case:concept:name", "case:channel", "source_row"]
    assert frame.schema["time:timestamp"] == pl.Datetime("us", "UTC")
    assert frame.schema["n"] == pl.Int64
    assert frame.schema["x"] == pl.Float64
    assert frame.schema["ok"] == pl.Boolean
    assert frame.schema["uid"] == pl.String
    utc = UTC
    assert frame["time:timestamp"].to_list() == [
        datetime(2024, 3, 1, 8, 0, 0, 123000, tzinfo=utc),  # offset converted to UTC
        datetime(2024, 3, 1, 9, 0, tzinfo=utc),
    ]
    assert frame["n"].to_list() == [-42, None]
    assert frame["x"].to_list() == [2500.0, None]
    assert frame["ok"].to_list() == [True, False]
    assert frame["case:channel"].to_list() == ["phone", "phone"]
    assert frame["source_row"].to_list() == [6, 15]


def test_naive_dates_are_utc_unless_mixed_with_offsets(tmp_path):
    naive = write_file(tmp_path, "naive.xes", xes(trace("c1", event("a", "2024-03-01T09:00:00"))))
    assert read_xes(naive).events["time:timestamp"].to_list() == [datetime(2024, 3, 1, 9, 0, tzinfo=UTC)]
    mixed = write_file(tmp_path, "mixed.xes", xes(trace("c1", event("a", "2024-03-01T09:00:00"),
                                                        event("b", "2024-03-01T10:00:00+01:00"))))
    column = read_xes(mixed).events["time:timestamp"]  # the timestamp reader then asks for a time zone
    assert column.dtype == pl.String and column.to_list() == ["2024-03-01T09:00:00", "2024-03-01T10:00:00+01:00"]


def test_mixed_types_become_text_as_written(tmp_path):
    path = write_file(tmp_path, "log.xes", xes(trace("c1",
                                     event("a", extra='<int key="amount" value="0010"/>'),
                                     event("b", extra='<float key="amount" value="2.50"/>'),
                                     event("c", extra='<string key="amount" value="n/a"/>'),
                                     event("d"))))
    frame = read_xes(path).events
    assert frame.schema["amount"] == pl.String
    assert frame["amount"].to_list() == ["0010", "2.50", "n/a", None]


def test_case_ids_are_text_exactly_as_written(tmp_path):
    ids = ["007", "7", "NA", "null", "None", "N/A", "", " x "]
    traces = [trace(i, event("a")) for i in ids]
    traces.append('<trace><int key="concept:name" value="0042"/>' + event("a") + "</trace>")
    frame = read_xes(write_file(tmp_path, "log.xes", xes(*traces))).events
    assert frame["case:concept:name"].to_list() == ids + ["0042"]
    assert frame["case:concept:name"].null_count() == 0
    assert frame["case:concept:name"].n_unique() == len(ids) + 1


def test_activities_stay_text(tmp_path):
    frame = read_xes(write_file(tmp_path, "log.xes", xes(trace("c", event("March"), event("10"), event("20240101"),
                                               '<event><int key="concept:name" value="010"/></event>')))).events
    assert frame["concept:name"].to_list() == ["March", "10", "20240101", "010"]


def test_empty_traces_are_counted_not_rows(tmp_path):
    body = xes(trace("a", event("x")), trace("empty"), "<trace/>", trace("b", event("y")))
    got = read_xes(write_file(tmp_path, "log.xes", body))
    assert (got.traces, got.empty_traces) == (4, 2)
    assert got.events["case:concept:name"].to_list() == ["a", "b"]


def test_log_without_traces_gives_empty_frame(tmp_path):
    got = read_xes(write_file(tmp_path, "log.xes", xes(head='<string key="concept:name" value="log"/>')))
    assert (got.traces, got.empty_traces, got.events.height) == (0, 0, 0)
    assert got.events.schema == {"source_row": pl.Int64}


def test_trace_without_case_id_names_its_line(tmp_path):
    path = write_file(tmp_path, "log.xes", xes(trace("ok", event("a")), trace(None, event("b"))))
    with pytest.raises(InvalidInput) as info:
        read_xes(path)
    assert info.value.row == 9
    assert "no concept:name" in str(info.value)


def test_globals_are_not_applied_like_pm4py(tmp_path, pm4py):
    head = ('<global scope="event"><string key="org:resource" value="UNKNOWN"/></global>\n'
            '<global scope="trace"><string key="channel" value="NONE"/></global>\n')
    path = write_file(tmp_path, "log.xes", xes(trace("c", event("a"), event("b", extra='<string key="org:resource" value="r"/>')),
                               head=head))
    frame = read_xes(path).events
    assert frame["org:resource"].to_list() == [None, "r"]
    assert "case:channel" not in frame.columns
    _, expected = _pm4py_read(pm4py, path)
    assert expected["org:resource"].isna().tolist() == [True, False]
    assert "case:channel" not in expected.columns


def test_lists_containers_and_meta_attributes(tmp_path):
    extra = (
        '<list key="items"><values><string key="i" value="1"/><string key="i" value="2"/></values></list>\n'
        '<container key="box"><int key="w" value="3"/><date key="d" value="not even a date"/></container>\n'
        '<string key="cost" value="12"><int key="currency-code" value="978"/></string>\n'
    )
    frame = read_xes(write_file(tmp_path, "log.xes", xes(trace("c", event("a", extra=extra))))).events
    assert "items" not in frame.columns and "box" not in frame.columns
    assert "w" not in frame.columns and "currency-code" not in frame.columns
    assert frame["cost"].to_list() == ["12"]


def test_namespaced_log(tmp_path):
    body = xes(trace("c", event("a", "2020-01-01T00:00:00Z"))).replace(
        "<log ", '<log xmlns="http://www.xes-standard.org/" ')
    frame = read_xes(write_file(tmp_path, "log.xes", body)).events
    assert frame["concept:name"].to_list() == ["a"]


def test_gzip_and_plain_read_the_same(tmp_path):
    body = xes(trace("c", event("a", "2020-01-01T00:00:00Z"), event("b", "2020-01-02T00:00:00Z")))
    plain = write_file(tmp_path, "log.xes", body)
    packed = tmp_path / "log.xes.gz"
    packed.write_bytes(gzip.compress(body.encode()))
    renamed = tmp_path / "gz-without-suffix.xes"  # gzip is detected by its magic bytes
    renamed.write_bytes(gzip.compress(body.encode()))
    assert read_xes(packed).events.equals(read_xes(plain).events)
    assert read_xes(renamed).events.equals(read_xes(plain).events)


def test_source_rows_beyond_libxml2_16_bit_lines(tmp_path):
    n = 25_000  # 3 lines per event: the last events are past line 65,535
    events = "".join(event(f"a{i}") for i in range(n))
    path = write_file(tmp_path, "log.xes", xes(trace("c", events)))
    lines = path.read_text().splitlines()
    rows = read_xes(path).events["source_row"].to_list()
    assert rows[-1] > 65_535
    assert rows == [i + 1 for i, line in enumerate(lines) if line.strip() == "<event>"]


# ---------------------------------------------------------------- malformed values


@pytest.mark.parametrize(
    ("element", "message"),
    [
        ('<date key="time:timestamp" value="not-a-date"/>', "invalid date 'not-a-date'"),
        ('<date key="time:timestamp" value="2024-13-45T25:00:00"/>', "invalid date '2024-13-45T25:00:00'"),
        ('<date key="time:timestamp" value=""/>', "invalid date ''"),
        ('<int key="time:timestamp" value="x"/>', "invalid integer 'x'"),
        ('<int key="time:timestamp" value="99999999999999999999"/>', "out of the 64-bit range"),
        ('<float key="time:timestamp" value="1,5"/>', "invalid float '1,5'"),
        ('<boolean key="time:timestamp" value="yes"/>', "invalid boolean 'yes'"),
        ('<string key="time:timestamp"/>', "without a value"),
    ],
)
def test_malformed_value_names_file_line_and_key(tmp_path, element, message):
    body = xes(trace("c", event("ok"), "  <event>\n    " + element + "\n  </event>\n"))
    path = write_file(tmp_path, "log.xes", body)
    with pytest.raises(InvalidInput) as info:
        read_xes(path)
    err = info.value
    assert err.code == INVALID_INPUT
    assert (err.path, err.row, err.column) == (str(path), 9, "time:timestamp")
    assert str(err).startswith(f"{path}:9:time:timestamp: ")
    assert message in err.message


def test_date_error_message_format(tmp_path):
    lines = [f"<!-- {i} -->" for i in range(13)]
    body = "\n".join(lines) + "\n<log><trace>\n<string key=\"concept:name\" value=\"c\"/>\n<event>\n" \
        '<date key="time:timestamp" value="not-a-date"/>\n</event></trace></log>\n'
    path = write_file(tmp_path, "log.xes", body)
    with pytest.raises(InvalidInput) as info:
        read_xes(path)
    assert str(info.value) == f"{path}:17:time:timestamp: invalid date 'not-a-date'"


@pytest.mark.parametrize(
    ("body", "row", "words"),
    [
        (xes(trace("c", '<event><string key="a" value="1"/><string key="a" value="2"/></event>')), 5, "twice"),
        (xes('<event><string key="concept:name" value="a"/></event>'), 3, "<event> outside a <trace>"),
        (xes(trace("c", '<event>\n<trace/></event>')), 6, "<trace> inside <event>"),
        (xes(trace("c", '<event>\n<event/></event>')), 6, "<event> inside <event>"),
        (xes(trace("c", '<event>\n<log/></event>')), 6, "<log> inside <event>"),
        (xes(trace("c", '<event>\n<text key="a" value="b"/></event>')), 6, "unknown XES element <text>"),
        (xes(trace("c", '<global scope="event"/>')), 5, "<global> inside <trace>"),
        (xes(trace("c", event("a", extra='<string key="source_row" value="1"/>'))), 5, "clashes"),
        (xes(trace("c", event("a", extra='<string key="case:concept:name" value="x"/>'))), 5, "clashes"),
        (xes(trace("c", '<event><string value="v"/></event>')), 5, "without a key"),
    ],
)
def test_structure_errors(tmp_path, body, row, words):
    with pytest.raises(InvalidInput) as info:
        read_xes(write_file(tmp_path, "log.xes", body))
    assert info.value.row == row
    assert words in info.value.message


def test_identical_duplicate_attribute_is_kept_once(tmp_path):
    body = xes(trace("c", '<event><string key="concept:name" value="a"/><string key="concept:name" value="a"/></event>'))
    assert read_xes(write_file(tmp_path, "log.xes", body)).events["concept:name"].to_list() == ["a"]


def test_case_prefix_clash_across_traces(tmp_path):
    body = xes(trace("c1", event("a", extra='<string key="case:channel" value="x"/>')),
               trace("c2", event("b"), extra='<string key="channel" value="web"/>'))
    with pytest.raises(InvalidInput, match="clashes"):
        read_xes(write_file(tmp_path, "log.xes", body))


def test_max_bytes_applies_to_plain_files(tmp_path):
    path = write_file(tmp_path, "log.xes", xes(*[trace(str(i), event("a")) for i in range(200)]))
    with pytest.raises(ResourceLimit) as info:
        read_xes(path, max_bytes=1000)
    assert info.value.code == RESOURCE_LIMIT
    assert read_xes(path, max_bytes=os.path.getsize(path)).events.height == 200


def test_running_example_local_copy():
    got = read_xes(LOCAL_DATA / "running-example.xes")
    frame = got.events
    assert (frame.height, got.traces, got.empty_traces) == (42, 6, 0)
    assert frame["case:concept:name"].n_unique() == 6
    assert frame["concept:name"].n_unique() == 8
    assert frame["time:timestamp"].min() == datetime(2010, 12, 30, 10, 2, tzinfo=UTC)
    assert frame["time:timestamp"].max() == datetime(2011, 1, 24, 13, 56, tzinfo=UTC)
    first_case = frame.filter(pl.col("case:concept:name") == "3")["concept:name"].to_list()
    assert first_case[0] == "register request"


def test_orders_local_copy_gzip():
    got = read_xes(LOCAL_DATA / "10_orders.xes.gz")
    assert (got.events.height, got.traces) == (154, 17)
    assert got.events["concept:name"].n_unique() == 11
    assert got.events["time:timestamp"].dtype == pl.String


def test_local_copies_are_documented():
    if not LOCAL_DATA.is_dir():
        pytest.skip("no local XES copies")
    notes = LOCAL_DATA / "LICENSE-NOTES.md"
    assert notes.is_file()
    text = notes.read_text()
    for p in LOCAL_DATA.iterdir():
        if p.name != notes.name:
            assert p.name in text, p.name
