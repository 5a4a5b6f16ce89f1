"""Identities: how keys of each kind are compared, the identity table (``customer_id, id_type,
id_value``), and stitching a source's events to customers through it, with the figures that say
how well it went (match rate, unmatched keys, unreadable phone numbers).

Keys are normalised per kind before matching: e-mails and logins trimmed and lower-cased, phone
numbers in E.164 (``phonenumbers``, with a default country for national numbers), anything else
trimmed. A ``customer_id`` column is the customer id itself and needs no identity rows. Phone
numbers are parsed once per DISTINCT value, never once per event.

>>> import polars as pl
>>> keys = normalise_keys("phone", pl.Series(["07700 900123", "+44 7700 900123", "n/a"]), "GB")
>>> keys.sort("_raw").rows()
[('+44 7700 900123', '+447700900123', True), ('07700 900123', '+447700900123', True), ('n/a', 'n/a', False)]
>>> normalise_keys("email", pl.Series([" Ann@Example.COM "]))["_key"].to_list()
['ann@example.com']
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.sources import DEFAULT_MIN_MATCH_RATE
from journeylog.errors import InvalidInput
from journeylog.io.tabular import read_csv, read_jsonl, read_parquet, sniff_format
from journeylog.text import fmt_int, fmt_share

__all__ = [
    "CUSTOMER_ID_KIND",
    "match_rate_warnings",
    "DEFAULT_MIN_MATCH_RATE",
    "EMAIL_KINDS",
    "LOGIN_KINDS",
    "PHONE_KINDS",
    "UNMATCHED_SAMPLE",
    "KnownKeys",
    "Stitched",
    "counted",
    "known_keys",
    "normalise_identity",
    "normalise_keys",
    "not_phone_numbers",
    "phone_e164",
    "quoted",
    "read_identities",
    "stitch_identities",
]

_ID_COLUMNS = ("customer_id", "id_type", "id_value")
#: the identity kind whose values are customer ids already (no identity rows needed)
CUSTOMER_ID_KIND = "customer_id"
EMAIL_KINDS = ("email", "e-mail", "mail")
LOGIN_KINDS = ("login", "username", "user")
PHONE_KINDS = ("phone", "msisdn", "mobile", "telephone")
#: how many unmatched keys the summary shows per source
UNMATCHED_SAMPLE = 5


def normalise_identity(kind: str, value: pl.Expr) -> pl.Expr:
    """The text part of key normalisation (vectorised): every key trimmed, e-mails and logins
    lower-cased. Phone numbers also need :func:`phone_e164` (see :func:`normalise_keys`).

    >>> pl.select(normalise_identity("login", pl.lit("  Ann.Lee "))).item()
    'ann.lee'
    """
    v = value.cast(pl.String).str.strip_chars()
    k = kind.lower()
    if k in EMAIL_KINDS or k in LOGIN_KINDS:
        return v.str.to_lowercase()
    return v


def phone_e164(value: str, country: str | None) -> str | None:
    """``value`` as an E.164 number (``+447700900123``), national numbers read in ``country``
    (an ISO region such as ``GB``); None when it is not a possible phone number.

    >>> phone_e164("07700 900123", "GB"), phone_e164("0044 7700-900123", None), phone_e164("07700 900123", None)
    ('+447700900123', '+447700900123', None)
    """
    import phonenumbers  # here, not at start-up: only identity matching on phone numbers needs it

    text = value.strip()
    if country is None and text.startswith("00"):
        text = "+" + text[2:]  # the international prefix of most countries, without a country to say so
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_keys(kind: str, values: pl.Series, country: str | None = None) -> pl.DataFrame:
    """The DISTINCT non-null ``values`` of one kind and their keys: columns ``_raw`` (the value),
    ``_key`` (what is matched) and ``_readable`` (False for a phone value that is not a phone
    number; its key is then the trimmed text). Join it back on ``_raw``."""
    frame = pl.DataFrame({"_raw": values.cast(pl.String).drop_nulls().unique(maintain_order=True)})
    frame = frame.with_columns(normalise_identity(kind, pl.col("_raw")).alias("_key"))
    if kind.lower() not in PHONE_KINDS:
        return frame.with_columns(pl.lit(True).alias("_readable"))
    e164 = pl.Series("_e164", [phone_e164(v, country) for v in frame["_key"]], dtype=pl.String)  # per distinct value
    return frame.with_columns(pl.coalesce(e164, pl.col("_key")).alias("_key"), e164.is_not_null().alias("_readable"))


def read_identities(path: Path) -> pl.DataFrame:
    """The identity table at ``path`` (CSV, Parquet or JSON Lines), checked: every value filled,
    no key of two customers. Columns ``customer_id, id_type, id_value, source_row``."""
    label = os.path.relpath(path) if not path.is_absolute() else str(path)
    fmt = sniff_format(path)
    frame = read_csv(path) if fmt == "csv" else read_parquet(path)[0] if fmt == "parquet" else read_jsonl(path)
    missing = [c for c in _ID_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(f"identity table lacks column(s) {', '.join(missing)}", path=label,
                           hint=f"columns found: {', '.join(c for c in frame.columns if c != 'source_row')}")
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in _ID_COLUMNS)
    empty = frame.filter(pl.any_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in _ID_COLUMNS))
    if empty.height:
        raise InvalidInput("empty value in the identity table", path=label, row=empty["source_row"][0])
    clash = (
        frame.group_by("id_type", "id_value")
        .agg(pl.col("customer_id").n_unique().alias("n"), pl.col("source_row").min().alias("row"))
        .filter(pl.col("n") > 1).sort("row")
    )
    if clash.height:
        r = clash.row(0, named=True)
        raise InvalidInput(f"{r['id_type']} {r['id_value']!r} belongs to several customers", path=label, row=r["row"],
                           hint="an identity value must map to one customer")
    return frame.select(*_ID_COLUMNS, pl.col(S.SOURCE_ROW))


@dataclass
class KnownKeys:
    """The identity table's keys of one kind (normalised for one default country): ``keys``
    (``_key, _cid``) and the table's values that are not phone numbers (they match nothing)."""

    keys: pl.DataFrame
    unreadable: int = 0
    unreadable_sample: list[str] = field(default_factory=list)


def known_keys(id_table: pl.DataFrame, kind: str, country: str | None, label: str) -> KnownKeys:
    """The keys of ``kind`` in the identity table, normalised as the source's keys are; two
    customers sharing a key once normalised (``Ann@x.com`` and ``ann@x.com``) is an error."""
    rows = id_table.filter(pl.col("id_type").str.strip_chars().str.to_lowercase() == kind.lower())
    keys = normalise_keys(kind, rows["id_value"], country)
    rows = rows.join(keys, left_on="id_value", right_on="_raw", how="left", maintain_order="left")
    bad = rows.filter(~pl.col("_readable"))
    rows = rows.filter(pl.col("_readable"))
    clash = (rows.group_by("_key").agg(pl.col("customer_id").n_unique().alias("n"), pl.col(S.SOURCE_ROW).min().alias("row"),
                                       pl.col("id_value").unique().sort().alias("values"))
             .filter(pl.col("n") > 1).sort("row"))
    if clash.height:
        r = clash.row(0, named=True)
        raise InvalidInput(f"{kind} {r['_key']!r} belongs to several customers once normalised "
                           f"({', '.join(repr(v) for v in r['values'])})", path=label, row=r["row"],
                           hint="an identity value must map to one customer")
    sample = bad["id_value"].unique(maintain_order=True).head(UNMATCHED_SAMPLE).to_list()
    return KnownKeys(rows.select("_key", pl.col("customer_id").alias("_cid")).unique("_key", keep="first", maintain_order=True),
                     bad.height, sample)


@dataclass
class Stitched:
    """A source's events with ``_customer`` set from the identity table, the rows rejected as
    unmatched (``unmatched: reject``), the match figures for the summary and the warnings."""

    events: pl.DataFrame
    rejects: pl.DataFrame | None
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _unmatched_sample(good: pl.DataFrame, matched: pl.Series) -> list[str]:
    """A few unmatched keys: most events first, then by key."""
    counts = good.filter(~matched).drop_nulls("_key").group_by("_key").len()
    return counts.sort(["len", "_key"], descending=[True, False]).head(UNMATCHED_SAMPLE)["_key"].to_list()


def quoted(values: list[str]) -> str:
    """Values quoted and joined: ``'a', 'b'``."""
    return ", ".join(repr(v) for v in values)


def counted(n: int, what: str) -> str:
    """``1 phone value``, ``2 phone values``.

    >>> counted(1, "event"), counted(1200, "event")
    ('1 event', '1,200 events')
    """
    return f"{fmt_int(n)} {what}{'' if n == 1 else 's'}"


def not_phone_numbers(n: int) -> str:
    """The verb of "N values ... not phone numbers", agreeing with ``n``."""
    return "is not a phone number" if n == 1 else "are not phone numbers"


#: marks the events whose customer id was made up for an unmatched key (``KIND:KEY``); dropped
#: after :func:`refuse_made_up_collisions`
MADE_UP = "_made_up"


def refuse_made_up_collisions(frames: list[pl.DataFrame], label: str) -> list[pl.DataFrame]:
    """Ids made up for unmatched keys live in their own namespace: one that equals a real customer
    id (from the identity table or a customer-id source) would merge two people, so it is an error
    naming the id. Returns the frames without the marker column."""
    marked = [f.select(pl.col("_customer"), (pl.col(MADE_UP) if MADE_UP in f.columns else pl.lit(False)).alias(MADE_UP))
              for f in frames]
    both = (pl.concat(marked).drop_nulls("_customer").group_by("_customer")
            .agg(pl.col(MADE_UP).any().alias("made"), (~pl.col(MADE_UP)).any().alias("real"))
            .filter(pl.col("made") & pl.col("real")).sort("_customer"))
    if both.height:
        first = both["_customer"][0]
        raise InvalidInput(f"the id {first[:80]!r} made up for an unmatched key equals a real customer id",
                           path=label, hint="rename that customer id, or set identities.unmatched: reject")
    return [f.drop(MADE_UP, strict=False) for f in frames]


def stitch_identities(good: pl.DataFrame, kind: str, column: str, known: KnownKeys | None, *,
                      unmatched: str, source: str, label: str, country: str | None = None,
                      min_match_rate: float = DEFAULT_MIN_MATCH_RATE) -> Stitched:
    """Map the identity keys in ``_customer`` to customer ids: a key found in ``known`` (the
    table's keys of the same kind, see :func:`known_keys`) takes its customer; others become
    ``KIND:KEY`` or, with ``unmatched="reject"`` and a table, are rejected. A ``customer_id``
    kind is the customer id itself. Input order is kept."""
    if kind.lower() == CUSTOMER_ID_KIND:
        good = good.with_columns(pl.col("_customer").cast(pl.String).str.strip_chars())
        return Stitched(good, None, {"identity_kind": kind, "identity_column": column,
                                     "keys": good["_customer"].n_unique(), "match_rate": None})
    good = good.with_columns(pl.col("_customer").cast(pl.String))
    keys = normalise_keys(kind, good["_customer"], country)
    good = good.join(keys.rename({"_raw": "_customer"}), on="_customer", how="left", maintain_order="left")
    if known is not None:
        good = good.join(known.keys, on="_key", how="left", maintain_order="left")  # keeps input order
    else:
        good = good.with_columns(pl.lit(None, pl.String).alias("_cid"))
    matched = good["_cid"].is_not_null()
    rate = round(float(matched.sum()) / good.height, 6) if good.height else None
    summary: dict[str, Any] = {
        "identity_kind": kind, "identity_column": column, "keys": good["_key"].n_unique(),
        "keys_matched": good.filter(matched)["_key"].n_unique(), "events_matched": int(matched.sum()),
        "match_rate": rate, "unmatched_sample": _unmatched_sample(good, matched),
    }
    warnings = match_rate_warnings(summary, good.height, known is not None, min_match_rate, source, kind)
    if kind.lower() in PHONE_KINDS:
        warnings += _phone_figures(good, summary, source, kind, country)
    rejects = None
    if unmatched == "reject" and known is not None:
        rejects = good.filter(~matched).select(
            pl.lit(source).alias(S.SOURCE), pl.lit(label).alias("file"), pl.col(S.SOURCE_ROW),
            pl.lit(column).alias("column"),
            pl.when(pl.col("_readable")).then(pl.lit(f"{kind} not in the identity table"))
            .otherwise(pl.lit(f"{kind} is not a phone number")).alias("reason"))
        good = good.filter(matched)
    good = good.with_columns(
        pl.coalesce(pl.col("_cid"), pl.lit(kind + ":") + pl.col("_key")).alias("_customer"),
        pl.col("_cid").is_null().alias(MADE_UP),
    ).drop("_key", "_cid", "_readable")
    return Stitched(good, rejects, summary, warnings)


def _phone_figures(good: pl.DataFrame, summary: dict[str, Any], source: str, kind: str, country: str | None) -> list[str]:
    """Add the default country and the unreadable phone values to ``summary``; warn about them."""
    bad = good.filter(~pl.col("_readable"))
    summary.update(default_country=country, keys_unparseable=bad["_key"].n_unique(), events_unparseable=bad.height)
    if not bad.height:
        return []
    sample = bad["_key"].unique(maintain_order=True).head(UNMATCHED_SAMPLE).to_list()
    why = f"read with default country {country}" if country else "no default_country for national numbers"
    return [f"{source}: {counted(summary['keys_unparseable'], kind + ' value')} in {counted(bad.height, 'event')} "
            f"{not_phone_numbers(summary['keys_unparseable'])} ({why}), e.g. {quoted(sample)}; no customer matched"]


def match_rate_warnings(summary: dict[str, Any], height: int, against_table: bool, min_match_rate: float,
                        source: str, kind: str) -> list[str]:
    """Records ``min_match_rate`` in ``summary`` when keys were matched against an identity table,
    and warns when fewer than that share of the ``height`` events matched (both engines)."""
    if not against_table:
        return []
    summary["min_match_rate"] = min_match_rate
    rate = summary["match_rate"]
    if rate is None or rate >= min_match_rate:
        return []
    return [f"{source}: only {fmt_share(rate)} of events ({fmt_int(summary['events_matched'])} of "
            f"{fmt_int(height)}) matched the identity table, under {fmt_share(min_match_rate)}; "
            f"unmatched {kind} keys include {quoted(summary['unmatched_sample'])}"]
