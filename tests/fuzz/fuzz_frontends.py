"""Fuzz the input front-ends (CSV, JSON Lines, Parquet, XES, YAML source maps and rules, BPMN)
through the real command, in process, for a bounded time: ``make fuzz`` (or
``python tests/fuzz/fuzz_frontends.py --seconds 120``).

Hypothesis makes the inputs (mostly well-formed files with hostile values, some plain garbage);
each run must end in a documented exit code (0-5) with no traceback and at most one error line.
A failure prints the input that caused it; every such input becomes a regression test in
``tests/cli/test_hostile_*.py``. ``tests/fuzz/test_fuzz_smoke.py`` runs a few examples of each in
the normal suite.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "telecom"
ALLOWED = {0, 1, 2, 3, 4, 5}

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_cell = st.one_of(_text, st.sampled_from(["", "NA", "null", "=1+1", "2024-01-01", "2024-13-45 25:00", "1700000000",
                                          "1700000000000", "-1e300", "\"", "a,b", "x\ny", "\x00", "\u202e"]),
                  st.integers(-10**20, 10**20).map(str))
_time = st.one_of(st.sampled_from(["2024-01-01", "2024-03-31 02:30", "2024-10-27T02:30:00+01:00", "01/02/2024",
                                   "13/02/2024", "0001-01-01", "9999-12-31T23:59:59", "99999-01-01", "nope", ""]),
                  st.integers(-10**18, 10**18).map(str), _text)


def run(*args: str, cwd: Path) -> tuple[int, str]:
    """``journeylog ARGS`` in process: (exit code, stderr)."""
    from journeylog.cli import main

    err = io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0) if not isinstance(exc.code, str) else 2
    finally:
        os.chdir(old)
    return code, err.getvalue()


def check(code: int, err: str, what: str) -> None:
    if code not in ALLOWED or "Traceback" in err or err.count("journeylog: error:") > 1:
        raise AssertionError(f"{what}: exit {code}\n{err[-2000:]}")


def _csv_text(rows: list[list[str]], header: list[str], sep: str) -> str:
    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in (sep, '"', "\n", "\r")) else v

    return "\n".join(sep.join(q(v) for v in r) for r in [header, *rows]) + "\n"


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    header = draw(st.sampled_from([["case", "activity", "timestamp"], ["case", "Activity", "activity", "timestamp"],
                                   ["customer_id", "activity", "timestamp", "channel", "outcome"]]))
    n = draw(st.integers(1, 6))
    rows = [[draw(_time) if h == "timestamp" else draw(_cell) for h in header] for _ in range(n)]
    if draw(st.booleans()):
        rows.append(rows[0][: draw(st.integers(0, len(header) + 1))] + ["extra"] * draw(st.integers(0, 2)))
    return _csv_text(rows, header, draw(st.sampled_from([",", ";", "\t"]))).encode("utf-8")


_json = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append(draw(_text))
        elif kind == 1:
            lines.append(json.dumps(draw(_json)))
        else:
            obj = {"case": draw(_cell), "activity": draw(_cell), "timestamp": draw(st.one_of(_time, _json))}
            obj.update(draw(st.dictionaries(st.sampled_from(["x", "Case", "note"]), _json, max_size=2)))
            text = json.dumps(obj)
            if draw(st.booleans()):
                text = text[:-1] + ', "activity": "dup"}'
            lines.append(text)
    return ("\n".join(lines) + "\n").encode("utf-8")


@st.composite
def parquet_files(draw: st.DrawFn) -> bytes:
    import datetime as dt

    import polars as pl

    n = draw(st.integers(1, 5))
    ts = draw(st.one_of(
        st.lists(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)), min_size=n,
                 max_size=n),
        st.lists(st.integers(-10**18, 10**18), min_size=n, max_size=n),
        st.lists(_time, min_size=n, max_size=n)))
    frame = pl.DataFrame({"case": draw(st.lists(_cell, min_size=n, max_size=n)),
                          "activity": draw(st.lists(_cell, min_size=n, max_size=n)), "timestamp": ts}, strict=False)
    if draw(st.booleans()):
        frame = frame.with_columns(pl.col("case", "activity").cast(pl.Categorical))
    buf = io.BytesIO()
    frame.write_parquet(buf)
    data = buf.getvalue()
    if draw(st.integers(0, 5)) == 0:  # damage it
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=20)) + data[cut:]
    return data


def _xml(v: str) -> str:
    return v.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@st.composite
def xes_files(draw: st.DrawFn) -> bytes:
    events = "".join(
        f'<event><string key="concept:name" value="{_xml(draw(_cell))}"/>'
        f'<{draw(st.sampled_from(["date", "string", "int"]))} key="time:timestamp" value="{_xml(draw(_time))}"/></event>'
        for _ in range(draw(st.integers(1, 4))))
    doc = (f'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0"><trace>'
           f'<string key="concept:name" value="{_xml(draw(_cell))}"/>{events}</trace></log>\n')
    if draw(st.integers(0, 4)) == 0:
        cut = draw(st.integers(0, len(doc)))
        doc = doc[:cut] + draw(st.sampled_from(["<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", "<", "&e;",
                                                 "]]>", "\x00"])) + doc[cut:]
    return doc.encode("utf-8", "surrogatepass")


_yaml_scalar = st.one_of(_text, st.sampled_from(["*a", "&a x", "{", "[", "!!python/object:os.system", "48h", "1e999",
                                                 "../x.csv", "/etc/passwd", "https://x/y.csv", "{journeys:d}"]))


@st.composite
def yaml_files(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["map", "rules"]))
    if kind == "map":
        text = (f"version: 1\ngap: {draw(_yaml_scalar)!r}\nsources:\n  - path: {draw(_yaml_scalar)!r}\n"
                f"    columns: {{activity: {draw(_yaml_scalar)!r}, timestamp: {draw(_yaml_scalar)!r}}}\n")
    else:
        text = (f"patterns:\n  - name: {draw(_yaml_scalar)!r}\n    statement: {draw(_yaml_scalar)!r}\n"
                f"    steps:\n      - {{channel: {draw(_yaml_scalar)!r}}}\n")
    if draw(st.integers(0, 4)) == 0:
        text = draw(_text) + text
    return text.encode("utf-8", "surrogatepass")


@st.composite
def bpmn_files(draw: st.DrawFn) -> bytes:
    text = (SAMPLE / "designed_journey.bpmn").read_text(encoding="utf-8")
    names = [n for n in ("Place order", "Identity check", "Schedule appointment") if n in text]
    for name in names:
        if draw(st.booleans()):
            text = text.replace(name, _xml(draw(_cell)))
    if draw(st.integers(0, 3)) == 0:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["<", "<!DOCTYPE x>", "</", "<callActivity id='c'/>", ""])) + text[cut:]
    return text.encode("utf-8", "surrogatepass")


def _store(folder: Path) -> Path:
    store = folder / "journeys.parquet"
    if not store.exists():
        check(*run("ingest", str(SAMPLE / "sources.yaml"), "-o", str(store), cwd=folder), "sample store")
    return store


def target(name: str, folder: Path) -> tuple[st.SearchStrategy[bytes], Callable[[Path], tuple[str, ...]], str]:
    """(strategy, command for the written file, file name) of one front-end."""
    return {
        "csv": (csv_files(), lambda p: ("ingest", str(p), "-o", "out.csv"), "log.csv"),
        "jsonl": (jsonl_files(), lambda p: ("ingest", str(p), "-o", "out.parquet"), "log.jsonl"),
        "parquet": (parquet_files(), lambda p: ("ingest", str(p), "-o", "out.xes"), "log.parquet"),
        "xes": (xes_files(), lambda p: ("ingest", str(p), "-o", "out.jsonl"), "log.xes"),
        "yaml": (yaml_files(), lambda p: ("ingest", str(p), "-o", "out.parquet"), "sources.yaml"),
        "bpmn": (bpmn_files(), lambda p: ("conform", str(_store(folder)), "-m", str(p), "--no-precision",
                                          "--json", "c.json"), "model.bpmn"),
    }[name]


FRONT_ENDS = ("csv", "jsonl", "parquet", "xes", "yaml", "bpmn")


def fuzz_one(name: str, folder: Path, examples: int, seed: int | None = None) -> None:
    strategy, command, filename = target(name, folder)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is not None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(data: bytes) -> None:
        path = folder / filename
        path.write_bytes(data)
        code, err = run(*command(path), cwd=folder)
        check(code, err, f"{name} input {data[:400]!r}")

    prop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("JOURNEYLOG_FUZZ_SECONDS", "120")))
    parser.add_argument("--only", choices=FRONT_ENDS, action="append")
    args = parser.parse_args()
    names = args.only or list(FRONT_ENDS)
    deadline = time.monotonic() + args.seconds
    rounds = 0
    with tempfile.TemporaryDirectory(prefix="journeylog-fuzz-") as tmp:
        while time.monotonic() < deadline:
            for name in names:
                folder = Path(tmp) / name
                folder.mkdir(exist_ok=True)
                fuzz_one(name, folder, examples=25)
            rounds += 1
    print(f"fuzz: {rounds} round(s) of 25 examples per front-end ({', '.join(names)}), no crash")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
