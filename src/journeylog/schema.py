"""The canonical event table: column names, types and the channel vocabulary.

Every reader turns its input into this table; every later stage reads only these names.

========================  ===============================  =======================================
column                    type                             meaning
========================  ===============================  =======================================
``journey_id``            String                           one customer journey (a process case)
``customer_id``           String                           the stitched customer
``timestamp``             Datetime(us, UTC)                when the event happened, tz-aware UTC
``channel``               String                           lower-case: web, app, phone, chat, ...
``activity``              String                           what happened, kept verbatim
``outcome``               String (nullable)                ``success`` / ``failure`` / null
``satisfaction``          Float64 (nullable)               a score given at this touchpoint
``contact_reason``        String (nullable)                why the customer made contact
``text``                  String (nullable)                free text (chat line, call note)
``source``                String                           which input the event came from
``source_row``            Int64                            its row/line in that input (1 = first data row)
``input_order``           UInt64                           global input order, the last sort key
========================  ===============================  =======================================

Every other input column is kept, unchanged, as an attribute column after these.
The table is sorted by (``journey_id``, ``timestamp``, ``input_order``).

>>> CANONICAL_COLUMNS[:3]
('journey_id', 'customer_id', 'timestamp')
>>> normalise_channel_name("Call Centre")
'phone'
"""

from __future__ import annotations

import polars as pl

JOURNEY_ID = "journey_id"
CUSTOMER_ID = "customer_id"
TIMESTAMP = "timestamp"
CHANNEL = "channel"
ACTIVITY = "activity"
OUTCOME = "outcome"
SATISFACTION = "satisfaction"
CONTACT_REASON = "contact_reason"
TEXT = "text"
SOURCE = "source"
SOURCE_ROW = "source_row"
INPUT_ORDER = "input_order"

TIME_DTYPE = pl.Datetime("us", "UTC")

SCHEMA: dict[str, pl.DataType] = {
    JOURNEY_ID: pl.String(),
    CUSTOMER_ID: pl.String(),
    TIMESTAMP: TIME_DTYPE,
    CHANNEL: pl.String(),
    ACTIVITY: pl.String(),
    OUTCOME: pl.String(),
    SATISFACTION: pl.Float64(),
    CONTACT_REASON: pl.String(),
    TEXT: pl.String(),
    SOURCE: pl.String(),
    SOURCE_ROW: pl.Int64(),
    INPUT_ORDER: pl.UInt64(),
}
CANONICAL_COLUMNS: tuple[str, ...] = tuple(SCHEMA)
REQUIRED_COLUMNS: tuple[str, ...] = (JOURNEY_ID, TIMESTAMP, ACTIVITY)
SORT_KEYS: tuple[str, ...] = (JOURNEY_ID, TIMESTAMP, INPUT_ORDER)

SUCCESS = "success"
FAILURE = "failure"
OUTCOME_VALUES: dict[str, str] = {
    **{v: SUCCESS for v in ("success", "successful", "succeeded", "ok", "done", "completed", "complete", "pass", "passed",
                            "true", "yes", "y")},
    **{v: FAILURE for v in ("failure", "failed", "fail", "error", "ko", "abandoned", "timeout", "rejected", "false", "no", "n")},
}

UNKNOWN_CHANNEL = "unknown"
CHANNELS: tuple[str, ...] = (
    "web", "app", "phone", "chat", "email", "sms", "store", "field", "backoffice", "social",
)
# Channels the customer uses (a switch between two of them is the customer's own) and channels of
# the organisation's internal work (a switch involving one of them is an internal hand-off).
CUSTOMER_CHANNELS: tuple[str, ...] = ("web", "app", "phone", "chat", "email", "sms", "store", "social")
INTERNAL_CHANNELS: tuple[str, ...] = ("backoffice", "field")
CHANNEL_ALIASES: dict[str, str] = {
    "portal": "web", "website": "web", "online": "web", "internet": "web", "browser": "web", "www": "web",
    "mobile": "app", "mobile app": "app", "ios": "app", "android": "app", "mobile_app": "app",
    "call": "phone", "calls": "phone", "call centre": "phone", "call center": "phone", "callcentre": "phone",
    "callcenter": "phone", "call_centre": "phone", "call_center": "phone", "telephone": "phone", "voice": "phone",
    "ivr": "phone", "contact centre": "phone", "contact center": "phone",
    "webchat": "chat", "live chat": "chat", "livechat": "chat", "messenger": "chat", "whatsapp": "chat",
    "e-mail": "email", "mail": "email", "e_mail": "email",
    "text": "sms", "text message": "sms",
    "shop": "store", "branch": "store", "retail": "store", "in-store": "store", "instore": "store",
    "technician": "field", "field service": "field", "onsite": "field", "on-site": "field",
    "back office": "backoffice", "back-office": "backoffice", "back_office": "backoffice", "crm": "backoffice",
    "system": "backoffice",
    "twitter": "social", "facebook": "social", "social media": "social", "x": "social",
}

def normalise_channel_name(value: str) -> str:
    """Lower-case, trim and map a well-known synonym to the vocabulary; other names stay as given.

    >>> normalise_channel_name(" Internet ")
    'web'
    >>> normalise_channel_name("Desk")
    'desk'
    """
    key = " ".join(value.strip().lower().split())
    return CHANNEL_ALIASES.get(key, key)


def channel_expr(column: str | pl.Expr) -> pl.Expr:
    """The same normalisation as :func:`normalise_channel_name`, as a Polars expression."""
    expr = pl.col(column) if isinstance(column, str) else column
    key = expr.cast(pl.String).str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")
    return key.replace(CHANNEL_ALIASES)


def empty_events() -> pl.DataFrame:
    """An empty canonical event table.

    >>> empty_events().columns[:2]
    ['journey_id', 'customer_id']
    """
    return pl.DataFrame(schema=SCHEMA)


def attribute_columns(frame: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """The non-canonical columns of an event table, in order."""
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    return [c for c in names if c not in SCHEMA]
