"""contacts out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS`` read in journey-complete
batches) gives the same bytes as in memory: the JSON, the contact rows (``--contacts-out``, CSV and
Parquet) and the terminal report, on the sample and on a generated log, with the default rules, a
rules file, other windows, a model, a journey selection and a channel filter. The in-memory results
are checked against the plain-Python oracle in the other contacts tests; here the oracle is the
in-memory run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from out_of_core import BUDGET, CONTACT_RULES, generated_store


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = generated_store(tmp_path_factory.mktemp("generated"))
    (store.parent / "crules.yaml").write_text(CONTACT_RULES, encoding="utf-8")
    return store


def both_ways(run_main, monkeypatch: pytest.MonkeyPatch, folder: Path, args: list[str],
              outputs: list[str]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The bytes of ``outputs`` and of the terminal report (``"stdout"``) in memory and out of
    core; both runs exit 0, and the out-of-core one reads more than one batch."""
    got = []
    for env in ({}, {"JOURNEYLOG_MEMORY_EVENTS": BUDGET}):
        monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
        for name in outputs:
            (folder / name).unlink(missing_ok=True)
        code, out, err = run_main(*args, cwd=folder, env=env)
        assert code == 0, err
        got.append({"stdout": out.encode(), **{name: (folder / name).read_bytes() for name in outputs}})
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
    return got[0], got[1]


def _nontrivial(data: dict, rows: pl.DataFrame, *, classes: int = 3, repeats: bool = True) -> None:
    """The run found contacts of several classes, drivers (and repeats), and wrote one row each."""
    assert data["contacts"] > 20 and rows.height == data["contacts"]
    assert sum(1 for c in data["classes"] if c["contacts"]) >= classes, data["classes"]
    assert data["avoidable"]["drivers"] and (data["repeat"]["repeats"] > 0 or not repeats)
    assert data["first_contact_resolution"]["contacts_considered"] > 0
    assert rows["journey_id"].n_unique() == data["journeys_with_contacts"] < data["journeys"]


@pytest.mark.parametrize(("extra", "out"), [
    ([], "contacts.csv"),
    (["-m", "designed_journey.bpmn", "--rules", "contacts.yaml"], "contacts.parquet"),
    (["--rules", "contacts.yaml", "--failure-window", "12h", "--repeat-window", "2d"], "contacts.csv"),
    (["--rules", "contacts.yaml", "--segment", "plan=consumer"], "contacts.csv"),
], ids=["defaults", "model-rules-parquet", "windows", "segment"])
def test_sample_contacts_are_the_same_out_of_core(sample: Path, run_main, monkeypatch, extra, out) -> None:
    args = ["contacts", sample.name, *extra, "--json", "c.json", "--contacts-out", out, "--show", "50"]
    mem, disk = both_ways(run_main, monkeypatch, sample.parent, args, ["c.json", out])
    assert mem == disk
    data = json.loads(mem["c.json"])
    rows = pl.read_parquet(sample.parent / out) if out.endswith(".parquet") else pl.read_csv(sample.parent / out)
    _nontrivial(data, rows)
    decided = {d["decided_by"] for c in data["classes"] for d in c["decided_by"]}
    # a self-service success in ANOTHER journey (most in other batches) makes a contact selfcare
    assert ("self-service in log" in decided) == ("-m" not in extra)  # the model's steps come first
    if "--rules" in extra:
        assert any(d.startswith("rule: ") for d in decided) and data["costs"]["total"] > 0
    if "-m" in extra:
        assert next(c for c in data["classes"] if c["class"] == "mandatory")["contacts"] > 0


@pytest.mark.parametrize(("extra", "out"), [
    (["-m", "design.ptree"], "contacts.csv"),
    (["-m", "design.ptree", "--rules", "crules.yaml"], "contacts.parquet"),
    (["--rules", "crules.yaml", "--repeat-window", "1d", "--failure-window", "20h"], "contacts.csv"),
    (["--channel", "phone"], "contacts.csv"),
], ids=["model", "model-rules-parquet", "windows", "channel"])
def test_generated_contacts_are_the_same_out_of_core(generated: Path, run_main, monkeypatch, extra, out) -> None:
    args = ["contacts", generated.name, *extra, "--json", "c.json", "--contacts-out", out]
    mem, disk = both_ways(run_main, monkeypatch, generated.parent, args, ["c.json", out])
    assert mem == disk
    data = json.loads(mem["c.json"])
    rows = (pl.read_parquet(generated.parent / out) if out.endswith(".parquet")
            else pl.read_csv(generated.parent / out))
    if "--channel" in extra:  # phone events only: contacts, but no failure on the web before them
        assert data["contacts"] > 20 and set(rows["channel"]) == {"phone"} and data["journeys"] < 1500
        return
    _nontrivial(data, rows, classes=2, repeats=False)  # the generated log repeats no contact
    assert data["journeys"] == 1500
    if "--rules" in extra:
        assert data["costs"]["total"] > 0 and data["costs"]["items"]


def test_the_library_takes_an_event_source_in_batches(generated: Path) -> None:
    """contacts on an EventSource of 50-event batches equals contacts on the frame: the JSON, the
    kept rows, and the rows handed out batch by batch."""
    from journeylog.config.contacts import load_contact_rules
    from journeylog.cx.contacts import ContactOptions, contact_table, contacts
    from journeylog.ingest import EventSource, read_events
    from journeylog.models import load_model

    model = load_model(generated.parent / "design.ptree")
    opts = ContactOptions(rules=load_contact_rules(generated.parent / "crules.yaml"), keep_table=True)
    parts: list[pl.DataFrame] = []
    mem = contacts(read_events(generated), model, options=opts)
    with EventSource(store=generated, batch_events=50) as source:
        assert sum(1 for _ in source.batches()) > 100
        disk = contacts(source, model, options=opts, on_contacts=parts.append)
    assert mem.to_json() == disk.to_json()
    assert mem.table is not None and disk.table is not None and mem.table.equals(disk.table)
    assert len(parts) > 100 and pl.concat(parts).equals(contact_table(mem))
    assert mem.to_json()["contacts"] == mem.table.height > 100


def test_table_parts_do_not_depend_on_the_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table written whole or in parts of any size gives the same bytes (CSV and Parquet, with
    several row groups), and reads back as the table."""
    from journeylog.render import tables

    monkeypatch.setattr(tables, "PARTS_ROW_GROUP", 7)
    frame = pl.DataFrame({"a": [f"=x{i}" if i % 5 == 0 else f"v{i}" for i in range(40)], "n": list(range(40)),
                          "b": [i % 3 == 0 for i in range(40)]})
    for suffix in ("csv", "parquet"):
        written = []
        for cuts in ([40], [0, 3, 3, 20, 14], [1] * 40, [13, 0, 27]):
            path = tmp_path / f"t{len(written)}.{suffix}"
            with tables.table_parts(path) as write:
                start = 0
                for n in cuts:
                    write(frame.slice(start, n))
                    start += n
            written.append(path.read_bytes())
        assert len(set(written)) == 1, suffix
        back = pl.read_parquet(path) if suffix == "parquet" else pl.read_csv(path)
        assert back["n"].to_list() == list(range(40)) and back["a"][0] == ("'=x0" if suffix == "csv" else "=x0")


@pytest.mark.parametrize("batch_events", [1, 2])
def test_self_service_in_another_batch_counts(tmp_path: Path, batch_events: int) -> None:
    """The hand-built log as a store read a few events at a time: 'Track order' succeeds on the
    web in j3 only, so j4's store visit about it (another batch) is selfcare, j3's own call is
    not; every class and figure equals the one-batch run and the plain-Python oracle."""
    from contact_oracle import oracle
    from test_contacts import HAND, frame

    from journeylog.cx.contacts import ContactOptions, contacts
    from journeylog.ingest import EventSource
    from journeylog.io.store import write_events

    write_events(frame(HAND), tmp_path / "hand.parquet")
    opts = ContactOptions(keep_table=True)
    mem = contacts(frame(HAND), options=opts)
    with EventSource(store=tmp_path / "hand.parquet", batch_events=batch_events) as source:
        where = [set(b["journey_id"]) for b in source.batches()]
        assert not any({"j3", "j4"} <= journeys for journeys in where)  # j3 and j4 in different batches
        disk = contacts(source, options=opts)
    assert disk.to_json() == mem.to_json()
    assert disk.table is not None and mem.table is not None and disk.table.equals(mem.table)
    got = dict(zip(zip(disk.table["journey_id"], disk.table["activity"], strict=True), disk.table["decided_by"],
                   strict=True))
    assert got[("j4", "Store visit")] == "self-service in log" and got[("j3", "Track order")] != "self-service in log"
    want = oracle([{**r, "input_order": i} for i, r in enumerate(HAND)])
    assert [(o["journey_id"], o["class"], o["decided_by"]) for o in want] == \
        disk.table.select("journey_id", "class", "decided_by").rows()
