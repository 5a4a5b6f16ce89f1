"""The alignment cache: a re-run aligns only the sequences it has not seen, with the same result.

The oracle for "which sequences are new" is an independent computation: the distinct sequences of
model labels of each log, taken in plain Python from the event rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from factories import PTREE, random_events, write_file, write_model
from journeylog import conform as C
from journeylog import schema as S
from journeylog import settings
from journeylog.errors import InvalidInput
from journeylog.mining import alignments as A
from journeylog.mining.cache import CACHE_FORMAT, AlignmentCache
from journeylog.models import load_model

LABELS = ("Place order", "Identity check", "Schedule appointment", "Router delivered", "Installation completed")
ACTS = LABELS + ("Call: help",)


def _log(seed: int, journeys: int) -> pl.DataFrame:
    events = random_events(seed, journeys, days=30, steps=6, max_gap_us=10**9, customers=journeys,
                           activities=ACTS, channels=("web", "phone"))  # type: ignore[arg-type]
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in S.SCHEMA.items() if name not in events.columns]
    return events.with_columns(missing).select(S.CANONICAL_COLUMNS)


def _reduced(events: pl.DataFrame) -> set[tuple[str, ...]]:
    """Independent: each journey's sequence of model labels, in time then input order."""
    seqs: dict[str, list[tuple]] = {}
    for jid, ts, order, act in events.select("journey_id", "timestamp", "input_order", "activity").iter_rows():
        seqs.setdefault(jid, []).append((ts, order, act))
    return {tuple(a for _t, _o, a in sorted(rows) if a in LABELS) for rows in seqs.values()}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """Every sequence pm4py is asked to align in this test (worker processes are off)."""
    seen: list[tuple[str, ...]] = []
    real = A._align_one

    def spy(net, im, fm, seq, bwc0, timeout, switch_at=None):  # type: ignore[no-untyped-def]
        seen.append(seq)
        return real(net, im, fm, seq, bwc0, timeout, switch_at)

    monkeypatch.setattr(A, "_align_one", spy)
    settings.use(settings.Settings(processes=1))
    yield seen
    settings.use(None)


def _opts(cache: Path | None) -> C.ConformOptions:
    return C.ConformOptions(precision=False, cache=None if cache is None else str(cache))


def test_rerun_aligns_only_new_sequences_with_identical_results(tmp_path: Path, counted: list) -> None:
    model = load_model(write_model(tmp_path))
    cache = tmp_path / "alignments.cache"
    day1 = _log(1, 300)
    day2 = pl.concat([day1, _log(2, 40).with_columns(pl.concat_str(pl.lit("n"), "journey_id").alias("journey_id"))])
    day2 = day2.sort("journey_id", "timestamp", "input_order")

    first = C.conform(day1, model, _opts(cache))
    assert set(counted) == _reduced(day1) and len(counted) == len(_reduced(day1))
    assert first.cache == {"path": str(cache), "reused": 0, "aligned": len(_reduced(day1)), "stale": None}
    assert json.loads(cache.read_text())["format"] == CACHE_FORMAT

    counted.clear()
    second = C.conform(day2, model, _opts(cache))
    new = _reduced(day2) - _reduced(day1)
    assert new, "the second day should bring sequences the first did not have"
    assert sorted(counted) == sorted(new)
    assert second.cache is not None and second.cache["aligned"] == len(new)
    assert second.cache["reused"] == len(_reduced(day2) & _reduced(day1))

    counted.clear()
    plain = C.conform(day2, model, _opts(None))
    assert C.to_json(second) == C.to_json(plain)
    assert second.journey_table.equals(plain.journey_table)
    assert plain.cache is None


def test_same_input_same_cache_bytes(tmp_path: Path) -> None:
    model = load_model(write_model(tmp_path))
    log = _log(3, 120)
    C.conform(log, model, _opts(tmp_path / "a.cache"))
    C.conform(log.sample(fraction=1.0, shuffle=True, seed=5).sort("journey_id", "timestamp", "input_order"),
              model, _opts(tmp_path / "b.cache"))
    assert (tmp_path / "a.cache").read_bytes() == (tmp_path / "b.cache").read_bytes()


def test_another_model_starts_afresh_and_rewrites(tmp_path: Path, counted: list) -> None:
    cache = tmp_path / "alignments.cache"
    log = _log(4, 150)
    C.conform(log, load_model(write_model(tmp_path)), _opts(cache))
    other = write_file(tmp_path, "other.ptree", PTREE.replace("'Identity check', ", "") + "\n")
    counted.clear()
    result = C.conform(log, load_model(other), _opts(cache))
    assert result.cache is not None and result.cache["stale"] == "it was made for another model"
    assert result.cache["reused"] == 0
    assert C.to_json(result) == C.to_json(C.conform(log, load_model(other), _opts(None)))
    again = C.conform(log, load_model(other), _opts(cache))
    assert again.cache is not None and again.cache["stale"] is None and again.cache["aligned"] == 0


def test_a_file_that_is_not_a_cache_is_refused_and_left_alone(tmp_path: Path) -> None:
    model = load_model(write_model(tmp_path))
    log_like = write_file(tmp_path, "log.csv", "journey_id,timestamp,activity\n1,2024-01-01,A\n")
    before = log_like.read_bytes()
    with pytest.raises(InvalidInput, match="not a journeylog alignment cache"):
        C.conform(_log(5, 20), model, _opts(log_like))
    broken = write_file(tmp_path, "broken.cache", '{"format":"journeylog-alignment-cache",\n "key": [}')
    with pytest.raises(InvalidInput) as err:
        C.conform(_log(5, 20), model, _opts(broken))
    assert (err.value.row, err.value.column) == (2, 10)
    assert log_like.read_bytes() == before


def test_timed_out_alignments_are_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model(write_model(tmp_path))
    monkeypatch.setattr(settings, "_CURRENT", settings.Settings(processes=1))
    real = A._align_one
    monkeypatch.setattr(A, "_align_one", lambda net, im, fm, seq, bwc0, t, s=None: None if len(seq) == 2
                        else real(net, im, fm, seq, bwc0, t, s))
    cache = tmp_path / "a.cache"
    C.conform(_log(6, 200), model, _opts(cache))
    data = json.loads(cache.read_text())
    kept = [tuple(data["names"][i] for i in e[0]) for e in data["entries"]]
    assert kept and all(len(t) != 2 for t in kept)


def test_entries_round_trip_exactly() -> None:
    c = AlignmentCache(None, {"k": 1})
    aligned = {"alignment": [("a", "a"), (">>", None), ("x", ">>")], "transitions": ["t1", "tau_1", None],
               "cost": 10001, "bwc": 30001, "fitness": 2 / 3}
    c.put(("a", "x"), aligned)
    back = AlignmentCache.from_text(c.text(), {"k": 1}).get(("a", "x"))
    assert back == aligned


def test_cli_cache_option_and_yaml_key(tmp_path: Path, run_main) -> None:  # type: ignore[no-untyped-def]
    write_model(tmp_path)
    _log(7, 80).write_parquet(tmp_path / "log.parquet")
    code, _out, err = run_main("conform", "log.parquet", "-m", "design.ptree", "--no-precision",
                               "--cache", "a.cache", "--json", "one.json", cwd=tmp_path)
    assert code == 0, err
    assert "alignment cache a.cache: 0 of" in err
    code, _out, err = run_main("conform", "log.parquet", "-m", "design.ptree", "--no-precision",
                               "--cache", "a.cache", "--json", "two.json", cwd=tmp_path)
    assert code == 0 and "aligned and added" not in err and "all " in err
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    code, _out, err = run_main("conform", "log.parquet", "-m", "design.ptree", "--cache", "one.json", "--json",
                               "one.json", cwd=tmp_path)
    assert code == 2 and err.count("journeylog: error:") == 1

    sub = tmp_path / "ci"
    sub.mkdir()
    write_file(sub, "journeylog.yaml", "version: 1\nmodel: ../design.ptree\ncache: nightly.cache\n"
                                      "checks:\n  min_fitness: 0.1\n")
    code, _out, err = run_main("check", "log.parquet", "--config", "ci/journeylog.yaml", "--no-precision",
                               cwd=tmp_path)
    assert code == 0, err
    assert (sub / "nightly.cache").exists() and "alignment cache" in err


def test_a_version_1_file_is_stale_and_rewritten(tmp_path: Path, counted: list) -> None:
    """The layout before version 2 spelled every step out; such a file is not read, the run aligns
    afresh and the file is rewritten in the current layout."""
    model = load_model(write_model(tmp_path))
    cache = tmp_path / "old.cache"
    key = A.open_cache(model, str(cache)).key
    entry = {"trace": ["Place order"], "cost": 0, "bwc": 10000, "fitness": 1.0, "alignment": [["Place order", "Place order"]],
             "transitions": ["t1"]}
    body = json.dumps({"version": 1, "key": key, "entries": [entry]}, separators=(",", ":"), sort_keys=True)
    cache.write_text(f'{{"format":"{CACHE_FORMAT}",' + body[1:] + "\n", encoding="utf-8")
    result = C.conform(_log(7, 50), model, _opts(cache))
    assert result.cache is not None and "version 1" in str(result.cache)
    assert counted, "aligned afresh"
    assert json.loads(cache.read_text())["version"] == 2


@pytest.mark.parametrize("bad", [
    {"names": ["a"], "steps": [[0, 0, None]], "entries": [[[0], 0, 10000, 1.0, [5]]]},  # no step 5
    {"names": ["a"], "steps": [[0, 7, None]], "entries": [[[0], 0, 10000, 1.0, [0]]]},  # no name 7
    {"names": ["a"], "steps": [[0, 0, None]], "entries": [[[None], 0, 10000, 1.0, [0]]]},  # a trace without a name
    {"names": ["a"], "steps": [[0, 0, None]], "entries": [[[0], "0", 10000, 1.0, [0]]]},  # cost as text
    {"names": ["a"], "steps": [[0, 0]], "entries": []},  # a step of two names
    {"names": [1], "steps": [], "entries": []},
])
def test_malformed_entries_are_refused(bad: dict) -> None:
    key = {"k": 1}
    body = json.dumps({"version": 2, "key": key, **bad}, separators=(",", ":"))
    with pytest.raises(InvalidInput, match="malformed entries"):
        AlignmentCache.from_text(f'{{"format":"{CACHE_FORMAT}",' + body[1:], key)


def test_names_and_steps_are_stored_once() -> None:
    c = AlignmentCache(None, {"k": 1})
    for n in range(50):
        seq = ("a",) * (n + 1)
        c.put(seq, {"alignment": [("a", "a")] * (n + 1), "transitions": ["t1"] * (n + 1), "cost": 0, "bwc": 10001,
                    "fitness": 1.0})
    data = json.loads(c.text())
    assert data["names"] == ["a", "t1"] and data["steps"] == [[0, 0, 1]]
    back = AlignmentCache.from_text(c.text(), {"k": 1})
    assert back.get(("a",) * 7) == {"alignment": [("a", "a")] * 7, "transitions": ["t1"] * 7, "cost": 0, "bwc": 10001,
                                    "fitness": 1.0}
