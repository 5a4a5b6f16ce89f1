"""The BPMN export is canonical: whatever ids pm4py invents and in whatever order it writes the
elements, the file journeylog writes for the same model is byte-identical (a loop's unnamed
gateways used to sort by chance, so the file depended on PYTHONHASHSEED)."""

from __future__ import annotations

import random
import uuid

from lxml import etree

from journeylog.mining.export import canonical_bpmn_file
from journeylog.models import parse_process_tree, write_model

# the repair example's discovered tree: loops whose silent redo gateways look alike
REPAIR = ("->( 'Register', *( 'Analyze Defect', tau ), +( X( 'Inform User', tau ), X( *( 'Repair (Complex)', tau ), tau ), "
          "X( *( ->( X( *( 'Repair (Simple)', tau ), tau ), *( 'Test Repair', tau ) ), 'Restart Repair' ), tau ) ), "
          "X( 'Archive Repair', tau ) )")
REFS = ("id", "sourceRef", "targetRef", "bpmnElement", "processRef")


def _scramble(path, seed: int) -> None:
    """What pm4py may give for the same model: fresh uuid ids and elements in another order."""
    rng = random.Random(seed)
    tree = etree.parse(str(path))
    root = tree.getroot()
    ids = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    new = {old: f"id{uuid.UUID(int=rng.getrandbits(128))}" for old in sorted(ids) if not old.endswith("_di")}
    new |= {old: new[old[:-3]] + "_gui" for old in ids if old.endswith("_di") and old[:-3] in new}
    for e in root.iter():
        if not isinstance(e.tag, str):
            continue
        for attr in REFS:
            v = e.get(attr)
            if v in new:
                e.set(attr, new[v])
        if (e.text or "").strip() in new:
            e.text = new[e.text.strip()]
    for parent in root.iter():
        if isinstance(parent.tag, str) and etree.QName(parent).localname == "process":
            children = list(parent)
            rng.shuffle(children)
            for c in children:
                parent.remove(c)
            parent.extend(children)
    tree.write(str(path), xml_declaration=True, encoding="utf-8")


def test_scrambled_exports_canonicalise_to_the_same_bytes(tmp_path):
    reference = tmp_path / "model.bpmn"
    write_model(parse_process_tree(REPAIR), reference)
    expected = reference.read_bytes()
    for seed in range(12):
        copy = tmp_path / f"scrambled-{seed}.bpmn"
        copy.write_bytes(expected)
        _scramble(copy, seed)
        assert copy.read_bytes() != expected
        canonical_bpmn_file(str(copy))
        got = etree.tostring(etree.parse(str(copy)), method="c14n")
        assert got == etree.tostring(etree.parse(str(reference)), method="c14n"), f"seed {seed}"
