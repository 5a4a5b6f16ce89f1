"""Text sentiment: VADER's compound score (-1..1) of the canonical ``text`` column, as its own
metric (never mixed with survey scores).

VADER (``vaderSentiment``, MIT) is a lexicon and rule-based model that ships inside its package:
no download at run time. English only: the French adaptation on PyPI (``vadersentiment-fr``)
depends on ``fuzzywuzzy``, licensed GPL-2.0 only, which cannot be combined with journeylog's
AGPL-3.0-or-later, so ``fr`` is refused with that reason. Texts are scored once per distinct
text and joined back. Limits (docs/emotion.md): a word list, no sarcasm, no context beyond a
sentence, tuned on social-media English.

>>> frame = pl.DataFrame({"channel": ["chat", "chat", "phone"], "text": ["great, thanks!", None, "useless"]})
>>> scored = score_texts(frame)
>>> [round(x, 4) if x is not None else None for x in scored["metric_sentiment"].to_list()]
[0.807, None, -0.4215]
>>> [(c["channel"], c["events"], c["with_text"]) for c in coverage(frame)]
[('chat', 2, 1), ('phone', 1, 1)]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.cx.metrics import SENTIMENT_COLUMN
from journeylog.errors import UsageError, param

__all__ = ["LANGUAGES", "coverage", "coverage_counts", "coverage_of", "score_texts", "text_hashes"]

LANGUAGES = ("en",)
_REFUSED = {
    "fr": "French sentiment is not available: the French VADER (vadersentiment-fr) depends on fuzzywuzzy, "
          "licensed GPL-2.0 only, which cannot be combined with journeylog's AGPL-3.0-or-later",
}
#: report progress every this many distinct texts
_PROGRESS_EVERY = 5000

Progress = Callable[[str, int, int], None]


def _analyzer(language: str) -> Any:
    if language in _REFUSED:
        raise UsageError(f"{param('language')} {language}: {_REFUSED[language]}", hint="use --language en")
    if language not in LANGUAGES:
        raise UsageError(f"{param('language')} must be one of {', '.join(LANGUAGES)}, not {language!r}")
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - a dependency
        raise UsageError("text sentiment needs the vaderSentiment package", hint="pip install vaderSentiment") from None
    return SentimentIntensityAnalyzer()


def score_texts(events: pl.DataFrame, language: str = "en", on_progress: Progress | None = None) -> pl.DataFrame:
    """``events`` with a Float64 ``metric_sentiment`` column: VADER's compound score of its
    ``text`` (null where there is none). Each distinct text is scored once."""
    analyzer = _analyzer(language)
    texts = events.select(pl.col(S.TEXT).drop_nulls().unique().sort())[S.TEXT].to_list()
    scores: list[float] = []
    for i, text in enumerate(texts):  # a loop over distinct texts, not events
        scores.append(float(analyzer.polarity_scores(text)["compound"]))
        if on_progress is not None and (i + 1) % _PROGRESS_EVERY == 0:
            on_progress("sentiment", i + 1, len(texts))
    if on_progress is not None:
        on_progress("sentiment", len(texts), len(texts))
    table = pl.DataFrame({S.TEXT: texts, SENTIMENT_COLUMN: scores},
                         schema={S.TEXT: pl.String, SENTIMENT_COLUMN: pl.Float64})
    return events.drop(SENTIMENT_COLUMN, strict=False).join(table, on=S.TEXT, how="left", maintain_order="left")


def coverage_counts(events: pl.DataFrame) -> pl.DataFrame:
    """Per channel: ``events`` and ``with_text`` (Int64); the counts of parts of a log add up
    (:func:`coverage_of` takes several)."""
    return events.group_by(S.CHANNEL).agg(pl.len().cast(pl.Int64).alias("events"),
                                          pl.col(S.TEXT).is_not_null().sum().cast(pl.Int64).alias("with_text"))


def coverage_of(parts: list[pl.DataFrame]) -> list[dict[str, Any]]:
    """The :func:`coverage` of a log from the :func:`coverage_counts` of its parts."""
    if not parts:
        return []
    out = (pl.concat(parts).group_by(S.CHANNEL).agg(pl.col("events").sum(), pl.col("with_text").sum())
           .filter(pl.col("with_text") > 0).sort(S.CHANNEL))
    return [{"channel": r[S.CHANNEL], "events": int(r["events"]), "with_text": int(r["with_text"]),
             "share": r["with_text"] / r["events"]} for r in out.iter_rows(named=True)]


def coverage(events: pl.DataFrame) -> list[dict[str, Any]]:
    """Per channel with any text: events, events with a text, and the share, by channel name."""
    return coverage_of([coverage_counts(events)])


def text_hashes(events: pl.DataFrame) -> pl.Series:
    """The 64-bit hashes of the distinct texts of ``events`` (sorted): the distinct texts of a
    log read in parts are counted from these (a hash per text, not the texts)."""
    return events[S.TEXT].drop_nulls().unique().hash().unique().sort()
