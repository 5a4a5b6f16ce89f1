"""A batch of hostile files of every class of issue 17, written into ./in/ of the current folder
(run_batch.py runs them through every command)."""
import bz2
import gzip
import json
import os
from pathlib import Path

import polars as pl

IN = Path("in")
IN.mkdir(exist_ok=True)
H = "case,activity,timestamp\n"
OK_ROWS = "c1,Place order,2024-01-01T10:00:00Z\nc1,Pay,2024-01-01T11:00:00Z\n"


def w(name, data):
    p = IN / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return name


logs = {}
logs["nul_bytes.csv"] = w("nul_bytes.csv", H + "c1,Pl\x00ace,2024-01-01\nc1,Pay,2024-01-02\n")
logs["utf16.csv"] = w("utf16.csv", (H + OK_ROWS).encode("utf-16"))
logs["bom_only.csv"] = w("bom_only.csv", b"\xef\xbb\xbf")
logs["header_crlf.csv"] = w("header_crlf.csv", "case,activity,timestamp\r\n")
logs["unterminated.csv"] = w("unterminated.csv", H + 'c1,"Place order,2024-01-01\nc1,Pay,2024-01-02\n')
logs["wide.csv"] = w("wide.csv", ",".join(["case", "activity", "timestamp"] + [f"c{i}" for i in range(20000)]) + "\n"
                     + "c1,a,2024-01-01" + "," * 20000 + "\n")
logs["case_twins.csv"] = w("case_twins.csv", "case,Activity,activity,timestamp\nc1,a,b,2024-01-01\n")
logs["year0.csv"] = w("year0.csv", H + "c1,a,0000-01-01T00:00:00\nc1,b,10000-01-01T00:00:00\n")
logs["epoch_mixed.csv"] = w("epoch_mixed.csv", H + "c1,a,1700000000\nc1,b,1700000000123\n")
logs["dst_fold.csv"] = w("dst_fold.csv", H + "c1,a,2024-10-27 02:30:00\nc1,b,2024-10-27 03:30:00\n")
logs["nested_dup.jsonl"] = w("nested_dup.jsonl", '{"case":"c1","activity":"a","timestamp":"2024-01-01",'
                             '"meta":{"k":1,"\\u006b":2}}\n')
logs["deep.jsonl"] = w("deep.jsonl", '{"case":"c1","activity":"a","timestamp":"2024-01-01","x":'
                       + "[" * 100000 + "]" * 100000 + "}\n")
logs["nan_ts.jsonl"] = w("nan_ts.jsonl", '{"case":"c1","activity":"a","timestamp":NaN}\n'
                         '{"case":"c1","activity":"b","timestamp":Infinity}\n')
logs["array_rows.jsonl"] = w("array_rows.jsonl", '["c1","a","2024-01-01"]\n')
logs["bigint.jsonl"] = w("bigint.jsonl", '{"case":123456789012345678901234567890,"activity":"a","timestamp":1e400}\n')
pl.DataFrame({"case": ["c1", "c1"], "activity": ["Place order", "Pay"], "timestamp": ["2024-01-01", "2024-01-02"]}
             ).with_columns(pl.col("activity").cast(pl.Categorical)).write_parquet(IN / "categorical.parquet")
logs["categorical.parquet"] = "categorical.parquet"
pl.DataFrame({"case": ["c1"], "activity": [["a", "b"]], "timestamp": ["2024-01-01"]}).write_parquet(IN / "listrole.parquet")
logs["listrole.parquet"] = "listrole.parquet"
good = IN / "trunc.parquet"
pl.DataFrame({"case": ["c1"] * 100, "activity": ["a"] * 100, "timestamp": ["2024-01-01"] * 100}).write_parquet(good)
data = good.read_bytes()
good.write_bytes(data[:40] + data[-300:])
logs["trunc.parquet"] = "trunc.parquet"
pl.DataFrame({"case": ["c1", "c1"], "activity": ["a", "b"], "timestamp": [2**62, -(2**62)]}).with_columns(
    pl.col("timestamp").cast(pl.Datetime("ns"))).write_parquet(IN / "ns_extreme.parquet")
logs["ns_extreme.parquet"] = "ns_extreme.parquet"
XES_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
logs["doctype_sys.xes"] = w("doctype_sys.xes", XES_HEAD + '<!DOCTYPE log SYSTEM "file:///etc/passwd"><log/>')
logs["deep.xes"] = w("deep.xes", XES_HEAD + "<log>" + "<trace>" * 100000 + "</trace>" * 100000 + "</log>")
logs["bigattr.xes"] = w("bigattr.xes", XES_HEAD + '<log><trace><string key="concept:name" value="c1"/><event>'
                        '<string key="concept:name" value="' + "A" * 3_000_000 + '"/>'
                        '<date key="time:timestamp" value="2024-01-01T00:00:00+00:00"/></event></trace></log>')
logs["mixed_tz.xes"] = w("mixed_tz.xes", XES_HEAD + '<log><trace><string key="concept:name" value="c1"/>'
                         '<event><string key="concept:name" value="a"/>'
                         '<date key="time:timestamp" value="2024-01-01T00:00:00"/></event>'
                         '<event><string key="concept:name" value="b"/>'
                         '<date key="time:timestamp" value="2024-01-01T01:00:00+02:00"/></event>'
                         '</trace></log>')
(IN / "bomb.xes.gz").write_bytes(gzip.compress(XES_HEAD.encode() + b"<log>" + b" " * (100 * 1024 * 1024) + b"</log>", 9))
logs["bomb.xes.gz"] = "bomb.xes.gz"
logs["bz2.csv.bz2"] = w("bz2.csv.bz2", bz2.compress((H + OK_ROWS).encode()))
logs["zip_as.csv"] = w("zip_as.csv", b"PK\x03\x04" + os.urandom(200))
logs["png_as.csv"] = w("png_as.csv", b"\x89PNG\r\n\x1a\n" + os.urandom(300))
logs["empty.csv"] = w("empty.csv", b"")
logs["name1000.csv"] = w("name1000.csv", H + f"c1,{'Z' * 1000},2024-01-01\nc1,Pay,2024-01-02\n")
logs["cust100k.csv"] = w("cust100k.csv", "customer_id,activity,timestamp\n" + "Q" * 100_000 + ",a,2024-01-01\n")
logs["cell2mb.csv"] = w("cell2mb.csv", "case,activity,timestamp,notes\nc1,a,2024-01-01," + "w" * 2_500_000 + "\n")
logs["workflow.csv"] = w("workflow.csv", "case,activity,timestamp,channel\n::set-output name=x::c1,::error file=a::boom,"
                         "2024-01-01T10:00:00Z,::warning::web\n::set-output name=x::c1,Pay \u202eexe\u0085\u009b,"
                         "2024-01-02T10:00:00Z,web\n")
logs["mathtext.csv"] = w("mathtext.csv", H + "c1,$\\x{y}$,2024-01-01T10:00:00Z\nc1,$a^{b}_{c}$,2024-01-08T10:00:00Z\n"
                         "c2,$\\x{y}$,2024-01-15T10:00:00Z\n")
logs["formula.csv"] = w("formula.csv", "case,activity,timestamp,=cmd\n=1+1,@SUM(A1),2024-01-01,+x\n=1+1,-2,2024-01-02,\tq\n")
logs["ragged_late.csv"] = w("ragged_late.csv", H + OK_ROWS * 3000 + "c9,a,2024-01-01,EXTRA\n")
logs["control_id.jsonl"] = w("control_id.jsonl", '{"case":"c1\\u001b[31m","activity":"a","timestamp":"2024-01-01"}\n')
logs["surrogate.jsonl"] = w("surrogate.jsonl", '{"case":"c1","activity":"\\ud800","timestamp":"2024-01-01"}\n')

# source maps (a folder each)
for name, yaml, extra in [
    ("map_link", "sources:\n  - name: s\n    path: link.csv\n", {"link.csv": "->/etc/passwd"}),
    ("map_abs", "sources:\n  - name: s\n    path: /etc/hostname\n", {}),
    ("map_dotdot", "sources:\n  - name: s\n    path: ../in/name1000.csv\n", {}),
    ("map_ids", "sources:\n  - name: s\n    path: ok.csv\n    identity: {column: case, kind: email}\n"
                "identities:\n  path: ids.csv\n", {"ok.csv": H + OK_ROWS,
                                                    "ids.csv": "customer_id,id_type,id_value\nC1,email,Bob@Example.com\n"
                                                               "C2,email,bob@example.com\n"}),
    ("map_cust", "sources:\n  - name: s\n    path: ok.csv\n    identity: {column: case, kind: customer_id}\n"
                 "customers:\n  path: link.csv\n  key: customer_id\n", {"ok.csv": H + OK_ROWS, "link.csv": "->/etc/passwd"}),
    ("map_bomb", "sources: &a [*a]\n", {}),
]:
    d = IN / name
    d.mkdir(exist_ok=True)
    (d / "map.yaml").write_text(yaml)
    for f, content in extra.items():
        if content.startswith("->"):
            if not (d / f).exists():
                os.symlink(content[2:], d / f)
        else:
            (d / f).write_text(content)
    logs[name] = f"{name}/map.yaml"

# models, rules, baselines (run against the sample store)
models = {}
models["doctype.bpmn"] = w("doctype.bpmn", '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                           '<definitions>&x;</definitions>')
tasks = "".join(f'<task id="t{i}" name="task {i}"/>' for i in range(3000))
flows = "".join(f'<sequenceFlow id="f{i}" sourceRef="t{i}" targetRef="t{i + 1}"/>' for i in range(2999))
models["huge.bpmn"] = w("huge.bpmn", '<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
                        f'<process id="p"><startEvent id="s"/>{tasks}{flows}<sequenceFlow id="fs" sourceRef="s" '
                        'targetRef="t0"/><endEvent id="e"/><sequenceFlow id="fe" sourceRef="t2999" targetRef="e"/>'
                        "</process></definitions>")
sample = (Path(__file__).resolve().parents[3] / "samples" / "telecom" / "designed_journey.bpmn").read_bytes()
models["trunc.bpmn"] = w("trunc.bpmn", sample[: len(sample) // 2])
models["model.bpmn.xz"] = w("model.bpmn.xz", __import__("lzma").compress(sample))
rules = {}
rules["fmt_rules.yaml"] = w("fmt_rules.yaml", "patterns:\n  - name: p\n    statement: '{journeys:>99999999}'\n"
                            "    steps:\n      - {channel: web}\n      - {channel: phone}\n")
rules["nested_fmt.yaml"] = w("nested_fmt.yaml", "patterns:\n  - name: p\n    statement: '{journeys:{share}}'\n"
                             "    steps:\n      - {channel: web}\n")
baselines = {}
baselines["dup_base.json"] = w("dup_base.json", '{"version":1,"\\u0076ersion":1}')
baselines["deep_base.json"] = w("deep_base.json", "[" * 100000 + "]" * 100000)
Path("cases.json").write_text(json.dumps({"logs": logs, "models": models, "rules": rules, "baselines": baselines},
                                         indent=1))
print(len(logs), len(models), len(rules), len(baselines))
