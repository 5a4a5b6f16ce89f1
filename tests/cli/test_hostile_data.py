"""No silent change of data (issue 17, item 3): naive and offset XES dates mixed, columns that
differ only in case, list/struct columns as a role, Categorical and dictionary-encoded Parquet."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factories import write_file
from hostile import refused

_MIXED_XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
<trace><string key="concept:name" value="c1"/>
<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2024-01-01T10:00:00.000+01:00"/></event>
<event><string key="concept:name" value="b"/><date key="time:timestamp" value="2024-01-01T10:30:00.000"/></event>
</trace>
</log>
"""


def test_naive_and_offset_xes_dates_mixed_need_a_time_zone(run_main, tmp_path):
    write_file(tmp_path, "mix.xes", _MIXED_XES)
    refused(run_main, tmp_path, 3, "ingest", "mix.xes", "-o", "m.csv", output=tmp_path / "m.csv",
            says="mix.xes:5:time:timestamp: timestamps mix values with a UTC offset and values without one")
    code, _out, err = run_main("ingest", "mix.xes", "-o", "m.csv", "--timezone", "Europe/Berlin", cwd=tmp_path)
    assert code == 0, err
    times = pl.read_csv(tmp_path / "m.csv")["timestamp"].to_list()
    # 10:00+01:00 and 10:30 Berlin time (UTC+1 in January) are 09:00 and 09:30 UTC
    assert [t[:19] for t in times] == ["2024-01-01T09:00:00", "2024-01-01T09:30:00"]


@pytest.mark.parametrize("name, frame, role", [
    ("case2.parquet", pl.DataFrame({"case": ["c1", "c1"], "Case": ["x", "y"], "activity": ["a", "b"],
                                    "timestamp": ["2024-01-01", "2024-01-02"]}), "case"),
    ("act2.parquet", pl.DataFrame({"case": ["c1", "c1"], "Activity": ["x", "y"], "activity": ["a", "b"],
                                   "timestamp": ["2024-01-01", "2024-01-02"]}), "activity"),
])
def test_two_columns_differing_only_in_case_for_a_role_are_an_error_naming_both(run_main, tmp_path, name, frame,
                                                                                 role):
    frame.write_parquet(tmp_path / name)
    err = refused(run_main, tmp_path, 2, "discover", name, "--no-model", says="differ only in case")
    twins = [c for c in frame.columns if c.lower() == role]
    assert all(repr(t) in err for t in twins) and f"--{role}" in err
    code, _out, err = run_main("discover", name, "--no-model", f"--{role}", twins[0], cwd=tmp_path)
    assert code == 0, err


@pytest.mark.parametrize("column, values", [
    ("case", [{"id": "c1"}, {"id": "c1"}]),
    ("activity", [["a"], ["b"]]),
])
def test_a_list_or_struct_column_as_a_role_is_an_error(run_main, tmp_path, column, values):
    data = {"case": ["c1", "c1"], "activity": ["a", "b"], "timestamp": ["2024-01-01", "2024-01-02"], column: values}
    pl.DataFrame(data).write_parquet(tmp_path / "nested.parquet")
    refused(run_main, tmp_path, 3, "ingest", "nested.parquet", "-o", "o.parquet", output=tmp_path / "o.parquet",
            says=f"column {column!r} holds")


def test_categorical_and_dictionary_encoded_parquet_strings_are_read_like_strings(run_main, tmp_path):
    plain = {"case": ["c1", "c1", "c2"], "activity": ["a", "b", "a"],
             "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"]}
    pl.DataFrame(plain).with_columns(pl.col("case", "activity").cast(pl.Categorical)).write_parquet(
        tmp_path / "cat.parquet")
    pq.write_table(pa.table({k: (pa.array(v).dictionary_encode() if k != "timestamp" else v)
                             for k, v in plain.items()}), tmp_path / "dict.parquet")
    pl.DataFrame(plain).write_parquet(tmp_path / "plain.parquet")
    outs = []
    for name in ("cat", "dict", "plain"):
        code, _out, err = run_main("ingest", f"{name}.parquet", "-o", f"{name}.csv", cwd=tmp_path)
        assert code == 0, err
        outs.append(pl.read_csv(tmp_path / f"{name}.csv").drop("source", "source_row", strict=False))
    assert outs[0].equals(outs[2]) and outs[1].equals(outs[2])


def _identity_map(folder, crm_rows: str) -> None:
    write_file(folder, "crm.csv", "customer_id,id_type,id_value\n" + crm_rows)
    write_file(folder, "web.csv", "login,page,at\nann,Home,2024-01-01T10:00\nbob,Home,2024-01-01T11:00\n")
    write_file(folder, "sources.yaml", "version: 1\nidentities: {path: crm.csv, unmatched: own_customer}\n"
               "sources:\n  - name: web\n    path: web.csv\n    channel: web\n    identity: {column: login, kind: login}\n"
               "    columns: {activity: page, timestamp: at}\n")


def test_an_id_made_up_for_an_unmatched_key_never_merges_with_a_real_customer(run_main, tmp_path):
    # 'bob' is not in the table, so it would become 'login:bob': a real customer already has that id
    _identity_map(tmp_path, "login:bob,login,ann\n")
    refused(run_main, tmp_path, 3, "ingest", "sources.yaml", "-o", "o.parquet", output=tmp_path / "o.parquet",
            says="the id 'login:bob' made up for an unmatched key equals a real customer id")
    _identity_map(tmp_path, "CUS-1,login,ann\n")
    code, _out, err = run_main("ingest", "sources.yaml", "-o", "o.csv", cwd=tmp_path)
    assert code == 0, err
    assert sorted(set(pl.read_csv(tmp_path / "o.csv")["customer_id"].to_list())) == ["CUS-1", "login:bob"]


@pytest.mark.parametrize("command", [["discover"], ["conform", "--no-precision"], ["drift", "--no-config"],
                                     ["check", "--no-config", "--no-precision", "--min-fitness", "0"]])
def test_every_command_that_reads_a_log_skips_counts_and_lists_invalid_rows(run_main, tmp_path, command):
    from factories import SAMPLE

    write_file(tmp_path, "bad.csv", "case,activity,timestamp\nc1,a,2024-01-01\nc1,b,nope\nc1,b,2024-01-02\n"
               "c1,b,2024-01-02\n")
    args = [command[0], "bad.csv", *([] if command[0] == "discover" else ["-m", str(SAMPLE / "designed_journey.bpmn")]),
            *command[1:]]
    refused(run_main, tmp_path, 3, *args, says="bad.csv:3:timestamp")
    code, _out, err = run_main(*args, "--skip-invalid-rows", "--rejects", "rj.csv", cwd=tmp_path)
    assert code in (0, 1), err
    assert "note: skipped 1 invalid row (--skip-invalid-rows), written to rj.csv" in err
    assert "note: 1 exact duplicate event kept" in err  # analysis commands keep duplicates and say so
    rejects = pl.read_csv(tmp_path / "rj.csv")
    assert rejects["source_row"].to_list() == [3] and rejects["column"].to_list() == ["timestamp"]
    refused(run_main, tmp_path, 2, *args, "--rejects", "other.csv", says="--skip-invalid-rows",
            output=tmp_path / "other.csv")


@pytest.mark.parametrize("where", ["../outside/web.csv", "/etc/passwd", "sub/../../outside/web.csv"])
def test_a_source_map_cannot_name_files_outside_its_folder(run_main, tmp_path, where):
    outside = tmp_path / "outside"
    outside.mkdir()
    write_file(outside, "web.csv", "login,page,at\nSECRET-HEADER-LINE,Home,2024-01-01T10:00\n")
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "link.csv").symlink_to(outside / "web.csv")  # a link the folder's owner made is followed
    write_file(folder, "sources.yaml", f"version: 1\nsources:\n  - name: web\n    path: {where}\n    channel: web\n"
               "    columns: {activity: page, timestamp: at, case: login}\n")
    err = refused(run_main, folder, 5, "ingest", "sources.yaml", "-o", "o.parquet", output=folder / "o.parquet",
                  says="sources.yaml:4:11: the source map names a file outside its folder")
    assert "SECRET" not in err and "root:" not in err and "--allow-outside-paths" in err
    if where == "../outside/web.csv":
        code, _out, err = run_main("ingest", "sources.yaml", "-o", "o.parquet", "--allow-outside-paths", cwd=folder)
        assert code == 0, err
    write_file(folder, "sources.yaml", "version: 1\nsources:\n  - name: web\n    path: link.csv\n    channel: web\n"
               "    columns: {activity: page, timestamp: at, case: login}\n")
    assert run_main("ingest", "sources.yaml", "-o", "o.parquet", cwd=folder)[0] == 0


@pytest.mark.parametrize("tail, line", [
    ('c1,b,2024-01-02,x\nc1,c,nope,y\n', "ml.csv:6:timestamp"),
    ('c1,b,2024-01-02,x,extra\n', "ml.csv:5: row has 5 fields"),
])
def test_errors_after_multi_line_cells_name_the_physical_line(run_main, tmp_path, tail, line):
    write_file(tmp_path, "ml.csv", 'case,activity,timestamp,note\nc1,a,2024-01-01,"multi\nline\r\nnote"\n' + tail)
    refused(run_main, tmp_path, 3, "discover", "ml.csv", says=line)
