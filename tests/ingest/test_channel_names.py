"""Source maps name channel codes: ``channel_names: {8: e-mail}``."""

from __future__ import annotations

import pytest

from journeylog.errors import InvalidInput
from journeylog.ingest import ingest

CSV = ("case,activity,timestamp,chan\nc1,Order,2024-01-01T10:00:00Z,8\nc1,Pay,2024-01-01T11:00:00Z,W\n"
       "c2,Order,2024-01-02T10:00:00Z,Q\n")


def write(tmp_path, names: str):
    (tmp_path / "ev.csv").write_text(CSV)
    path = tmp_path / "map.yaml"
    path.write_text("version: 1\nsources:\n  - path: ev.csv\n    channel_column: chan\n"
                    f"    identity: {{column: case, kind: id}}\n    channel_names: {names}\n")
    return path


def test_codes_become_names_then_normalised(tmp_path):
    events = ingest(write(tmp_path, "{8: e-mail, W: web}")).events.sort("timestamp")
    # a code without a name stays as it is (lower-cased like any channel)
    assert events["channel"].to_list() == ["email", "web", "q"]


@pytest.mark.parametrize(("names", "message"), [
    ("[8, 9]", "maps channel codes to names"),
    ("{8: ''}", "must be text"),
    ("{8: web, '8': app}", "named twice"),
])
def test_bad_channel_names_are_located(tmp_path, names, message):
    with pytest.raises(InvalidInput, match=message) as err:
        ingest(write(tmp_path, names))
    assert "map.yaml:6" in str(err.value)
