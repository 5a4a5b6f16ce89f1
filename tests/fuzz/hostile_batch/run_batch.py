"""Run every hostile case of make_files.py through every command and check the contract (exit
code, one error line, no traceback, outputs untouched on failure, no temporary files or spill
folders left, no line that starts a GitHub workflow command, no control or bidi characters).

usage, in an empty folder: python make_files.py && PHASE=a python run_batch.py && PHASE=b python run_batch.py
(PHASE=a: ingest and check for every case; PHASE=b: the other commands for the cases some command
read; PHASE=all: everything). Results are appended to results.jsonl. Issue 17."""
import concurrent.futures as cf
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HERE = Path.cwd()
IN = HERE / "in"
SRC = os.environ.get("JL_SRC", str(ROOT / "src"))
PY = sys.executable
MODEL = str(ROOT / "samples" / "telecom" / "designed_journey.bpmn")
STORE = str(HERE / "journeys.parquet")
SENTINEL = b"SENTINEL-OLD-OUTPUT\n"
OK_CODES = {0, 1, 2, 3, 4, 5}


def commands(log, model=MODEL, extra=()):
    return {
        "ingest": ["ingest", log, "-o", "out.csv", "--rejects", "rj.csv", *extra],
        "discover": ["discover", log, "--json", "d.json", "--graph", "g.mmd", "--graph", "g.dot", "--model-out", "m.bpmn",
                     *extra],
        "conform": ["conform", log, "-m", model, "--no-precision", "--json", "c.json", "--journeys-out", "j.csv", *extra],
        "check": ["check", log, "-m", model, "--min-fitness", "0.5", "--no-precision", "--junit", "ju.xml",
                  "--json", "k.json", "--no-config", *extra],
        "drift": ["drift", log, "-m", model, "--window", "1w", "--json", "dr.json", "--chart", "dr.png", "--no-config", *extra],
        "contacts": ["contacts", log, "--json", "ct.json", "--contacts-out", "ct.csv", *extra],
        "funnel": ["funnel", log, "-m", model, "--json", "f.json", "--plot", "f.png", *extra],
        "emotion": ["emotion", log, "-m", model, "--json", "e.json", "--plot", "e.png", *extra],
        "explain": ["explain", log, "-m", model, "--deviation", "skipped:Pay", "--json", "x.json", *extra],
        "compare": ["compare", log, "--by", "month", "--json", "cp.json", *extra],
        "report": ["report", log, "-m", model, "-o", "r.html", *extra],
    }


def outputs_of(args):
    outs = []
    for i, a in enumerate(args):
        if a in ("-o", "--json", "--graph", "--model-out", "--journeys-out", "--junit", "--chart", "--plot",
                 "--contacts-out", "--rejects", "--write-baseline") and i + 1 < len(args):
            outs.append(args[i + 1])
    return outs


WORKFLOW = re.compile(r"(?:^|[\r\n])[^\S\r\n]*::")
BAD_CHARS = re.compile("[\u0080-\u009f\u202a-\u202e\u2066-\u2069\x1b]")


def run_one(case, cmd, args, timeout=240):
    work = HERE / "runs" / f"{case.replace('/', '_')}__{cmd}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    outs = outputs_of(args)
    for o in outs:
        (work / o).write_bytes(SENTINEL)
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": SRC, "TMPDIR": str(work / "tmp"), "NO_COLOR": "1",
           "GITHUB_ACTIONS": "true", "COLUMNS": "100", "HOME": str(HERE / "home")}
    t0 = time.time()
    problems = []
    try:
        proc = subprocess.Popen([PY, "-m", "journeylog.cli", *args], cwd=work, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            problems.append("TIMEOUT")
        rc = proc.returncode
    except Exception as exc:  # noqa: BLE001
        return {"case": case, "cmd": cmd, "rc": None, "problems": [f"runner: {exc}"]}
    secs = time.time() - t0
    err_t = err.decode("utf-8", "replace")
    out_t = out.decode("utf-8", "replace")
    if rc not in OK_CODES:
        problems.append(f"exit {rc}")
    if "Traceback" in err_t:
        problems.append("traceback")
    if rc is not None and rc >= 2:
        n = err_t.count("journeylog: error:")
        if n != 1:
            problems.append(f"{n} error lines")
        lines = [x for x in err_t.splitlines() if x.strip()]
        if lines and not lines[-1].startswith("journeylog: error:") and len(lines) > 1 and not lines[-2].startswith(
                "journeylog: error:"):
            problems.append("error not last")
        for o in outs:
            p = work / o
            if p.exists() and p.read_bytes() != SENTINEL and not (cmd == "check" and o == "ju.xml"):
                problems.append(f"output changed: {o}")
            if not p.exists():
                problems.append(f"output removed: {o}")
    for p in work.iterdir():
        if p.name.endswith(".tmp") or (p.name.startswith(".") and p.name != "."):
            problems.append(f"temp left: {p.name}")
    if any((work / "tmp").iterdir()):
        problems.append("spill left: " + ",".join(x.name for x in (work / "tmp").iterdir()))
    for text, where in ((out_t, "stdout"), (err_t, "stderr")):
        lines = text.splitlines()
        own = [x for x in lines if re.match(r"::(error|warning|notice) title=journeylog", x)]
        if WORKFLOW.search("\n".join(x for x in lines if x not in own)):
            problems.append(f"workflow line in {where}")
        if BAD_CHARS.search(text):
            problems.append(f"control chars in {where}")
    if rc == 0 or rc == 1:
        for o in outs:
            p = work / o
            if p.exists() and p.suffix in (".csv", ".json", ".mmd", ".dot", ".html", ".xml", ".bpmn"):
                t = p.read_text("utf-8", "replace")
                if WORKFLOW.search(t):
                    problems.append(f"workflow line in {o}")
    first = next((x for x in err_t.splitlines() if x.startswith("journeylog: error:")), "")
    return {"case": case, "cmd": cmd, "rc": rc, "secs": round(secs, 1), "problems": problems, "error": first[:300]}


def jobs(filt):
    cases = json.loads((HERE / os.environ.get("CASES", "cases.json")).read_text())
    for name, rel in cases["logs"].items():
        for cmd, args in commands(str(IN / rel)).items():
            yield name, cmd, args
    for name, rel in cases["models"].items():
        for cmd in ("conform", "check", "drift", "funnel", "emotion", "explain", "report"):
            yield name, cmd, commands(STORE, model=str(IN / rel))[cmd]
    for name, rel in cases["rules"].items():
        for cmd in ("conform", "check", "drift", "report"):
            yield name, cmd, commands(STORE, extra=("--rules", str(IN / rel)))[cmd]
    for name, rel in cases["baselines"].items():
        yield name, "check", commands(STORE, extra=("--baseline", str(IN / rel)))["check"]


def main():
    if not Path(STORE).exists():
        subprocess.run([PY, "-m", "journeylog.cli", "ingest", str(ROOT / "samples" / "telecom" / "sources.yaml"), "-o",
                        STORE], env={**os.environ, "PYTHONPATH": SRC}, check=True, capture_output=True)
    (HERE / "home").mkdir(exist_ok=True)
    filt = sys.argv[1] if len(sys.argv) > 1 else ""
    done = set()
    if (HERE / "results.jsonl").exists():
        for line in (HERE / "results.jsonl").read_text().splitlines():
            r = json.loads(line)
            done.add((r["case"], r["cmd"]))
    phase_a = ("ingest", "check")
    todo = [j for j in jobs(filt) if filt in j[0] and (j[0], j[1]) not in done]
    if os.environ.get("PHASE", "a") == "all":
        pass
    elif os.environ.get("PHASE", "a") == "a":
        todo = [j for j in todo if j[1] in phase_a]
    else:  # phase b: the other commands, only for cases some command read without an error
        read_ok = set()
        for line in (HERE / "results.jsonl").read_text().splitlines():
            r = json.loads(line)
            if r["rc"] in (0, 1):
                read_ok.add(r["case"])
        todo = [j for j in todo if j[0] in read_ok]
    with cf.ThreadPoolExecutor(int(os.environ.get("WORKERS", "2"))) as ex, open(HERE / "results.jsonl", "a") as fh:
        for res in ex.map(lambda j: run_one(*j), todo):
            fh.write(json.dumps(res) + "\n")
            fh.flush()
            flag = "FAIL " + "; ".join(res["problems"]) if res["problems"] else "ok"
            print(f"{res['case']:22} {res['cmd']:10} rc={res['rc']} {res.get('secs')}s {flag} | {res.get('error', '')[:140]}",
                  flush=True)


if __name__ == "__main__":
    main()
