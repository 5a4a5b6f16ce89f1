"""The emotion curve on hand-built logs (placement, points, gaps, split) and on the sample (plot, JSON)."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import polars as pl
import pytest

from factories import write_file
from journeylog.cx.emotion import EmotionOptions, emotion, to_json
from journeylog.errors import InvalidInput, UsageError
from journeylog.models import load_model

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


def _log(rows: list[tuple[str, str, float | None]]) -> pl.DataFrame:
    """(journey, activity, csat) rows, an hour apart within a journey."""
    out = []
    seen: dict[str, int] = {}
    for j, act, score in rows:
        k = seen[j] = seen.get(j, -1) + 1
        out.append({"journey_id": j, "customer_id": j, "timestamp": T0 + dt.timedelta(hours=k), "channel": "web",
                    "activity": act, "outcome": None, "satisfaction": None, "contact_reason": None, "text": None,
                    "source": "t", "source_row": len(out) + 2, "input_order": len(out), "metric_csat": score})
    return pl.DataFrame(out, schema_overrides={"timestamp": pl.Datetime("us", "UTC"), "input_order": pl.UInt64,
                                               "satisfaction": pl.Float64, "metric_csat": pl.Float64,
                                               "outcome": pl.String, "contact_reason": pl.String, "text": pl.String})


@pytest.fixture
def model(tmp_path: Path):
    return load_model(write_file(tmp_path, "m.ptree", "->('a', 'b', 'c')\n"))


ROWS = [
    ("j1", "a", 5.0), ("j1", "b", 4.0), ("j1", "c", 2.0),
    ("j2", "a", 4.0), ("j2", "x", 1.0), ("j2", "b", None), ("j2", "c", 3.0),  # x: a log move after a
    ("j3", "x", 2.0), ("j3", "a", 3.0), ("j3", "b", 5.0), ("j3", "c", None),  # x first: cannot be placed
    ("j4", "a", 5.0), ("j4", "c", 1.0),  # b skipped
]


def test_placement_and_points_against_hand_computation(model) -> None:
    e = emotion(_log(ROWS), model, EmotionOptions(metric="csat", min_responses=3))
    assert e.placement == {"responses": 11, "synchronised": 9, "after_log_move": 1, "unplaced": 1}
    points = {r["step"]: r for r in e.points.iter_rows(named=True)}
    assert list(points) == ["a", "b", "c"]
    expected = {"a": [5, 4, 1, 3, 5], "b": [4, 5], "c": [2, 3, 1]}  # j2's x counts at a
    for step, values in expected.items():
        assert points[step]["responses"] == len(values)
        assert points[step]["mean"] == pytest.approx(statistics.mean(values))
        assert points[step]["median"] == pytest.approx(statistics.median(values))
        assert points[step]["thin"] == (len(values) < 3)
    assert any("1 of 11 scores were on events outside the model" in n for n in e.notes)


def test_desired_gaps_ranked_worst_first_and_located_errors(model, tmp_path: Path) -> None:
    from journeylog.config.desired import load_desired

    desired = load_desired(write_file(tmp_path, "d.yaml", "version: 1\nmetric: csat\npoints:\n  a: 4\n  b: 4\n  c: 4.5\n"))
    data = to_json(emotion(_log(ROWS), model, EmotionOptions(metric="csat", desired=desired, min_responses=1)))
    gaps = [(g["step"], round(g["shortfall"], 6)) for g in data["gaps"]]
    assert gaps == [("c", 2.5), ("a", round(4 - 3.6, 6)), ("b", -0.5)]
    assert data["statements"][0] == "'c' scores 2.0 on CSAT (1-5) against a desired 4.5: the largest gap"
    bad = load_desired(write_file(tmp_path, "e.yaml", "points:\n  a: 4\n  bb: 6\n"))
    with pytest.raises(InvalidInput, match=r"e.yaml:3:3: 'bb' is not a step.*did you mean 'b'"):
        emotion(_log(ROWS), model, EmotionOptions(metric="csat", desired=bad))
    off = load_desired(write_file(tmp_path, "f.yaml", "points:\n  a: 6\n"))
    with pytest.raises(InvalidInput, match=r"f.yaml:2:3: the desired 6 for 'a' is outside the scale 1-5"):
        emotion(_log(ROWS), model, EmotionOptions(metric="csat", desired=off))


def test_split_by_deviation_against_welch(model) -> None:
    from scipy import stats

    rows = [(f"f{i}", a, s) for i in range(6) for a, s in (("a", 4.0 + i % 2), ("b", 5.0 - i % 2), ("c", 4.0))]
    rows += [(f"s{i}", a, s) for i in range(5) for a, s in (("a", 2.0 + i % 3), ("c", 1.0 + i % 2))]
    e = emotion(_log(rows), model, EmotionOptions(metric="csat", split_by="skipped:b"))
    assert e.split is not None and e.split["kind"] == "deviation" and e.split["journeys_with"] == 5
    a = next(p for p in e.split["points"] if p["step"] == "a")
    with_b = [2.0 + i % 3 for i in range(5)]
    without = [4.0 + i % 2 for i in range(6)]
    ref = stats.ttest_ind(with_b, without, equal_var=False)
    assert a["difference"] == pytest.approx(statistics.mean(with_b) - statistics.mean(without))
    assert a["p"] == pytest.approx(float(ref.pvalue)) and a["t"] == pytest.approx(float(ref.statistic))
    with pytest.raises(UsageError, match="did you mean 'skipped:b'"):
        emotion(_log(rows), model, EmotionOptions(metric="csat", split_by="skiped:b"))


def test_a_split_by_no_alignment_can_report_is_refused_before_aligning(model, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deviation id whose step is neither a task of the model nor an activity of the log
    (a typo) is refused before the alignments (at 10M events on Spark they take minutes), with
    the id as it was probably meant; a pattern's name, or an id that may exist, goes on."""
    import journeylog.conform as C

    def no_alignment(*_a: object, **_k: object) -> None:
        raise AssertionError("aligned before refusing")

    monkeypatch.setattr(C, "conform", no_alignment)
    for typo, meant in (("skipped:bb", "skipped:b"), ("dropped_out:a | bb", "dropped_out:a | b")):
        with pytest.raises(UsageError, match=f"'bb' is neither a task.*did you mean '{meant}'"):
            emotion(_log(ROWS), model, EmotionOptions(metric="csat", split_by=typo))
    with pytest.raises(AssertionError, match="aligned before refusing"):  # it may be one: aligned, then looked up
        emotion(_log(ROWS), model, EmotionOptions(metric="csat", split_by="repeated:c"))


def test_sentiment_equals_vader_called_directly() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from journeylog.cx.sentiment import score_texts

    texts = ["Thanks so much, really helpful!", "This is ridiculous, I've wasted hours", None, "Where is my router?",
             "Thanks so much, really helpful!"]
    frame = pl.DataFrame({"channel": ["chat"] * 5, "text": texts})
    scored = score_texts(frame)["metric_sentiment"].to_list()
    analyzer = SentimentIntensityAnalyzer()
    assert scored == [None if t is None else analyzer.polarity_scores(t)["compound"] for t in texts]
    with pytest.raises(UsageError, match="GPL-2.0"):
        score_texts(frame, "fr")


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from journeylog.ingest import ReadOptions
    from journeylog.ingest.sources import ingest_source_map
    from journeylog.io.store import write_events

    out = tmp_path_factory.mktemp("sample") / "journeys.parquet"
    write_events(ingest_source_map(ROOT / "samples/telecom/sources.yaml", ReadOptions()).events, out)
    return out


def test_sample_curve_plot_and_json(sample_store: Path, tmp_path: Path) -> None:
    from journeylog.contracts import json_schema, validate
    from journeylog.ingest import read_events
    from journeylog.render.emotion_chart import write_emotion_chart

    events = read_events(str(sample_store))
    model = load_model(ROOT / "samples/telecom/designed_journey.bpmn")
    from journeylog.config.desired import load_desired

    e = emotion(events, model, EmotionOptions(metric="csat", desired=load_desired(ROOT / "samples/telecom/desired.yaml"),
                                              split_by="called after failing on the portal"))
    data = to_json(e)
    assert validate(data, json_schema("emotion")) == []
    points = {p["step"]: p for p in data["points"]}
    # the planted low touchpoint: Identity check scores below Place order, outside each other's intervals
    assert points["Identity check"]["ci_high"] < points["Place order"]["ci_low"]
    # synchronised scores at a step are a subset of its scores: recompute them independently
    placed = data["placement"]
    assert placed["synchronised"] + placed["after_log_move"] + placed["unplaced"] == placed["responses"]
    assert placed["responses"] == events["metric_csat"].is_not_null().sum()
    png, svg = tmp_path / "e.png", tmp_path / "e.svg"
    write_emotion_chart(data, png)
    write_emotion_chart(data, svg)
    from PIL import Image

    img = Image.open(png).convert("L")
    dark = sum(1 for px in img.getdata() if px < 200)
    assert dark > 5000
    text = svg.read_text()
    assert text.count("<path") > 20 and "desired" in text and "called after failing" in text
    write_emotion_chart(data, tmp_path / "again.svg")
    assert (tmp_path / "again.svg").read_bytes() == svg.read_bytes()


def test_nps_on_the_sample_is_placed_after_installation(sample_store: Path) -> None:
    from journeylog.ingest import read_events

    events = read_events(str(sample_store))
    model = load_model(ROOT / "samples/telecom/designed_journey.bpmn")
    data = to_json(emotion(events, model, EmotionOptions(metric="nps", detractors=True)))
    nps = events.filter(pl.col("metric_nps").is_not_null())["metric_nps"].to_list()
    assert data["placement"]["responses"] == len(nps)
    install = next(p for p in data["points"] if p["step"] == "Installation completed")
    assert install["responses"] == data["placement"]["synchronised"] + data["placement"]["after_log_move"]
    assert install["nps"] == pytest.approx(100 * (sum(v >= 9 for v in nps) - sum(v <= 6 for v in nps)) / len(nps))
    assert data["detractors"] is not None and data["detractors"]["items"]


def test_sample_fitting_journeys_score_at_their_own_activity(sample_store: Path) -> None:
    """In a journey that fits, every event is synchronised: the curve of those journeys is the
    plain mean per activity (an oracle that needs no alignment)."""
    from journeylog.conform import ConformOptions, conform
    from journeylog.ingest import read_events

    events = read_events(str(sample_store))
    model = load_model(ROOT / "samples/telecom/designed_journey.bpmn")
    jt = conform(events, model, ConformOptions(precision=False)).journey_table
    fitting = events.filter(pl.col("journey_id").is_in(jt.filter(pl.col("fitness") >= 1.0)["journey_id"].implode()))
    data = to_json(emotion(fitting, model, EmotionOptions(metric="csat")))
    assert data["placement"]["after_log_move"] == data["placement"]["unplaced"] == 0
    scored = fitting.filter(pl.col("metric_csat").is_not_null())
    oracle: dict[str, list[float]] = {}
    for act, v in scored.select("activity", "metric_csat").iter_rows():
        oracle.setdefault(act, []).append(v)
    assert sum(len(v) for v in oracle.values()) > 200
    for p in data["points"]:
        values = oracle.get(p["step"], [])
        assert p["responses"] == len(values)
        if len(values) >= 2:
            assert p["mean"] == pytest.approx(statistics.mean(values))
            assert p["median"] == pytest.approx(statistics.median(values))
