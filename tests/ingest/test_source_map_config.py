"""Source maps read through journeylog.config.sources: located errors with did-you-mean, the
``version:`` rule, and the same source map as before for the bundled sample."""

from __future__ import annotations

import pytest

from factories import ROOT, SAMPLE, write_file
from journeylog.config.sources import SourceMap, load_source_map
from journeylog.errors import InvalidInput
from journeylog.ingest import ingest


def test_typo_in_a_source_key_is_located_with_a_suggestion(tmp_path):
    p = write_file(tmp_path, "sources.yaml", "version: 1\nsources:\n  - path: web.csv\n    timezon: Europe/London\n")
    with pytest.raises(InvalidInput) as err:
        ingest(p)
    line = err.value.one_line()
    assert line.startswith(f"{p}:4:5: unknown key 'timezon'")
    assert line.endswith("(hint: did you mean 'timezone'?)")


@pytest.mark.parametrize("text, row, words", [
    ("sourcse: []\n", 1, "did you mean 'sources'?"),
    ("sources:\n  - path: a.csv\n    columns: {activty: x}\n", 3, "did you mean 'activity'?"),
    ("sources:\n  - path: a.csv\n    identity: {column: login, knd: login}\n", 3, "did you mean 'kind'?"),
    ("sources:\n  - path: a.csv\n    outcomes: {sucess: [ok]}\n", 3, "did you mean 'success'?"),
    ("identities: {path: ids.csv, unmached: reject}\nsources:\n  - path: a.csv\n", 1, "did you mean 'unmatched'?"),
])
def test_nested_typos_are_located(tmp_path, text, row, words):
    with pytest.raises(InvalidInput) as err:
        load_source_map(write_file(tmp_path, "sources.yaml", text))
    assert err.value.row == row and words in err.value.one_line()


@pytest.mark.parametrize("version", ["", "version: 1\n"])
def test_version_absent_or_1_is_accepted(tmp_path, version):
    smap = load_source_map(write_file(tmp_path, "sources.yaml", version + "sources:\n  - path: a.csv\n"))
    assert isinstance(smap, SourceMap) and smap.version == 1 and smap.sources[0].name == "a"


@pytest.mark.parametrize("value", ["2", "'1'", "1.5"])
def test_other_versions_are_refused_where_written(tmp_path, value):
    with pytest.raises(InvalidInput) as err:
        load_source_map(write_file(tmp_path, "sources.yaml", f"sources:\n  - path: a.csv\nversion: {value}\n"))
    assert err.value.row == 3 and "unsupported source map version" in err.value.message
    assert "version: 1" in err.value.one_line()


@pytest.mark.parametrize("text, words", [
    ("- a\n", "a YAML mapping with `sources:`"),
    ("sources: []\n", "non-empty `sources:` list"),
    ("sources:\n  - name: x\n", "needs at least `path:`"),
    ("sources:\n  - {path: a.csv, channel: web, channel_column: c}\n", "not both"),
    ("sources:\n  - {path: a.csv, identity: {kind: login}}\n", "`identity:` needs `column:`"),
    ("identities: {unmatched: reject}\nsources:\n  - path: a.csv\n", "`identities:` needs a `path:`"),
    ("identities: {path: i.csv, unmatched: drop}\nsources:\n  - path: a.csv\n", "own_customer or reject"),
    ("gap: soon\nsources:\n  - path: a.csv\n", "cannot read the duration"),
])
def test_existing_messages_now_located(tmp_path, text, words):
    with pytest.raises(InvalidInput) as err:
        load_source_map(write_file(tmp_path, "sources.yaml", text))
    assert words in err.value.message and err.value.row is not None


def test_sample_source_map():
    smap = load_source_map(SAMPLE / "sources.yaml")
    assert [s.name for s in smap.sources] == ["web", "app", "calls", "chat", "backoffice", "store", "surveys"]
    web = smap.sources[0]
    assert web.path == SAMPLE / "web_clickstream.csv" and web.timezone == "Europe/London"
    assert web.outcomes == {"ok": "success", "error": "failure"} and web.identity is not None and web.identity.kind == "login"
    assert smap.sources[4].channel_column == "handled_by" and smap.identities is not None
    assert smap.gap is not None and smap.gap.days == 30


def test_the_documented_source_map_is_accepted(tmp_path):
    """Every key docs/sources.md shows (identities.min_match_rate, default_country, ...) is read."""
    doc = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    smap = load_source_map(write_file(tmp_path, "sources.yaml", block))
    assert smap.default_country == "GB" and smap.identities is not None and smap.identities.min_match_rate == 0.9
    assert smap.min_match_rate_of(smap.sources[0]) == 0.9 and smap.country_of(smap.sources[0]) == "GB"


def test_gap_option_and_the_maps_gap_must_agree(tmp_path, run_main):
    """A source map's ``gap:`` would silently override ``--gap``: disagreeing is a usage error."""
    text = (SAMPLE / "sources.yaml").read_text(encoding="utf-8")
    assert "\ngap: 30d" in text
    for f in SAMPLE.iterdir():
        if f.suffix in (".csv", ".jsonl"):
            (tmp_path / f.name).symlink_to(f)
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    code, _out, err = run_main("ingest", "sources.yaml", "-o", "j.parquet", "--gap", "7d", cwd=tmp_path)
    assert code == 2 and "--gap 7d and the source map's gap: 30d disagree" in err
    assert not (tmp_path / "j.parquet").exists()
