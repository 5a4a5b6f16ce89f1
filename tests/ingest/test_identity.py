"""Identity stitching against a known identity graph: e-mails in mixed case and spaces, phone
numbers in national and international formats for two countries, a source keyed by customer id.
Every figure is recomputed here in plain Python, calling ``phonenumbers`` directly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import phonenumbers
import polars as pl
import pytest

from factories import run_cli, write_file
from journeylog import schema as S
from journeylog.config.sources import load_source_map
from journeylog.errors import InvalidInput
from journeylog.ingest import ingest

IDENTITIES = [  # customer_id, id_type, id_value
    ("C1", "email", "Ann.Lee@Example.com"),
    ("C2", "email", "bob@example.com"),
    ("C5", "email", "eve@example.org"),
    ("C1", "phone", "+44 7700 900123"),
    ("C2", "phone", "020 7946 0018"),  # national: read in the source's default country
    ("C3", "phone", "+33 6 12 34 56 78"),
    ("C4", "phone", "0033 1 23 45 67 89"),
    ("C6", "phone", "not known"),  # not a phone number: matches nothing
]
# source -> (kind, own default country (None: the map's), identity values, one event each)
SOURCES: dict[str, tuple[str, str | None, list[str]]] = {
    "chat": ("email", None, [" ANN.LEE@example.COM", "ann.lee@example.com ", "Bob@Example.com", "unknown@x.com",
                             "unknown@x.com", "eve@example.org", "zed@x.com",
                             "BOB@example.com ", "Eve@Example.org"]),
    "calls_gb": ("phone", None, ["07700 900123", "+44 7700 900123", "0044 7700 900123", "+44 20 7946 0018",
                                 "02079460018", "withheld", "+44 7700 900999", "+33 6 12 34 56 78", "07700 900999"]),
    "calls_fr": ("phone", "FR", ["06 12 34 56 78", "01 23 45 67 89", "+44 7700 900123", "06 99 99 99 99",
                                 "07 11 11 11 11", "07 11 11 11 11", "+33 7 11 11 11 11", "12"]),
    "crm": ("customer_id", None, ["C1", " C5 ", "C9"]),
}
MAP = """\
version: 1
default_country: gb
identities: {path: ids.csv, unmatched: own_customer, min_match_rate: 60%}
gap: 30d
sources:
  - {name: chat, path: chat.csv, channel: chat, identity: {column: who, kind: email}}
  - {name: calls_gb, path: calls_gb.csv, channel: phone, identity: {column: who, kind: phone}}
  - {name: calls_fr, path: calls_fr.csv, channel: phone, identity: {column: who, kind: phone, default_country: FR}}
  - {name: crm, path: crm.csv, channel: backoffice, identity: {column: who, kind: customer_id}}
"""


def _csv(rows: list[tuple[str, ...]], header: str) -> str:
    return header + "\n" + "".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows)


def build(folder: Path, text: str = MAP) -> Path:
    write_file(folder, "ids.csv", _csv(IDENTITIES, "customer_id,id_type,id_value"))
    for n, (name, (_kind, _country, values)) in enumerate(SOURCES.items()):
        rows = [(v, f"step {n}", f"2024-0{n + 1}-{i + 1:02d} 10:00") for i, v in enumerate(values)]
        write_file(folder, f"{name}.csv", _csv(rows, "who,activity,timestamp"))
    return write_file(folder, "map.yaml", text)


# --- the independent computation ------------------------------------------------------------------

def key_of(kind: str, value: str, country: str | None) -> tuple[str, bool]:
    """(key, readable): e-mails trimmed and lower-cased, phones E.164 via phonenumbers (without a
    country, a leading 00 is the international prefix, as docs/sources.md says)."""
    v = value.strip()
    if kind == "email":
        return v.lower(), True
    if country is None and v.startswith("00"):
        v = "+" + v[2:]
    try:
        number = phonenumbers.parse(v, country)
    except phonenumbers.NumberParseException:
        return v, False
    if not phonenumbers.is_possible_number(number):
        return v, False
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True


def expected(default_country: str | None = "GB") -> tuple[dict[tuple[str, int], str], dict[str, dict]]:
    """Customer per (source, row) and the per-source figures, from the graph alone."""
    customers: dict[tuple[str, int], str] = {}
    figures: dict[str, dict] = {}
    for name, (kind, country, values) in SOURCES.items():
        country = country or (default_country if kind == "phone" else None)
        if kind == "customer_id":
            for i, v in enumerate(values):
                customers[(name, i + 2)] = v.strip()
            figures[name] = {"keys": len({v.strip() for v in values}), "match_rate": None}
            continue
        table = {}
        for cid, id_type, id_value in IDENTITIES:
            key, ok = key_of(id_type, id_value, country)
            if id_type == kind and ok:
                table[key] = cid
        keys = [key_of(kind, v, country) for v in values]
        unmatched = Counter(k for k, _ in keys if k not in table)
        for i, (k, _ok) in enumerate(keys):
            customers[(name, i + 2)] = table.get(k, f"{kind}:{k}")
        matched = sum(1 for k, _ in keys if k in table)
        figures[name] = {
            "keys": len({k for k, _ in keys}), "keys_matched": len({k for k, _ in keys if k in table}),
            "events_matched": matched, "match_rate": round(matched / len(values), 6),
            "unmatched_sample": [k for k, _ in sorted(unmatched.items(), key=lambda kv: (-kv[1], kv[0]))][:5],
        }
        if kind == "phone":
            bad = [k for k, ok in keys if not ok]
            figures[name].update(keys_unparseable=len(set(bad)), events_unparseable=len(bad), default_country=country)
    return customers, figures


# --- through the library ----------------------------------------------------------------------------

def _check(result, customers: dict[tuple[str, int], str], figures: dict[str, dict]) -> None:
    got = {(s, r): c for s, r, c in result.events.select(S.SOURCE, S.SOURCE_ROW, S.CUSTOMER_ID).iter_rows()}
    assert got == customers
    by_name = {s["name"]: s for s in result.summary()["sources"]}
    for name, fig in figures.items():
        assert {k: by_name[name].get(k) for k in fig} == fig, name


def test_stitched_customers_and_figures_match_the_graph(tmp_path):
    result = ingest(build(tmp_path))
    customers, figures = expected()
    # the graph as a person reads it: every spelling of a key found its customer
    assert customers[("chat", 2)] == customers[("chat", 3)] == "C1"
    assert {customers[("calls_gb", r)] for r in (2, 3, 4)} == {"C1"} and customers[("calls_gb", 9)] == "C3"
    assert customers[("calls_gb", 5)] == customers[("calls_gb", 6)] == "C2"
    assert customers[("calls_fr", 2)] == "C3" and customers[("calls_fr", 3)] == "C4"
    assert customers[("calls_gb", 7)] == "phone:withheld" and customers[("crm", 3)] == "C5"
    _check(result, customers, figures)
    summary = result.summary()
    assert figures["calls_fr"]["match_rate"] < 0.6 <= figures["calls_gb"]["match_rate"]
    assert [w.split(":")[0] for w in summary["warnings"]] == ["identity table", "calls_gb", "identity table",
                                                                "calls_fr", "calls_fr"]
    low = [w for w in summary["warnings"] if "matched the identity table" in w]
    assert low == [f"calls_fr: only 37.5% of events (3 of 8) matched the identity table, under 60.0%; unmatched "
                   f"phone keys include {', '.join(repr(k) for k in figures['calls_fr']['unmatched_sample'])}"]
    assert summary["warnings"][1] == ("calls_gb: 1 phone value in 1 event is not a phone number (read with default "
                                      "country GB), e.g. 'withheld'; no customer matched")
    # national numbers in the table are read in each source's country: 020 7946 0018 is no French number
    assert summary["warnings"][2] == ("identity table: 2 phone values are not phone numbers (read with default "
                                      "country FR), e.g. '020 7946 0018', 'not known'; no event matched")
    assert all(s.get("min_match_rate") == 0.6 for s in summary["sources"] if s["name"] != "crm")


def test_default_threshold_is_90_percent_and_a_source_may_override_it(tmp_path):
    text = MAP.replace(", min_match_rate: 60%", "").replace("kind: email}", "kind: email, min_match_rate: 0.5}")
    summary = ingest(build(tmp_path, text)).summary()
    rates = {s["name"]: s.get("min_match_rate") for s in summary["sources"]}
    assert rates == {"chat": 0.5, "calls_gb": 0.9, "calls_fr": 0.9, "crm": None}
    _, figures = expected()
    under = sorted(n for n, f in figures.items() if n != "crm" and f["match_rate"] < rates[n])
    assert sorted(w.split(":")[0] for w in summary["warnings"] if "matched the identity table" in w) == under


def test_without_default_country_national_numbers_are_counted_not_mismatched(tmp_path):
    result = ingest(build(tmp_path, MAP.replace("default_country: gb\n", "")))
    customers, figures = expected(default_country=None)
    _check(result, customers, figures)
    gb = next(s for s in result.summary()["sources"] if s["name"] == "calls_gb")
    assert gb["default_country"] is None and gb["events_unparseable"] == 4  # 07700..., 020..., withheld, 07700...
    assert "calls_gb: 4 phone values in 4 events are not phone numbers (no default_country for national numbers)" \
        ", e.g. '07700 900123', '02079460018', 'withheld', '07700 900999'; no customer matched" in result.summary()["warnings"]


def test_reject_says_why(tmp_path):
    result = ingest(build(tmp_path, MAP.replace("unmatched: own_customer", "unmatched: reject")))
    reasons = {(s, r): why for s, r, why in result.rejects.select(S.SOURCE, S.SOURCE_ROW, "reason").iter_rows()}
    assert reasons[("calls_gb", 7)] == "phone is not a phone number"
    assert reasons[("calls_gb", 8)] == "phone not in the identity table"
    assert not any(s == "crm" for s, _ in reasons)
    assert set(result.events[S.CUSTOMER_ID].unique()) <= {"C1", "C2", "C3", "C4", "C5", "C9"}


def test_customer_id_kind_needs_no_identity_table(tmp_path):
    build(tmp_path)
    p = write_file(tmp_path, "only.yaml", "sources:\n  - {path: crm.csv, identity: {column: who, kind: customer_id}}\n")
    result = ingest(p)
    assert sorted(result.events[S.CUSTOMER_ID].to_list()) == ["C1", "C5", "C9"]
    assert result.summary()["warnings"] == []


def test_keys_of_two_customers_once_normalised_are_an_error(tmp_path):
    build(tmp_path)
    write_file(tmp_path, "ids.csv", "customer_id,id_type,id_value\nC1,email,ann@x.com\nC2,email, ANN@x.com\n")
    with pytest.raises(InvalidInput, match="belongs to several customers once normalised"):
        ingest(tmp_path / "map.yaml")


@pytest.mark.parametrize("text, words", [
    ("default_country: UK\n", "the United Kingdom is GB"),
    ("identities: {path: ids.csv, min_match_rate: 150%}\n", "min_match_rate must be a share"),
    ("identities: {path: ids.csv, min_match_rate: lots}\n", "min_match_rate must be a share"),
])
def test_bad_settings_are_located(tmp_path, text, words):
    p = write_file(tmp_path, "map.yaml", text + "sources:\n  - path: a.csv\n")
    with pytest.raises(InvalidInput) as err:
        load_source_map(p)
    assert err.value.row == 1 and words in err.value.one_line()


def test_phones_are_parsed_once_per_distinct_value(tmp_path, monkeypatch):
    from journeylog.ingest import identity

    calls: list[str] = []
    real = identity.phone_e164
    monkeypatch.setattr(identity, "phone_e164", lambda v, c: calls.append(v) or real(v, c))
    frame = pl.DataFrame({"_customer": ["07700 900123"] * 1000 + ["+44 7700 900123"] * 1000,
                          S.SOURCE_ROW: range(2000)})
    stitched = identity.stitch_identities(frame, "phone", "who", None, unmatched="own_customer", source="s",
                                          label="s.csv", country="GB")
    assert sorted(calls) == ["+44 7700 900123", "07700 900123"]
    assert stitched.events["_customer"].unique().to_list() == ["phone:+447700900123"]


# --- through the command ----------------------------------------------------------------------------

def test_cli_json_and_stderr(tmp_path):
    p = build(tmp_path)
    r = run_cli("ingest", str(p), "-o", str(tmp_path / "x.parquet"), "--json", "-")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    customers, figures = expected()
    by_name = {s["name"]: s for s in data["sources"]}
    for name, fig in figures.items():
        assert {k: by_name[name].get(k) for k in fig} == fig, name
    events = pl.read_parquet(tmp_path / "x.parquet")
    assert {(s, r): c for s, r, c in events.select(S.SOURCE, S.SOURCE_ROW, S.CUSTOMER_ID).iter_rows()} == customers
    assert data["warnings"] and all(f"warning: {w}" in " ".join(r.stderr.split()) for w in data["warnings"])
    assert "unmatched phone keys in calls_fr (3 of 6): +33711111111, +33699999999, 12" in r.stderr
    assert "│ crm " in r.stderr and "direct" in r.stderr
