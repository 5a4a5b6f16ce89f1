"""Bounded resources with a clear exit 4 (issue 17, item 5): YAML alias bombs, deep YAML, a
Parquet footer above --max-events, gzip bombs, and a size-cap hint that names a real option."""

from __future__ import annotations

import gzip

import polars as pl
import pytest

from factories import SAMPLE, write_file
from hostile import refused

MODEL = str(SAMPLE / "designed_journey.bpmn")


def _laughs() -> str:
    steps = ['      - {channel: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]}']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        steps.append(f"      - {{channel: &{name} [{', '.join([f'*{prev}'] * 9)}]}}")
    return "patterns:\n  - name: p\n    steps:\n" + "\n".join(steps) + "\n"


@pytest.mark.parametrize("text, says", [
    (_laughs(), "expands to more than 100,000 values"),
    ("patterns: " + "[" * 50_000 + "]" * 50_000 + "\n", "nests"),
    ("patterns: &a [*a]\n", "refers to itself"),
])
def test_yaml_alias_bombs_and_deep_nesting_are_refused_without_expanding(run_main, tmp_path, text, says):
    write_file(tmp_path, "rules.yaml", text)
    err = refused(run_main, tmp_path, 4, "conform", str(SAMPLE / "sources.yaml"), "-m", MODEL, "--rules", "rules.yaml",
                  "--no-precision", "--json", "c.json", output=tmp_path / "c.json", says=says)
    assert "lol" not in err and len(err) < 400


def test_a_parquet_footer_above_max_events_is_refused_before_loading(run_main, tmp_path, monkeypatch):
    import journeylog.io.tabular as tabular

    pl.DataFrame({"case": ["c1"] * 50, "activity": ["a"] * 50,
                  "timestamp": ["2024-01-01"] * 50}).write_parquet(tmp_path / "log.parquet")

    def never(*_a, **_k):
        raise AssertionError("loaded")

    monkeypatch.setattr(tabular.pl, "read_parquet", never)
    refused(run_main, tmp_path, 4, "--max-events", "10", "ingest", "log.parquet", "-o", "o.csv",
            output=tmp_path / "o.csv", says="log.parquet: the log has 50 rows (from its footer), more than the 10 allowed")


def test_max_events_counts_csv_rows(run_main, tmp_path):
    write_file(tmp_path, "log.csv", "case,activity,timestamp\n" + "c1,a,2024-01-01\n" * 20)
    refused(run_main, tmp_path, 4, "--max-events", "19", "discover", "log.csv", says="--max-events")
    assert run_main("--max-events", "20", "discover", "log.csv", "--no-model", cwd=tmp_path)[0] == 0


def test_a_gzip_bomb_is_refused_by_its_ratio(run_main, tmp_path):
    body = b"case,activity,timestamp\nc1,a,2024-01-01\n" + b" " * (80 * 1024 * 1024) + b"\n"
    (tmp_path / "bomb.csv.gz").write_bytes(gzip.compress(body, 9))
    refused(run_main, tmp_path, 4, "discover", "bomb.csv.gz", says="inflates more than 200 times")


def test_the_size_cap_hint_names_an_option_that_exists(run_main, tmp_path):
    write_file(tmp_path, "log.csv", "case,activity,timestamp\n" + "c1,a,2024-01-01\n" * 20)
    refused(run_main, tmp_path, 4, "--max-input-bytes", "100", "discover", "log.csv",
            says="(hint: raise --max-input-bytes if the file is trusted)")
    assert run_main("--max-input-bytes", "100000", "discover", "log.csv", "--no-model", cwd=tmp_path)[0] == 0


def test_max_input_bytes_in_journeylog_yaml_caps_the_input_unless_the_option_says_otherwise(run_main, tmp_path):
    write_file(tmp_path, "log.csv", "case,activity,timestamp\n" + "c1,Place order,2024-01-01\n" * 20)
    write_file(tmp_path, "journeylog.yaml", "max_input_bytes: 100\n")
    refused(run_main, tmp_path, 4, "check", "log.csv", "-m", MODEL, "--min-fitness", "0", "--no-precision",
            says="100-byte limit")
    code, _out, err = run_main("--max-input-bytes", "100000", "check", "log.csv", "-m", MODEL, "--min-fitness", "0",
                               "--no-precision", cwd=tmp_path)
    assert code in (0, 1), err
    write_file(tmp_path, "journeylog.yaml", "max_input_bytes: lots\n")
    refused(run_main, tmp_path, 3, "check", "log.csv", "-m", MODEL, "--min-fitness", "0", says="journeylog.yaml:1:18:")
