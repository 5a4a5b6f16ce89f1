"""Recorded outputs of every command: the behaviour the refactors must keep byte for byte.

Each case is a list of journeylog invocations run in a scratch folder (``{out}``) with the
repository root as the working folder. Every file the commands write (JSON, JUnit, graphs,
per-journey tables, baselines), plus each command's stdout, stderr and exit code, is compared with
the recording under ``tests/golden/<case>/``.

Record again (only for a deliberate change, listed in the commit message)::

    .venv/bin/python tests/golden/golden.py --record
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DATA = "tests/data/models"
SAMPLE = "samples/telecom"

# (case, [argv, ...]); {out} is the scratch folder
CASES: dict[str, list[list[str]]] = {
    "sample": [
        ["ingest", f"{SAMPLE}/sources.yaml", "-o", "{out}/store.parquet", "--json", "{out}/ingest.json"],
        ["ingest", f"{SAMPLE}/sources.yaml", "-o", "{out}/store2.parquet"],
        ["discover", "{out}/store.parquet", "--coverage", "0.8", "--graph", "{out}/map.dot", "--graph",
         "{out}/map.json", "--graph", "{out}/map.mmd", "--graph", "{out}/map.graphml", "--json", "{out}/discover.json"],
        ["discover", "{out}/store.parquet", "--perf", "--graph", "{out}/perf.dot", "--show", "5"],
        ["conform", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--json",
         "{out}/conform.json", "--journeys-out", "{out}/journeys.csv"],
        ["conform", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--method", "tbr",
         "--no-precision", "--show", "3"],
        ["check", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--no-config",
         "--write-baseline", "{out}/baseline.json", "--min-fitness", "0.9", "--json", "{out}/check1.json"],
        ["check", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--no-config",
         "--baseline", "{out}/baseline.json", "--min-fitness", "0.5", "--min-fitting-share", "0.3",
         "--junit", "{out}/junit.xml", "--verbose", "--json", "{out}/check2.json"],
        ["drift", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--no-config",
         "--window", "1w", "--json", "{out}/drift.json"],
        ["contacts", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--rules",
         f"{SAMPLE}/contacts.yaml", "--json", "{out}/contacts.json", "--contacts-out", "{out}/contacts.csv"],
        ["explain", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--deviation",
         "skipped:Identity check", "--json", "{out}/explain.json"],
        ["emotion", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--metric", "csat", "--desired",
         f"{SAMPLE}/desired.yaml", "--split-by", "called after failing on the portal", "--detractors", "--json",
         "{out}/emotion.json"],
        ["funnel", "{out}/store.parquet", "--model", f"{SAMPLE}/designed_journey.bpmn", "--by", "channel", "--by",
         "product", "--json", "{out}/funnel.json"],
    ],
    "segments": [
        ["ingest", f"{SAMPLE}/sources.yaml", "-o", "{out}/store.parquet"],
        ["discover", "{out}/store.parquet", "--segment", "product=Fibre 500", "--journeys-where",
         "has channel=phone", "--no-model", "--json", "{out}/discover.json"],
        ["compare", "{out}/store.parquet", "--by", "product", "--json", "{out}/compare.json"],
        ["compare", "{out}/store.parquet", "--a", "month=2026-03", "--b", "month=2026-05", "--model",
         f"{SAMPLE}/designed_journey.bpmn", "--json", "{out}/compare2.json"],
    ],
    "receipt": [
        ["discover", f"{DATA}/08_receipt.xes.gz", "--graph", "{out}/map.dot", "--graph", "{out}/map.mmd",
         "--json", "{out}/discover.json", "--model-out", "{out}/model.pnml"],
        ["conform", f"{DATA}/08_receipt.xes.gz", "--model", f"{DATA}/receipt.bpmn", "--json", "{out}/conform.json",
         "--journeys-out", "{out}/journeys.csv"],
        ["check", f"{DATA}/08_receipt.xes.gz", "--model", f"{DATA}/receipt.bpmn", "--no-config",
         "--min-fitness", "0.95", "--max-share", "skipped:T06 Determine necessity of stop advice=0.01",
         "--junit", "{out}/junit.xml", "--json", "{out}/check.json"],
        ["drift", f"{DATA}/08_receipt.xes.gz", "--model", f"{DATA}/receipt.bpmn", "--no-config",
         "--window", "200", "--json", "{out}/drift.json"],
    ],
    "running-example": [
        ["discover", f"{DATA}/running-example.xes", "--perf", "--graph", "{out}/map.dot", "--graph",
         "{out}/map.graphml", "--json", "{out}/discover.json", "--model-out", "{out}/model.bpmn"],
        ["conform", f"{DATA}/running-example.xes", "--model", f"{DATA}/running-example.pnml", "--json",
         "{out}/conform.json"],
        ["conform", f"{DATA}/running_example_broken.csv", "--model", f"{DATA}/running-example.bpmn",
         "--delimiter", ";", "--json", "{out}/broken.json"],
        ["check", f"{DATA}/running-example.xes", "--model", f"{DATA}/running-example.pnml", "--no-config",
         "--min-fitness", "0.99", "--json", "{out}/check.json"],
        ["funnel", f"{DATA}/running-example.xes", "--model", f"{DATA}/running-example.pnml", "--json", "{out}/funnel.json"],
    ],
}

ENV = {"NO_COLOR": "1", "COLUMNS": "120", "TERM": "dumb", "JOURNEYLOG_DEBUG": "0", "PYTHONHASHSEED": "0"}


def _command() -> list[str]:
    exe = Path(sys.executable).with_name("journeylog")
    return [str(exe)] if exe.exists() else [sys.executable, str(ROOT / "cli.py")]


def run_case(case: str, out: Path) -> dict[str, bytes]:
    """Run one case into ``out``; return {name: bytes} of everything it produced."""
    produced: dict[str, bytes] = {}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PM4PY", "JOURNEYLOG"))}
    env.update(ENV)
    for i, argv in enumerate(CASES[case]):
        args = [a.replace("{out}", str(out)) for a in argv]
        r = subprocess.run(_command() + args, capture_output=True, cwd=ROOT, env=env)
        text = r.stdout.decode("utf-8", "replace").replace(str(out), "{out}")
        err = r.stderr.decode("utf-8", "replace").replace(str(out), "{out}")
        produced[f"{i:02d}-{argv[0]}.stdout"] = text.encode()
        produced[f"{i:02d}-{argv[0]}.stderr"] = err.encode()
        produced[f"{i:02d}-{argv[0]}.exit"] = f"{r.returncode}\n".encode()
    for path in sorted(out.iterdir()):
        if path.suffix == ".parquet":
            import polars as pl

            frame = pl.read_parquet(path)
            digest = hashlib.sha256(frame.write_csv().encode()).hexdigest()
            produced[path.name + ".digest"] = (json.dumps({"rows": frame.height, "csv_sha256": digest,
                                                           "schema": {k: str(v) for k, v in frame.schema.items()}},
                                                          indent=1) + "\n").encode()
        elif path.suffix == ".xml":  # JUnit: the run's clock and host are not behaviour
            text = path.read_text(encoding="utf-8")
            text = re.sub(r'( (?:timestamp|time|hostname))="[^"]*"', r'\1="-"', text)
            produced[path.name] = text.replace(str(out), "{out}").encode()
        else:
            produced[path.name] = path.read_bytes().replace(str(out).encode(), b"{out}")
    return produced


def record() -> None:
    for case in CASES:
        target = HERE / case
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in run_case(case, Path(tmp)).items():
                (target / name).write_bytes(data)
        print(f"recorded {case}: {len(list(target.iterdir()))} files")


if __name__ == "__main__":
    if "--record" in sys.argv:
        record()
    else:
        print(__doc__)
