"""Issue 17, second pass: long names and huge cells are exit 4 with the option to raise; escaped
duplicate JSON keys; compressed formats journeylog does not read; errors about files a source map
points at show none of their content; no output line starts a GitHub workflow command; usage
errors of every command are one line."""

from __future__ import annotations

import bz2
import json
import lzma
import re

import pytest

from factories import SAMPLE, write_file
from hostile import refused

MODEL = str(SAMPLE / "designed_journey.bpmn")
LOG = "case,activity,timestamp\nc1,Place order,2024-01-01T10:00:00Z\nc1,Pay,2024-01-01T11:00:00Z\n"


# ------------------------------------------------------------------------------------------
# names and cells
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1000, 100_000])
@pytest.mark.parametrize("role, column", [("activity", "activity"), ("case", "case")])
def test_a_long_name_is_a_resource_limit_naming_the_option(run_main, tmp_path, length, role, column):
    name = "N" * length
    row = f"c1,{name},2024-01-01T10:00:00Z" if role == "activity" else f"{name},Pay,2024-01-01T10:00:00Z"
    write_file(tmp_path, "log.csv", f"case,activity,timestamp\n{row}\nc1,Pay,2024-01-01T11:00:00Z\n")
    write_file(tmp_path, "out.parquet", b"old")
    for args in (["ingest", "log.csv", "-o", "out.parquet"], ["ingest", "log.csv", "-o", "out.parquet",
                                                               "--skip-invalid-rows"]):
        err = refused(run_main, tmp_path, 4, *args, output=tmp_path / "out.parquet",
                      says=f"log.csv:2:{column}: ")
        assert "500-character name limit (hint: raise --max-name-chars" in err and "NNNN" not in err
    code, _out, err = run_main("--max-name-chars", str(length), "discover", "log.csv", "--no-model", cwd=tmp_path)
    assert code == 0, err


def test_a_name_at_the_limit_is_read(run_main, tmp_path):
    write_file(tmp_path, "log.csv", f"case,activity,timestamp\nc1,{'é' * 500},2024-01-01\nc1,b,2024-01-02\n")
    assert run_main("discover", "log.csv", "--no-model", cwd=tmp_path)[0] == 0


def test_a_huge_cell_in_any_column_is_a_resource_limit(run_main, tmp_path):
    write_file(tmp_path, "log.jsonl", json.dumps({"case": "c1", "activity": "a", "timestamp": "2024-01-01",
                                                  "note": "x" * 2_000_000}) + "\n")
    refused(run_main, tmp_path, 4, "discover", "log.jsonl", "--no-model",
            says="log.jsonl:1:note: a cell is longer than the 1,048,576-byte limit (hint: raise --max-cell-bytes")
    code, _out, err = run_main("--max-cell-bytes", "3000000", "discover", "log.jsonl", "--no-model", cwd=tmp_path)
    assert code == 0, err


def test_the_caps_in_journeylog_yaml_apply_unless_the_option_says_otherwise(run_main, tmp_path):
    write_file(tmp_path, "log.csv", "case,activity,timestamp\nc1,Place order,2024-01-01\nc1,Pay,2024-01-02\n")
    write_file(tmp_path, "journeylog.yaml", "max_name_chars: 5\n")
    refused(run_main, tmp_path, 4, "check", "log.csv", "-m", MODEL, "--min-fitness", "0", "--no-precision",
            says="5-character name limit")
    code, _out, err = run_main("--max-name-chars", "50", "check", "log.csv", "-m", MODEL, "--min-fitness", "0",
                               "--no-precision", cwd=tmp_path)
    assert code in (0, 1), err
    write_file(tmp_path, "journeylog.yaml", "max_cell_bytes: 0\n")
    refused(run_main, tmp_path, 3, "check", "log.csv", "-m", MODEL, says="journeylog.yaml:1:17: max_cell_bytes must be")


# ------------------------------------------------------------------------------------------
# JSON keys that repeat once unescaped
# ------------------------------------------------------------------------------------------


def test_an_escaped_duplicate_key_in_a_jsonl_log_is_an_error(run_main, tmp_path):
    write_file(tmp_path, "log.jsonl", '{"case":"c1","activity":"a","timestamp":"2024-01-01"}\n'
               '{"case":"c1","activity":"a","\\u0061ctivity":"b","timestamp":"2024-01-02"}\n')
    refused(run_main, tmp_path, 3, "discover", "log.jsonl", "--no-model",
            says="log.jsonl:2: the key 'activity' appears twice")


def test_an_escaped_duplicate_key_in_a_baseline_is_an_error(run_main, tmp_path):
    write_file(tmp_path, "log.csv", LOG)
    write_file(tmp_path, "base.json", '{"version": 1, "\\u0076ersion": 2}')
    refused(run_main, tmp_path, 3, "check", "log.csv", "-m", MODEL, "--baseline", "base.json", "--no-precision",
            says="the key 'version' appears twice")


# ------------------------------------------------------------------------------------------
# compressed input other than gzip
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, data", [
    ("log.csv.bz2", bz2.compress(LOG.encode())),
    ("log.csv.xz", lzma.compress(LOG.encode())),
    ("log.csv", bz2.compress(LOG.encode())),  # named as plain text
    ("log.jsonl", lzma.compress(LOG.encode())),
    ("log.csv", b"\x28\xb5\x2f\xfd" + bytes(40)),  # zstd
    ("log.xes", b"PK\x03\x04" + bytes(40)),  # zip
    ("log.csv.zst", b"anything"),
])
def test_compressed_input_journeylog_does_not_read_is_refused_in_one_line(run_main, tmp_path, name, data):
    write_file(tmp_path, name, data)
    for args in (["discover", name, "--no-model"], ["discover", name, "--no-model", "--format", "csv",
                                                    "--encoding", "latin-1"]):
        refused(run_main, tmp_path, 3, *args,
                says="-compressed input, which journeylog does not read (hint: decompress it first")


def test_a_compressed_rules_file_is_refused(run_main, tmp_path):
    write_file(tmp_path, "log.csv", LOG)
    write_file(tmp_path, "rules.yaml", bz2.compress(b"patterns: []\n"))
    refused(run_main, tmp_path, 3, "conform", "log.csv", "-m", MODEL, "--rules", "rules.yaml", "--no-precision",
            says="rules.yaml: bzip2-compressed input")


# ------------------------------------------------------------------------------------------
# errors about files a source map points at
# ------------------------------------------------------------------------------------------

SECRET = "root:x:0:0:root:/root:/bin/bash"
SECRET_LINES = f"{SECRET}\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"


@pytest.mark.parametrize("yaml, files", [
    ("sources:\n  - name: web\n    path: secret.txt\n    format: csv\n", {}),
    ("sources:\n  - name: web\n    path: ok.csv\n    identity: {column: case, kind: email}\n"
     "identities:\n  path: secret.txt\n  format: csv\n", {"ok.csv": LOG}),
    ("sources:\n  - name: web\n    path: ok.csv\n    identity: {column: case, kind: customer_id}\n"
     "customers:\n  path: secret.txt\n  format: csv\n  key: customer_id\n", {"ok.csv": LOG}),
    ("sources:\n  - name: web\n    path: secret.csv\n", {"secret.csv": f"case,activity,timestamp\nc1,a,{SECRET}\n"}),
    ("sources:\n  - name: web\n    path: secret.csv\n    columns: {activity: act}\n",
     {"secret.csv": f"case,{SECRET},timestamp\nc1,a,2024-01-01\n"}),
    ("sources:\n  - name: web\n    path: secret.jsonl\n",
     {"secret.jsonl": json.dumps({"case": "c1", "activity": "a", "timestamp": SECRET}) + "\n"}),
])
def test_an_error_about_a_file_the_map_points_at_shows_none_of_its_content(run_main, tmp_path, yaml, files):
    write_file(tmp_path, "secret.txt", SECRET_LINES)
    for name, content in files.items():
        write_file(tmp_path, name, content)
    write_file(tmp_path, "map.yaml", yaml)
    code, _out, err = run_main("ingest", "map.yaml", "-o", "out.parquet", cwd=tmp_path)
    assert code in (2, 3), err
    assert err.count("journeylog: error:") == 1 and "Traceback" not in err, err
    assert not re.search(r"root|daemon|/bin/bash|nologin", err), err
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("role", ["sources", "identities", "customers"])
def test_a_link_in_the_map_folder_to_a_file_outside_shows_none_of_it(run_main, tmp_path, role):
    outside = tmp_path / "etc"
    outside.mkdir()
    write_file(outside, "passwd", SECRET_LINES)
    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / "link.csv").symlink_to(outside / "passwd")
    write_file(folder, "ok.csv", LOG)
    yaml = {"sources": "sources:\n  - name: s\n    path: link.csv\n",
            "identities": "sources:\n  - name: s\n    path: ok.csv\n    identity: {column: case, kind: phone}\n"
                          "identities:\n  path: link.csv\n",
            "customers": "sources:\n  - name: s\n    path: ok.csv\n    identity: {column: case, kind: customer_id}\n"
                         "customers:\n  path: link.csv\n  key: customer_id\n"}[role]
    write_file(folder, "map.yaml", yaml)
    for args in (["ingest", "maps/map.yaml", "-o", "out.csv"], ["discover", "maps/map.yaml", "--json", "d.json"]):
        code, _out, err = run_main(*args, cwd=tmp_path)
        assert code == 3, err
        assert err.count("journeylog: error:") == 1 and "Traceback" not in err, err
        assert not re.search(r"root|daemon|/bin/bash|nologin", err), err


def test_an_error_about_a_file_named_on_the_command_line_still_quotes_it(run_main, tmp_path):
    write_file(tmp_path, "log.csv", f"case,activity,timestamp\nc1,a,{SECRET}\n")
    refused(run_main, tmp_path, 3, "discover", "log.csv", says=SECRET)


# ------------------------------------------------------------------------------------------
# no output line starts a GitHub workflow command; controls in error lines
# ------------------------------------------------------------------------------------------

WORKFLOW = re.compile(r"(?:^|[\r\n])[^\S\r\n]*::")


def test_no_line_of_any_written_file_starts_a_workflow_command(run_main, tmp_path):
    write_file(tmp_path, "log.csv", 'case,activity,timestamp,note\n::error::c1,::warning::Place order,2024-01-01,'
               '"x\n::error::y"\n::error::c1,Pay,2024-01-02,"a\r ::notice::b"\n')
    outputs = {"--journeys-out": "j.csv", "--json": "c.json"}
    args = ["conform", "log.csv", "-m", MODEL, "--no-precision"]
    for flag, name in outputs.items():
        args += [flag, name]
    code, _out, err = run_main(*args, cwd=tmp_path)
    assert code == 0, err
    code, _out, err = run_main("--raw-csv", "ingest", "log.csv", "-o", "raw.csv", cwd=tmp_path)
    assert code == 0, err
    code, _out, err = run_main("discover", "log.csv", "--no-model", "--graph", "g.mmd", cwd=tmp_path)
    assert code == 0, err
    code, _out, err = run_main("discover", "log.csv", "--no-model", "--graph", "g.dot", cwd=tmp_path)
    assert code == 0, err
    code, _out, err = run_main("report", "--from", "c.json", "-o", "r.html", cwd=tmp_path)
    assert code == 0, err
    for name in [*outputs.values(), "raw.csv", "g.mmd", "g.dot", "r.html"]:
        path = tmp_path / name
        if path.exists():
            assert not WORKFLOW.search(path.read_text(encoding="utf-8")), name
    assert "error::c1" in (tmp_path / "raw.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["bidi\u202eexe.csv", "c1\u0085line.csv", "csi\u009b31m.csv"])
def test_c1_and_bidi_characters_in_a_file_name_are_escaped_in_the_error_line(run_main, tmp_path, name):
    write_file(tmp_path, name, "case,activity,timestamp\nc1,a,nope\n")
    err = refused(run_main, tmp_path, 3, "discover", name, says="\ufffd")
    assert not re.search("[\u0080-\u009f\u202a-\u202e\u2066-\u2069]", err), err


# ------------------------------------------------------------------------------------------
# usage errors: one line, exit 2, for every command
# ------------------------------------------------------------------------------------------

COMMANDS = ["ingest", "discover", "conform", "check", "drift", "contacts", "funnel", "emotion", "explain",
            "compare", "report"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("extra", [["--no-such-option"], [], ["x.csv", "--threads"]])
def test_usage_errors_of_every_command_are_one_line(run_main, tmp_path, command, extra):
    code, _out, err = run_main(command, *extra, cwd=tmp_path)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("journeylog: error: ") and "Traceback" not in err, err
    assert "(hint: see 'journeylog" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_unaffected(run_main, tmp_path, command):
    code, out, err = run_main(command, "--help", cwd=tmp_path)
    assert code == 0 and "Usage" in out and "error" not in err, err


# ------------------------------------------------------------------------------------------
# the alignment budget: a model too large to align is refused when it is loaded
# ------------------------------------------------------------------------------------------


def _looped_pnml(tasks: int) -> str:
    """A chain of ``tasks`` tasks, each with a silent step back (a model of looped tasks)."""
    places = "".join(f'<place id="p{i}">' + ("<initialMarking><text>1</text></initialMarking>" if i == 0 else "")
                     + "</place>" for i in range(tasks + 1))
    moves = "".join(f'<transition id="t{i}"><name><text>task {i}</text></name></transition>'
                    f'<transition id="s{i}"><toolspecific tool="ProM" version="6.4" activity="$invisible$" '
                    f'localNodeID="x{i}"/></transition>' for i in range(tasks))
    arcs = "".join(f'<arc id="a{i}" source="p{i}" target="t{i}"/><arc id="b{i}" source="t{i}" target="p{i + 1}"/>'
                   f'<arc id="c{i}" source="p{i + 1}" target="s{i}"/><arc id="d{i}" source="s{i}" target="p{i}"/>'
                   for i in range(tasks))
    return ('<?xml version="1.0" encoding="UTF-8"?><pnml><net id="n" type="http://www.pnml.org/version-2009/grammar/'
            f'pnmlcoremodel"><page id="g">{places}{moves}{arcs}</page><finalmarkings><marking><place idref="p{tasks}">'
            "<text>1</text></place></marking></finalmarkings></net></pnml>")


@pytest.mark.parametrize("command", [["conform", "--no-precision"], ["check", "--min-fitness", "0"],
                                     ["funnel"], ["drift", "--window", "1d"]])
def test_a_model_of_thousands_of_looped_tasks_is_refused_before_it_is_converted(run_main, tmp_path, monkeypatch,
                                                                                 command):
    import journeylog.models.loading as loading

    def never(*_a, **_k):
        raise AssertionError("converted")

    monkeypatch.setattr(loading, "load_pnml", never)
    write_file(tmp_path, "loop.pnml", _looped_pnml(2000))
    write_file(tmp_path, "log.csv", "case,activity,timestamp\nc1,task 0,2024-01-01\nc1,task 1,2024-01-02\n")
    refused(run_main, tmp_path, 4, command[0], "log.csv", "-m", "loop.pnml", *command[1:], "--json", "o.json",
            output=tmp_path / "o.json", says="loop.pnml: the model has 4,000 transitions (silent steps included), more "
            "than the alignment budget of 500 tasks (2,000 transitions) (hint: raise --max-model-tasks")


def test_a_model_within_a_raised_budget_is_aligned(run_main, tmp_path):
    write_file(tmp_path, "loop.pnml", _looped_pnml(30))
    write_file(tmp_path, "log.csv", "case,activity,timestamp\nc1,task 0,2024-01-01\nc1,task 1,2024-01-02\n")
    refused(run_main, tmp_path, 4, "--max-model-tasks", "29", "conform", "log.csv", "-m", "loop.pnml",
            "--no-precision", says="the model has 30 tasks")
    code, _out, err = run_main("--max-model-tasks", "30", "conform", "log.csv", "-m", "loop.pnml", "--no-precision",
                               cwd=tmp_path)
    assert code == 0, err


def test_a_utf16_file_gets_the_encoding_that_reads_it(run_main, tmp_path):
    write_file(tmp_path, "log.csv", LOG.encode("utf-16"))
    refused(run_main, tmp_path, 3, "discover", "log.csv", "--no-model", says="(hint: give --encoding utf-16)")
    code, _out, err = run_main("discover", "log.csv", "--no-model", "--encoding", "utf-16", cwd=tmp_path)
    assert code == 0, err


def test_a_hand_edited_store_with_a_long_name_is_a_resource_limit(run_main, tmp_path):
    import polars as pl
    import pyarrow.parquet as pq

    write_file(tmp_path, "log.csv", LOG)
    assert run_main("ingest", "log.csv", "-o", "store.parquet", cwd=tmp_path)[0] == 0
    frame = pl.read_parquet(tmp_path / "store.parquet")
    meta = pq.read_metadata(tmp_path / "store.parquet").metadata
    frame = frame.with_columns(pl.when(pl.col("activity") == "Pay").then(pl.lit("Y" * 100_000))
                               .otherwise(pl.col("activity")).alias("activity"))
    pq.write_table(frame.to_arrow().replace_schema_metadata(meta), tmp_path / "edited.parquet")
    refused(run_main, tmp_path, 4, "conform", "edited.parquet", "-m", MODEL, "--no-precision", "--json", "c.json",
            output=tmp_path / "c.json", says="edited.parquet:2:activity: a name is longer than the 500-character")



def test_a_discovered_model_with_non_ascii_names_is_written(run_main, tmp_path):
    """networkx hashed the BPMN elements' names as ASCII: any other name ended in exit 3."""
    write_file(tmp_path, "log.csv", "case,activity,timestamp\nc1,Café \u202eexe,2024-01-01\nc1,支払い,2024-01-02\n"
               "c2,Café \u202eexe,2024-01-03\nc2,支払い,2024-01-04\n")
    for name in ("m.bpmn", "m.pnml", "m.ptree"):
        code, _out, err = run_main("discover", "log.csv", "--model-out", name, cwd=tmp_path)
        assert code == 0, err
        assert "支払い" in (tmp_path / name).read_text(encoding="utf-8")
