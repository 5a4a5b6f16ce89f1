"""--segment, --from/--to and --journeys-where on discover, conform, check and drift: each gives
the figures of the same command on a log filtered beforehand, independently (plain Polars, written
as its own file); what was kept is said on stderr; mistakes are one-line errors with the right code.
The sample is ingested with a customers table (plan), so segments on customer attributes run end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from factories import PTREE, SAMPLE, make_log
from journeylog.ingest import ingest
from journeylog.io.store import write_events


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The telecom sample (its source map joins customers.csv: plan, region), ingested."""
    folder = tmp_path_factory.mktemp("sample")
    for f in SAMPLE.iterdir():
        shutil.copy(f, folder / f.name)
    assert "customers:" in (folder / "sources.yaml").read_text(encoding="utf-8")  # the sample's plan and region
    ingest(folder / "sources.yaml", output=folder / "journeys.parquet")
    return folder / "journeys.parquet"


def _first(events: pl.DataFrame, column: str) -> pl.DataFrame:
    """Independently: each journey's first non-empty value of ``column`` in time order."""
    rows: dict[str, object] = {}
    for jid, value in events.sort("journey_id", "timestamp", "input_order").select("journey_id", column).iter_rows():
        if jid not in rows and value not in (None, ""):
            rows[jid] = value
    return pl.DataFrame({"journey_id": list(rows), column: list(rows.values())})


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_discover_segment_and_condition_equal_a_prefiltered_log(sample: Path, tmp_path: Path, run_main) -> None:
    events = pl.read_parquet(sample)
    plan = _first(events, "plan").filter(pl.col("plan") == "business")["journey_id"]
    phone = events.filter(pl.col("channel") == "phone")["journey_id"].unique()
    keep = set(plan.to_list()) & set(phone.to_list())
    write_events(events.filter(pl.col("journey_id").is_in(sorted(keep))), tmp_path / "pre.parquet")
    code, _out, err = run_main("discover", str(sample), "--segment", "plan=business", "--journeys-where",
                               "has channel=phone", "--no-model", "--json", "a.json", cwd=tmp_path)
    assert code == 0, err
    total = events["journey_id"].n_unique()
    assert f"selected plan=business, has channel=phone: {len(keep):,} of {total:,} journeys" in err
    assert run_main("discover", "pre.parquet", "--no-model", "--json", "b.json", cwd=tmp_path)[0] == 0
    a, b = _json(tmp_path / "a.json"), _json(tmp_path / "b.json")
    assert a == b and a["journeys"] == len(keep) > 0


def test_discover_out_of_core_selects_the_same(sample: Path, tmp_path: Path, run_main) -> None:
    args = ["discover", str(sample), "--segment", "plan=consumer", "--from", "2026-02-01", "--no-model"]
    assert run_main(*args, "--json", "mem.json", cwd=tmp_path)[0] == 0
    code, _o, err = run_main(*args, "--json", "disk.json", cwd=tmp_path, env={"JOURNEYLOG_MEMORY_EVENTS": "2000"})
    assert code == 0, err
    assert _json(tmp_path / "mem.json") == _json(tmp_path / "disk.json")
    assert "selected plan=consumer, from 2026-02-01:" in err


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic log with a designed journey and a journey attribute ``tier`` on some events."""
    folder = tmp_path_factory.mktemp("small")
    ev = make_log(n=300, weeks=8, seed=5, p_fail=0.2)
    ev = ev.with_columns(pl.when(pl.col("activity") == "Place order")
                         .then(pl.col("journey_id").str.slice(-1).cast(pl.Int64).mod(2).cast(pl.String)).alias("tier"))
    ev.write_parquet(folder / "log.parquet")
    (folder / "design.ptree").write_text(PTREE + "\n", encoding="utf-8")
    return folder


def _prefiltered(folder: Path, keep: set[str], name: str) -> str:
    ev = pl.read_parquet(folder / "log.parquet")
    ev.filter(pl.col("journey_id").is_in(sorted(keep))).write_parquet(folder / name)
    return name


def test_conform_check_and_drift_equal_a_prefiltered_log(small: Path, run_main) -> None:
    ev = pl.read_parquet(small / "log.parquet")
    tier = set(_first(ev, "tier").filter(pl.col("tier") == "1")["journey_id"].to_list())
    starts = ev.group_by("journey_id").agg(pl.col("timestamp").min())
    late = set(starts.filter(pl.col("timestamp") >= pl.datetime(2026, 1, 19, time_zone="UTC"))["journey_id"].to_list())
    failing = set(ev.filter((pl.col("channel") == "web") & (pl.col("outcome") == "failure"))["journey_id"].to_list())
    keep = tier & late - failing
    pre = _prefiltered(small, keep, "pre.parquet")
    select = ["--segment", "tier=1", "--from", "2026-01-19", "--journeys-where", "not has channel=web outcome=failure"]
    runs = [
        (["conform", "-m", "design.ptree", "--no-precision"], "conform"),
        (["check", "-m", "design.ptree", "--no-precision", "--min-fitness", "0.5", "--no-config"], "check"),
        (["drift", "-m", "design.ptree", "--window", "2w", "--min-journeys", "5", "--no-config"], "drift"),
    ]
    for args, name in runs:
        code, _o, err = run_main(args[0], "log.parquet", *args[1:], *select, "--json", f"{name}-a.json", cwd=small)
        assert code == 0, err
        assert f"of {ev['journey_id'].n_unique():,} journeys" in err
        assert run_main(args[0], pre, *args[1:], "--json", f"{name}-b.json", cwd=small)[0] == 0
        a, b = _json(small / f"{name}-a.json"), _json(small / f"{name}-b.json")
        a.pop("seconds", None), b.pop("seconds", None)
        assert a == b, name
    assert _json(small / "conform-a.json")["journeys"] == len(keep) > 0


def test_a_column_that_varies_within_journeys_is_said(small: Path, run_main) -> None:
    code, _o, err = run_main("discover", "log.parquet", "--segment", "channel=web", "--no-model", cwd=small)
    assert code == 0
    assert "note: 'channel' changes within" in err and "a journey's value is its first non-empty one" in err


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--journeys-where", "has channel="], 2, "--journeys-where: expected a value"),
    (["--segment", "tier"], 2, "--segment needs COLUMN=VALUE"),
    (["--segment", "tire=1"], 2, "did you mean 'tier'"),
    (["--journeys-where", "pattern=web-failure-then-phon"], 2, "did you mean 'web-failure-then-phone'"),
    (["--from", "May"], 2, "not an ISO date"),
    (["--from", "2026-03-01", "--to", "2026-02-01"], 2, "--to must be after --from"),
    (["--segment", "tier=7"], 3, "no journey left after the selection (tier=7; the log has 300 journeys)"),
])
def test_mistakes_are_one_line_errors(small: Path, run_main, args: list[str], code: int, words: str) -> None:
    got, out, err = run_main("discover", "log.parquet", "--no-model", *args, cwd=small)
    lines = [ln for ln in err.splitlines() if ln.startswith("journeylog: error:")]
    assert got == code and len(lines) == 1 and words in lines[0], err
    assert out == ""
