"""Ingest: the bundled sample against an independent computation, and every bad input of the
contract (one clear error with file, row and column; the right exit code; nothing dropped)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zoneinfo
from itertools import pairwise

import polars as pl
import pytest

from factories import SAMPLE, write_file
from journeylog import schema as S
from journeylog.errors import InvalidInput, ResourceLimit, UnsafeInput, UsageError
from journeylog.ingest import ReadOptions, ingest, parse_gap, read_events, write_events

# ----------------------------------------------------------------------------------------------
# The bundled sample, recomputed without journeylog
# ----------------------------------------------------------------------------------------------


def _independent_sample_events() -> list[tuple]:
    """(customer, utc datetime, activity, channel, source, row) for every raw row, by hand."""
    import yaml

    spec = yaml.safe_load((SAMPLE / "sources.yaml").read_text())
    ids: dict[tuple[str, str], str] = {}
    with open(SAMPLE / spec["identities"]["path"], newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ids[(row["id_type"], row["id_value"])] = row["customer_id"]

    def norm(kind: str, value: str) -> str:
        value = value.strip()
        if kind == "email":
            return value.lower()
        if kind == "phone":
            digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
            return "+" + digits[2:] if digits.startswith("00") else digits
        return value

    out = []
    for src in spec["sources"]:
        path = SAMPLE / src["path"]
        if src["path"].endswith(".jsonl"):
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        else:
            with open(path, newline="", encoding=src.get("encoding", "utf-8")) as fh:
                rows = list(csv.DictReader(fh, delimiter=src.get("delimiter", ",")))
        cols, ident = src["columns"], src["identity"]
        tz = zoneinfo.ZoneInfo(src.get("timezone", "UTC"))
        for row in rows:
            raw_ts = row[cols["timestamp"]]
            fmt = src.get("timestamp_format")
            if fmt == "epoch_ms":
                ts = dt.datetime.fromtimestamp(int(raw_ts) / 1000, dt.UTC)
            elif fmt == "iso":
                ts = dt.datetime.fromisoformat(raw_ts.replace("Z", "+00:00")).astimezone(dt.UTC)
            else:
                ts = dt.datetime.strptime(raw_ts, fmt).replace(tzinfo=tz).astimezone(dt.UTC)
            kind = ident["kind"]
            key = norm(kind, str(row[ident["column"]]))
            customer = ids.get((kind, key), f"{kind}:{key}")
            out.append((customer, ts, row[cols["activity"]], src["name"], json.dumps(row, sort_keys=True)))
    return out


@pytest.fixture(scope="module")
def sample_result():
    return ingest(SAMPLE / "sources.yaml")


def test_sample_counts_match_independent_computation(sample_result):
    rows = _independent_sample_events()
    # exact duplicates: identical raw rows within a source
    distinct = {(r[3], r[4]) for r in rows}
    duplicates = len(rows) - len(distinct)
    by_key = {}
    for r in rows:
        by_key.setdefault((r[3], r[4]), r)
    unique = list(by_key.values())
    customers = {r[0] for r in unique}
    # journeys: cut each customer's timeline at gaps longer than 30 days
    journeys = 0
    per_customer: dict[str, list[dt.datetime]] = {}
    for r in unique:
        per_customer.setdefault(r[0], []).append(r[1])
    for times in per_customer.values():
        times.sort()
        journeys += 1 + sum(1 for a, b in pairwise(times) if b - a > dt.timedelta(days=30))

    ev = sample_result.events
    assert sample_result.duplicates == duplicates
    assert ev.height == len(unique)
    assert ev[S.CUSTOMER_ID].n_unique() == len(customers)
    assert ev[S.JOURNEY_ID].n_unique() == journeys
    assert 15_000 <= ev.height <= 30_000
    # activities per source and the time span agree
    assert sorted(ev[S.ACTIVITY].unique().to_list()) == sorted({r[2] for r in unique})
    assert ev[S.TIMESTAMP].min() == min(r[1] for r in unique)
    assert ev[S.TIMESTAMP].max() == max(r[1] for r in unique)


def test_sample_is_sorted_typed_and_summarised(sample_result):
    ev = sample_result.events
    assert ev.columns[: len(S.SCHEMA)] == list(S.SCHEMA)
    assert dict(list(ev.schema.items())[: len(S.SCHEMA)]) == S.SCHEMA
    assert ev.equals(ev.sort(list(S.SORT_KEYS)))
    assert set(ev[S.CHANNEL].unique()) <= set(S.CHANNELS)
    assert set(ev[S.OUTCOME].drop_nulls().unique()) <= {"success", "failure"}
    summary = sample_result.summary()
    names = [s["name"] for s in summary["sources"]]
    assert names == ["web", "app", "calls", "chat", "backoffice", "store", "surveys"]
    calls = summary["sources"][2]
    assert 0.9 < calls["match_rate"] < 1.0  # withheld / unknown numbers are planted
    assert summary["duplicates_dropped"] is True and summary["duplicates"] == sample_result.duplicates > 0


def test_store_roundtrip_is_identical(sample_result, tmp_path):
    out = tmp_path / "journeys.parquet"
    write_events(sample_result.events, out)
    again = read_events(out)
    assert again.equals(sample_result.events)


def test_unmatched_reject_option(tmp_path):
    text = (SAMPLE / "sources.yaml").read_text().replace("unmatched: own_customer", "unmatched: reject")
    yaml_path = tmp_path / "sources.yaml"
    yaml_path.write_text(text)
    for f in SAMPLE.iterdir():
        if f.name != "sources.yaml":
            (tmp_path / f.name).symlink_to(f)
    res = ingest(yaml_path)
    assert res.rejects.height > 0
    assert set(res.rejects["reason"].unique()) <= {"phone not in the identity table", "email not in the identity table",
                                                   "login not in the identity table", "account not in the identity table"}
    assert not res.events[S.CUSTOMER_ID].str.contains(":").any()


# ----------------------------------------------------------------------------------------------
# Ordinary values that other tools mangle
# ----------------------------------------------------------------------------------------------


def test_ids_and_activities_are_kept_as_strings(tmp_path):
    p = write_file(tmp_path, "log.csv", "case_id,activity,timestamp\n"
              "007,March,2024-01-01 10:00\n7,April,2024-01-01 11:00\nNA,20240101,2024-01-01 12:00\n"
              "null,10,2024-01-01 13:00\nNone,x,2024-01-01 14:00\nN/A,y,2024-01-01 15:00\n")
    ev = read_events(p)
    assert sorted(ev[S.JOURNEY_ID].to_list()) == sorted(["007", "7", "NA", "null", "None", "N/A"])
    assert set(ev[S.ACTIVITY]) == {"March", "April", "20240101", "10", "x", "y"}


def test_duplicates_counted_and_order_deterministic(tmp_path):
    p = write_file(tmp_path, "log.csv", "case_id,activity,timestamp\n"
              "c,B,2024-01-01 10:00\nc,A,2024-01-01 10:00\nc,A,2024-01-01 10:00\nc,C,2024-01-01 09:00\n")
    res = ingest(p)
    assert res.duplicates == 1
    assert res.events[S.ACTIVITY].to_list() == ["C", "B", "A"]  # time, then input order


def test_bom_crlf_read_like_plain_utf8(tmp_path):
    plain = write_file(tmp_path, "a.csv", "case_id,activity,timestamp\nc1,Ä,2024-01-01 10:00\n")
    bom = write_file(tmp_path, "b.csv", b"\xef\xbb\xbfcase_id,activity,timestamp\r\nc1,\xc3\x84,2024-01-01 10:00\r\n")
    a, b = read_events(plain), read_events(bom)
    assert a.drop(S.SOURCE).equals(b.drop(S.SOURCE))


def test_latin1_with_encoding_option(tmp_path):
    p = write_file(tmp_path, "l.csv", b"case_id,activity,timestamp\nc1,Caf\xe9,2024-01-01 10:00\n")
    with pytest.raises(InvalidInput) as e:
        read_events(p)
    assert e.value.row == 2 and "give encoding," in e.value.one_line()
    assert read_events(p, ReadOptions(encoding="latin-1"))[S.ACTIVITY].to_list() == ["Café"]


def test_semicolon_hint_and_delimiter_option(tmp_path):
    p = write_file(tmp_path, "s.csv", "case_id;activity;timestamp\nc1;A;2024-01-01 10:00\n")
    with pytest.raises(InvalidInput) as e:
        read_events(p)
    assert "give delimiter ';'" in e.value.one_line() and e.value.code == 3
    assert read_events(p, ReadOptions(delimiter=";")).height == 1
    t = write_file(tmp_path, "t.csv", "case_id\tactivity\ttimestamp\nc1\tA\t2024-01-01 10:00\n")
    with pytest.raises(InvalidInput, match="TAB"):
        read_events(t)


# ----------------------------------------------------------------------------------------------
# Bad input: one clear error each
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, row, needle",
    [
        ("", None, "empty file"),
        ("case_id,activity,timestamp\n", None, "header but no events"),
        ("case_id,activity,timestamp\nc1,A,2024-01-01\nc2,B\n", 3, "2 fields, the header has 3"),
        ("case_id,activity,timestamp\nc1,A,2024-01-01\n,B,2024-01-02\n", 3, "empty journey/customer id"),
        ("case_id,activity,timestamp\nc1,A,2024-01-01\nc2,,2024-01-02\n", 3, "empty activity"),
        ("case_id,activity,timestamp\nc1,A,2024-01-01\nc2,B,\n", 3, "empty timestamp"),
        ("case_id,activity,timestamp\nc1,A,2024-01-01 10:00\nc2,B,not-a-date\n", 3, "not-a-date"),
        ("case_id,activity,timestamp\nc1,A,2024-01-01 10:00\nc2,B,2024-13-45 25:00\n", 3, "2024-13-45"),
        ('case_id,activity,timestamp\nc1,"a\x01b",2024-01-01 10:00\n', 2, "control character"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path, content, row, needle):
    p = write_file(tmp_path, "bad.csv", content)
    with pytest.raises(InvalidInput) as e:
        read_events(p)
    assert needle in e.value.one_line()
    assert e.value.code == 3
    assert e.value.row == row
    assert e.value.one_line().startswith(str(p))


def test_missing_column_lists_columns_found(tmp_path):
    p = write_file(tmp_path, "m.csv", "case_id,what,when\nc1,A,2024-01-01\n")
    with pytest.raises(InvalidInput) as e:
        read_events(p)
    assert "activity" in e.value.message and "columns found: case_id, what, when" in e.value.one_line()


def test_one_column_file(tmp_path):
    p = write_file(tmp_path, "one.csv", "activity\nA\n")
    with pytest.raises(InvalidInput, match="required column missing"):
        read_events(p)


def test_mixed_naive_and_offset_needs_timezone(tmp_path):
    p = write_file(tmp_path, "tz.csv", "case_id,activity,timestamp\nc1,A,2024-01-01T10:00:00+02:00\nc1,B,2024-01-01 10:00:00\n")
    with pytest.raises(InvalidInput) as e:
        read_events(p)
    assert "give timezone for" in e.value.one_line() and e.value.row == 3
    ev = read_events(p, ReadOptions(timezone="Europe/Berlin"))
    # +02:00 given explicitly -> 08:00 UTC; naive 10:00 in Berlin in January (UTC+1) -> 09:00 UTC
    assert [t.hour for t in ev[S.TIMESTAMP]] == [8, 9]


def test_local_time_is_converted_not_relabelled(tmp_path):
    p = write_file(tmp_path, "l.csv", "case_id,activity,timestamp\nc1,A,2024-07-01 10:00\n")
    ev = read_events(p, ReadOptions(timezone="Europe/Berlin"))
    assert ev[S.TIMESTAMP][0] == dt.datetime(2024, 7, 1, 8, tzinfo=dt.UTC)


def test_day_month_ambiguity(tmp_path):
    ambiguous = write_file(tmp_path, "a.csv", "case_id,activity,timestamp\nc1,A,01/02/2024\nc1,B,03/04/2024\n")
    with pytest.raises(InvalidInput, match="ambiguous"):
        read_events(ambiguous)
    decided = write_file(tmp_path, "d.csv", "case_id,activity,timestamp\nc1,A,01/02/2024\nc1,B,13/02/2024\n")
    ev = read_events(decided)
    assert [t.day for t in ev[S.TIMESTAMP]] == [1, 13]
    assert read_events(ambiguous, ReadOptions(timestamp_format="%m/%d/%Y"))[S.TIMESTAMP][0].month == 1


def test_epoch_seconds_and_milliseconds(tmp_path):
    s = write_file(tmp_path, "s.csv", "case_id,activity,timestamp\nc1,A,1700000000\n")
    ms = write_file(tmp_path, "ms.csv", "case_id,activity,timestamp\nc1,A,1700000000000\n")
    expected = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    assert read_events(s)[S.TIMESTAMP][0] == read_events(ms)[S.TIMESTAMP][0] == expected


def test_skip_invalid_rows_counts_and_returns_rejects(tmp_path):
    lines = ["case_id,activity,timestamp"] + [f"c{i},A,2024-01-01 10:{i % 60:02d}" for i in range(999)] + ["c9,,2024-01-01 10:00"]
    p = write_file(tmp_path, "x.csv", "\n".join(lines) + "\n")
    with pytest.raises(InvalidInput) as e:
        read_events(p)
    assert e.value.row == 1001
    res = ingest(p, ReadOptions(skip_invalid_rows=True))
    assert res.events.height == 999 and res.rejects.height == 1
    assert res.rejects.row(0, named=True)["source_row"] == 1001


def test_long_names_refused(tmp_path):
    p = write_file(tmp_path, "long.csv", f"case_id,activity,timestamp\nc1,{'x' * 200_000},2024-01-01 10:00\n")
    with pytest.raises(ResourceLimit, match="longer than the 500-character name limit"):
        read_events(p)


def test_jsonl_truncated_and_non_json_lines(tmp_path):
    good = '{"case_id": "c1", "activity": "A", "timestamp": "2024-01-01T10:00:00Z"}\n'
    p = write_file(tmp_path, "t.jsonl", good * 3 + '{"case_id": "c2", "activ')
    with pytest.raises(InvalidInput) as e:
        read_events(p)
    assert e.value.row == 4
    q = write_file(tmp_path, "n.jsonl", good + "not json\n" + good)
    with pytest.raises(InvalidInput) as e:
        read_events(q)
    assert e.value.row == 2


def test_jsonl_type_drift_keeps_values(tmp_path):
    lines = [json.dumps({"case_id": i, "activity": "A", "timestamp": "2024-01-01T10:00:00Z", "x": 1}) for i in range(200)]
    lines.append(json.dumps({"case_id": "007", "activity": "B", "timestamp": "2024-01-01T11:00:00Z", "x": "text"}))
    ev = read_events(write_file(tmp_path, "d.jsonl", "\n".join(lines) + "\n"))
    assert ev.height == 201 and "007" in ev[S.JOURNEY_ID].to_list() and "7" in ev[S.JOURNEY_ID].to_list()


def test_parquet_that_is_not_parquet(tmp_path):
    p = write_file(tmp_path, "fake.parquet", "case_id,activity,timestamp\nc1,A,2024-01-01\n")
    with pytest.raises(InvalidInput, match="not a valid Parquet file"):
        read_events(p)
    real = tmp_path / "real.parquet"
    pl.DataFrame({"case_id": ["c1"] * 50, "activity": ["A"] * 50, "timestamp": ["2024-01-01"] * 50}).write_parquet(real)
    data = real.read_bytes()
    (tmp_path / "trunc.parquet").write_bytes(data[: len(data) // 2] + b"PAR1")
    with pytest.raises(InvalidInput, match="not a valid Parquet file"):
        read_events(tmp_path / "trunc.parquet")


def test_paths_that_are_not_local_files(tmp_path):
    with pytest.raises(UnsafeInput):
        read_events("https://example.com/log.csv")
    with pytest.raises(UnsafeInput):
        read_events("file:///etc/passwd")
    with pytest.raises(UsageError, match="directory"):
        read_events(tmp_path)
    with pytest.raises(UsageError, match="no such file"):
        read_events(tmp_path / "missing.csv")


def test_customer_only_logs_are_cut_by_gap(tmp_path):
    p = write_file(tmp_path, "c.csv",
                   "customer,activity,timestamp\nu1,A,2024-01-01\nu1,B,2024-01-05\nu1,C,2024-03-01\nu2,A,2024-01-01\n")
    res = ingest(p)
    assert res.journeys_from == "gap"
    assert res.events[S.JOURNEY_ID].unique().sort().to_list() == ["u1#1", "u1#2", "u2#1"]
    res7 = ingest(p, ReadOptions(gap=parse_gap("3d")))
    assert res7.events[S.JOURNEY_ID].n_unique() == 4


def test_fixed_channel_and_channel_filter(tmp_path):
    p = write_file(tmp_path, "c.csv", "case_id,activity,timestamp\nc1,A,2024-01-01\n")
    assert read_events(p)[S.CHANNEL].to_list() == ["unknown"]
    assert read_events(p, ReadOptions(channel="Call Centre"))[S.CHANNEL].to_list() == ["phone"]
    q = write_file(tmp_path, "d.csv", "case_id,activity,timestamp,channel\nc1,A,2024-01-01,web\n")
    res = ingest(q, ReadOptions(channel="app"))
    assert res.channel_filter == "app" and res.events[S.CHANNEL].to_list() == ["web"]


def test_explicit_outcome_with_unknown_values_is_an_error(tmp_path):
    p = write_file(tmp_path, "o.csv", "case_id,activity,timestamp,state\nc1,A,2024-01-01,maybe\n")
    with pytest.raises(InvalidInput, match="outcome"):
        read_events(p, ReadOptions(outcome="state"))
    # auto-detected 'status' with other values is left as an attribute, with a note
    q = write_file(tmp_path, "q.csv", "case_id,activity,timestamp,status\nc1,A,2024-01-01,open\n")
    res = ingest(q)
    assert res.events[S.OUTCOME].to_list() == [None] and res.events["status"].to_list() == ["open"]
    assert any("status" in n for n in res.notes)


def test_source_map_errors(tmp_path):
    bad = write_file(tmp_path, "s.yaml", "sources:\n  - path: nope.csv\n    bogus: 1\n")
    with pytest.raises(InvalidInput, match="unknown key"):
        ingest(bad)
    worse = write_file(tmp_path, "t.yaml", "sources: [\n")
    with pytest.raises(InvalidInput) as e:
        ingest(worse)
    assert e.value.row is not None


@pytest.mark.parametrize("bad", ["", "   ", "x\ny", "tab\there", None, "z" * 501])
def test_a_bad_activity_among_few_names_is_found(tmp_path, bad):
    """Activities are checked once per distinct name when there are few of them: one bad name in a
    long log is still the error (at its row), or the one reject."""
    n, at = 60, 37
    acts = ["Open" if i % 2 else "Pay" for i in range(n)]
    acts[at] = bad
    frame = pl.DataFrame({"case_id": [f"c{i // 5}" for i in range(n)], "activity": acts,
                          "timestamp": [dt.datetime(2024, 1, 1) + dt.timedelta(minutes=i) for i in range(n)]})
    frame.write_parquet(tmp_path / "log.parquet")
    with pytest.raises((InvalidInput, ResourceLimit)) as err:
        ingest(tmp_path / "log.parquet")
    assert err.value.row == at + 1 and err.value.column == "activity"
    if len(bad or "") <= 500:
        result = ingest(tmp_path / "log.parquet", ReadOptions(skip_invalid_rows=True))
        assert result.rejects[S.SOURCE_ROW].to_list() == [at + 1] and result.events.height == n - 1
