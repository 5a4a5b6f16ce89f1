"""Nothing injected (issue 17, item 6): formula cells neutralised in every CSV column (lists,
categoricals, nested values and the header too) unless --raw-csv; no line that could start a GitHub
workflow command from data; URLs in journeylog.yaml refused like URLs on the command line."""

from __future__ import annotations

import csv

import polars as pl

from factories import SAMPLE, write_file
from hostile import refused

FORMULAS = ("=", "+", "-", "@", "\t", "\r")


def _cells(path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return [c for row in rows for c in row]


def test_every_csv_cell_and_header_that_looks_like_a_formula_is_neutralised(run_main, tmp_path):
    frame = pl.DataFrame({
        "case": ["=c1", "=c1"], "activity": ["+SUM(A1)", "@cmd"], "timestamp": ["2024-01-01", "2024-01-02"],
        "=HYPERLINK(x)": ["-2+3", "\tx"], "tags": [["=a", "b"], ["c"]], "nested": [{"k": "=x"}, {"k": "y"}],
    }).with_columns(pl.col("=HYPERLINK(x)").cast(pl.Categorical))
    frame.write_parquet(tmp_path / "evil.parquet")
    code, _out, err = run_main("ingest", "evil.parquet", "-o", "out.csv", cwd=tmp_path)
    assert code == 0, err
    cells = _cells(tmp_path / "out.csv")
    bad = [c for c in cells if c.startswith(FORMULAS)]
    assert not bad, bad
    assert "'=HYPERLINK(x)" in cells and "'+SUM(A1)" in cells and "'=c1" in cells
    code, _out, err = run_main("--raw-csv", "ingest", "evil.parquet", "-o", "raw.csv", cwd=tmp_path)
    assert code == 0, err
    assert "+SUM(A1)" in _cells(tmp_path / "raw.csv") and "=HYPERLINK(x)" in _cells(tmp_path / "raw.csv")


def test_the_rejects_and_journey_tables_are_neutralised_too(run_main, tmp_path):
    write_file(tmp_path, "log.csv", "case,activity,timestamp\n=c1,@a,2024-01-01\n=c1,-b,2024-01-02\n=c1,+c,nope\n")
    code, _out, err = run_main("conform", "log.csv", "-m", str(SAMPLE / "designed_journey.bpmn"), "--no-precision",
                               "--skip-invalid-rows", "--rejects", "rj.csv", "--journeys-out", "j.csv", cwd=tmp_path)
    assert code == 0, err
    for name in ("rj.csv", "j.csv"):
        bad = [c for c in _cells(tmp_path / name) if c.startswith(FORMULAS)]
        assert not bad, (name, bad)


def test_no_output_line_starts_a_github_workflow_command_from_data(run_main, tmp_path):
    long = "x " * 30 + "::error file=a::pwned ::set-output name=a::b"
    write_file(tmp_path, "log.csv", f"case,activity,timestamp\nc1,{long},2024-01-01\nc1,Place order,2024-01-02\n"
               f"c2,::warning::w,2024-01-01\n")
    for args in (["discover", "log.csv", "--no-model"],
                 ["conform", "log.csv", "-m", str(SAMPLE / "designed_journey.bpmn"), "--no-precision"]):
        code, out, err = run_main(*args, cwd=tmp_path, env={"COLUMNS": "40", "GITHUB_ACTIONS": "true"})
        assert code == 0, err
        lines = (out + err).splitlines()
        assert not [x for x in lines if x.strip().startswith("::")], lines


def test_a_url_in_journeylog_yaml_is_refused_like_one_on_the_command_line(run_main, tmp_path):
    write_file(tmp_path, "journeylog.yaml", "model: https://example.com/m.bpmn\n")
    refused(run_main, tmp_path, 5, "check", str(SAMPLE / "sources.yaml"), "--min-fitness", "0.1",
            "--json", "c.json", output=tmp_path / "c.json", says="journeylog.yaml:1:8: model: journeylog reads local")
