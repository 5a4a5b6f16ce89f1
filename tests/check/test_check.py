"""Check: thresholds on hand-made conformance results, the baseline (deterministic, validated),
journeylog.yaml, command-line overrides, JUnit parsed back with junitparser, GitHub annotations,
and the command's exit code for every outcome (0, 1, 2, 3, 5) on synthetic logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from factories import PORTAL, PTREE, T0, make_log, run_cli
from journeylog import check as K
from journeylog.errors import InvalidInput, UsageError
from journeylog.render.github import check_annotations

# ------------------------------------------------------------------------------------------
# hand-made conformance results
# ------------------------------------------------------------------------------------------


def dev(id_: str, share: float, accepted: bool = False, journeys: int = 1000) -> dict:
    kind, activity = id_.split(":", 1)
    return {"id": id_, "kind": kind, "activity": activity, "statement": f"Statement about {id_} ({100 * share:.1f}%).",
            "journeys": round(share * journeys), "share": share, "accepted": accepted}


def pat(name: str, share: float, accepted: bool = False, pid: str | None = None, journeys: int = 1000) -> dict:
    return {"id": pid or name.replace(" ", "-"), "name": name, "statement": f"{name.capitalize()}: {100 * share:.1f}%.",
            "journeys": round(share * journeys), "share": share, "accepted": accepted}


def conf(fitness=0.9, fitting=0.5, fitting_accepted=None, precision=0.95, journeys=1000, deviations=(), patterns=()):
    return {"method": "alignments", "fitness": fitness, "fitting_share": fitting,
            "fitting_share_accepted": fitting if fitting_accepted is None else fitting_accepted,
            "precision": precision, "journeys": journeys, "average_fitness": fitness,
            "deviations": list(deviations), "patterns": list(patterns),
            "unknown_activities": [], "unseen_tasks": [], "notes": []}


def T(value, severity="error", origin=None):
    return K.Threshold(value, severity, origin)


def by_name(results):
    return {r.name: r for r in results}


def test_absolute_thresholds_pass_fail_warn_skip():
    c = conf(fitness=0.84, fitting=0.40, fitting_accepted=0.47, precision=None)
    cfg = K.CheckConfig(checks={"min_fitness": T(0.85), "min_fitting_share": T(0.45, "warn"), "min_precision": T(0.9)})
    r = by_name(K.run_checks(c, cfg))
    assert r["min_fitness"].status == "FAIL" and r["min_fitness"].value == 0.84 and r["min_fitness"].threshold == 0.85
    assert r["min_fitness"].message == "Fitness is 0.8400, below the minimum of 0.8500."
    # the fitting share ignores accepted deviations: 47% passes 45%
    assert r["min_fitting_share"].status == "PASS" and r["min_fitting_share"].value == 0.47
    assert r["min_precision"].status == "SKIP"
    c = conf(fitness=0.84, fitting=0.40, fitting_accepted=0.40)
    r = by_name(K.run_checks(c, cfg))
    assert r["min_fitting_share"].status == "WARN"
    assert r["min_fitting_share"].message == ("40.0% of journeys fit the designed journey (accepted deviations ignored), "
                                              "below the minimum of 45.0%.")
    assert K.exit_code(K.run_checks(c, K.CheckConfig(checks={"min_fitting_share": T(0.45, "warn")}))) == 0
    assert K.exit_code(K.run_checks(c, cfg)) == 1
    # exactly at the threshold passes
    assert K.run_checks(conf(fitness=0.85), K.CheckConfig(checks={"min_fitness": T(0.85)}))[0].status == "PASS"


def test_max_share_by_deviation_id_pattern_name_or_id():
    c = conf(deviations=[dev("skipped:Identity check", 0.06), dev("repeated:Pay", 0.2, accepted=True)],
             patterns=[pat(PORTAL, 0.03, pid="web-failure-then-phone")])
    cfg = K.CheckConfig(max_share={"skipped:Identity check": T(0.05), "web-failure-then-phone": T(0.05),
                                   "repeated:Pay": T(0.1), "unexpected:Fax": T(0.01),
                                   "Called After Failing On The Portal": T(0.01, "warn")})
    r = by_name(K.run_checks(c, cfg))
    skip = r["max_share[skipped:Identity check]"]
    assert skip.status == "FAIL" and skip.value == 0.06
    assert skip.message == "Above the maximum of 5.0%: Statement about skipped:Identity check (6.0%)."
    # named as written; the item is the pattern's name
    assert r["max_share[Called After Failing On The Portal]"].status == "WARN"  # case-insensitive, 3% > 1%
    assert r["max_share[Called After Failing On The Portal]"].item == PORTAL
    assert r["max_share[web-failure-then-phone]"].item == PORTAL
    assert [x.status for x in K.run_checks(c, K.CheckConfig(max_share={"web-failure-then-phone": T(0.05)}))] == ["PASS"]
    assert r["max_share[repeated:Pay]"].status == "SKIP" and "accepted" in r["max_share[repeated:Pay]"].message
    assert r["max_share[unexpected:Fax]"].status == "PASS" and r["max_share[unexpected:Fax]"].value == 0.0


def test_unknown_max_share_name_is_an_error_naming_its_origin():
    c = conf(deviations=[dev("skipped:Identity check", 0.06)], patterns=[pat(PORTAL, 0.03)])
    with pytest.raises(UsageError) as exc:
        K.run_checks(c, K.CheckConfig(max_share={"called after failing on the portl": T(0.05)}))
    assert exc.value.code == 2 and PORTAL in exc.value.hint
    with pytest.raises(InvalidInput) as exc:
        K.run_checks(c, K.CheckConfig(max_share={"skiped Identity check": T(0.05, origin="journeylog.yaml")}))
    assert exc.value.code == 3 and exc.value.path == "journeylog.yaml"


BASE = K.baseline_from(conf(fitness=0.9, fitting=0.5, deviations=[
    dev("skipped:Identity check", 0.04), dev("repeated:Pay", 0.10), dev("unexpected:Call", 0.02), dev("dropped_out:Bill", 0.01),
    dev("wrong_order:Ship", 0.05, accepted=True)], patterns=[pat(PORTAL, 0.05), pat("chatted after failing in the app", 0.0)]))


def test_baseline_checks():
    now = conf(fitness=0.86, fitting=0.46, deviations=[
        dev("skipped:Identity check", 0.05), dev("repeated:Pay", 0.13), dev("unexpected:Call", 0.05),
        dev("unexpected:Fax", 0.004), dev("unexpected:Chat", 0.02), dev("repeated:Ship", 0.3, accepted=True),
        dev("wrong_order:Ship", 0.5, accepted=True)],
        patterns=[pat(PORTAL, 0.11), pat("chatted after failing in the app", 0.01)])
    cfg = K.CheckConfig(checks={"max_fitness_drop": T(0.02), "max_fitting_share_drop": T(0.05, "warn"),
                                "max_share_increase": T(0.02), "max_share_ratio": T(2.0, "warn"),
                                "fail_on_new_deviations": T(True)}, new_deviation_min_share=0.005)
    r = by_name(K.run_checks(now, cfg, BASE))
    assert r["max_fitness_drop"].status == "FAIL" and r["max_fitness_drop"].value == pytest.approx(0.04)
    assert r["max_fitness_drop"].message == ("Fitness fell from 0.9000 (baseline) to 0.8600, a drop of 0.0400; "
                                             "more than the allowed 0.0200.")
    assert r["max_fitting_share_drop"].status == "PASS"
    inc = r[f"max_share_increase[{PORTAL}]"]
    assert inc.status == "FAIL" and inc.value == pytest.approx(0.06) and inc.baseline == 0.05
    assert inc.message.startswith("Rose from 5.0% (baseline) to 11.0% of journeys (+6.0 points; more than the allowed "
                                  "+2.0 points; p < 0.001): ")
    assert inc.p_value < 0.001
    # +3 points on 1,000 journeys each is more than allowed but could be chance (p = 0.04 > 0.01)
    pay = r["max_share_increase[repeated:Pay]"]
    assert pay.status == "PASS" and pay.p_value == pytest.approx(0.04, abs=0.01)
    assert "more than the allowed +2.0 points; but within chance at 1,000 and 1,000 journeys, p = 0.0" in pay.message
    strict = K.run_checks(now, K.CheckConfig(checks={"max_share_increase": T(0.02)}, significance=0), BASE)
    assert by_name(strict)["max_share_increase[repeated:Pay]"].status == "FAIL"
    assert r["max_share_increase[skipped:Identity check]"].status == "PASS"
    assert r["max_share_increase[dropped_out:Bill]"].status == "PASS"  # gone: fell to 0
    ratio = r["max_share_ratio[unexpected:Call]"]
    assert ratio.status == "WARN" and ratio.value == pytest.approx(2.5)
    assert r["max_share_ratio[repeated:Pay]"].status == "PASS"
    # new: Chat (2%) and the app pattern (0 in the baseline); Fax is below the minimum share
    assert [x.item for x in K.run_checks(now, cfg, BASE) if x.kind == "new_deviations"] == [
        "chatted after failing in the app", "unexpected:Chat"]
    assert r["new_deviation[unexpected:Chat]"].message == "New since the baseline: Statement about unexpected:Chat (2.0%)."
    # accepted items are in no share or new-deviation check
    assert not [x for x in r.values() if x.item in ("repeated:Ship", "wrong_order:Ship")]
    assert "wrong_order:Ship" not in BASE["deviations"]
    assert K.exit_code(list(r.values())) == 1


def test_no_new_deviation_is_one_passing_check_and_unchanged_is_pass():
    now = conf(fitness=0.9, fitting=0.5, deviations=[dev("skipped:Identity check", 0.04), dev("repeated:Pay", 0.10),
                                                       dev("unexpected:Call", 0.02), dev("dropped_out:Bill", 0.01)],
               patterns=[pat(PORTAL, 0.05)])
    results = K.run_checks(now, K.CheckConfig(checks={"fail_on_new_deviations": T(True), "max_fitness_drop": T(0.0)}), BASE)
    assert [(x.name, x.status) for x in results] == [("max_fitness_drop", "PASS"), ("new_deviations", "PASS")]
    assert results[0].message == "Fitness is 0.9000, as in the baseline."


def test_default_baseline_checks_and_skip_without_baseline():
    now = conf(fitness=0.85, deviations=[dev("unexpected:Chat", 0.02)])
    kinds = {x.kind: x for x in K.run_checks(now, K.CheckConfig(), BASE)}
    assert set(kinds) == {"max_fitness_drop", "max_share_increase", "new_deviations"}
    assert kinds["max_fitness_drop"].status == "FAIL" and kinds["new_deviations"].status == "WARN"
    results = K.run_checks(now, K.CheckConfig(checks={"max_fitness_drop": T(0.02)}), None)
    assert [(x.name, x.status) for x in results] == [("max_fitness_drop", "SKIP")]
    assert K.exit_code(results) == 0


def test_order_is_fixed():
    c = conf(deviations=[dev("skipped:B", 0.01), dev("skipped:A", 0.02)])
    cfg = K.CheckConfig(checks={"fail_on_new_deviations": T(True), "max_share_increase": T(0.5), "min_fitness": T(0.5),
                                "max_fitness_drop": T(0.5)},
                        max_share={"skipped:B": T(0.5), "skipped:A": T(0.5)})
    names = [x.name for x in K.run_checks(c, cfg, BASE)]
    assert names[:4] == ["min_fitness", "max_share[skipped:A]", "max_share[skipped:B]", "max_fitness_drop"]
    increases = [n for n in names if n.startswith("max_share_increase")]
    assert increases == sorted(increases)
    assert names[-2:] == ["new_deviation[skipped:A]", "new_deviation[skipped:B]"]


# ------------------------------------------------------------------------------------------
# baseline files
# ------------------------------------------------------------------------------------------


def test_baseline_is_small_rounded_sorted_and_deterministic(tmp_path):
    c = conf(fitness=0.876729528162117, fitting=0.48187170746823677,
             deviations=[dev("unexpected:Z", 1 / 3), dev("skipped:A", 2 / 3), dev("repeated:M", 0.1, accepted=True)],
             patterns=[pat(PORTAL, 0.048032228075612), pat("came to the store after failing online", 0.0)])
    b = K.baseline_from(c)
    assert b == {"version": 1, "method": "alignments", "journeys": 1000, "fitness": 0.87673, "fitting_share": 0.481872,
                 "fitting_share_accepted": 0.481872, "precision": 0.95,
                 "deviations": {"skipped:A": 0.666667, "unexpected:Z": 0.333333},
                 "patterns": {PORTAL: 0.048032, "came to the store after failing online": 0.0}}
    reordered = dict(c, deviations=list(reversed(c["deviations"])), patterns=list(reversed(c["patterns"])))
    assert K.baseline_text(K.baseline_from(reordered)) == K.baseline_text(b)
    text = K.baseline_text(b)
    assert text.endswith("}\n") and text.splitlines()[1] == '  "deviations": {'
    K.write_baseline(c, tmp_path / "b.json")
    assert (tmp_path / "b.json").read_text() == text
    assert K.read_baseline(tmp_path / "b.json") == b


@pytest.mark.parametrize("content, fragment", [
    ("{not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"version": 2}', "unsupported baseline version"),
    ('{"version": 1, "journeys": 10, "fitness": NaN}', "NaN"),
    ('{"version": 1, "journeys": 10, "fitness": 0.9, "fitting_share": 0.5, "fitting_share_accepted": 0.5, "precision": null, '
     '"deviations": {"skipped:A": 1.5}, "patterns": {}}', "between 0 and 1"),
    ('{"version": 1, "journeys": 10, "fitness": 0.9, "fitting_share": 0.5, "precision": null, '
     '"deviations": {}, "patterns": {}}', "fitting_share_accepted"),
    ('{"version": 1, "journeys": -1}', "journeys"),
    ('{"version": 1, "journeys": 10, "fitness": 0.9, "fitting_share": 0.5, "fitting_share_accepted": 0.5, "precision": null, '
     '"deviations": [], "patterns": {}}', "deviations"),
])
def test_malformed_baselines_are_invalid_input(tmp_path, content, fragment):
    path = tmp_path / "baseline.json"
    path.write_text(content)
    with pytest.raises(InvalidInput) as exc:
        K.read_baseline(path)
    assert exc.value.code == 3 and fragment in exc.value.one_line() and str(path) in exc.value.one_line()


def test_missing_baseline_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        K.read_baseline(tmp_path / "nope.json")


# ------------------------------------------------------------------------------------------
# journeylog.yaml and the command line
# ------------------------------------------------------------------------------------------

CONFIG = """\
# thresholds for the nightly check
model: design.ptree
allow: allow.yaml
baseline: ci/baseline.json
checks:
  min_fitness: 0.85
  min_fitting_share: {value: 0.45, severity: warn}
  max_share:
    "skipped:Identity check": 0.05
    called after failing on the portal: {value: 8%, severity: warn}
  max_fitness_drop: 0.02
  fail_on_new_deviations: {value: true, severity: warn}
  new_deviation_min_share: 0.005
  significance: 0.001
drift: {window: 2w, alpha: 0.001}
"""


def test_load_config(tmp_path):
    path = tmp_path / "journeylog.yaml"
    path.write_text(CONFIG.replace("8%", "0.08"))
    cfg = K.load_config(path)
    assert cfg.model == str(tmp_path / "design.ptree") and cfg.allow == str(tmp_path / "allow.yaml")
    assert cfg.baseline == str(tmp_path / "ci" / "baseline.json") and cfg.rules is None
    assert cfg.checks["min_fitness"] == K.Threshold(0.85, "error", str(path))
    assert cfg.checks["min_fitting_share"].severity == "warn"
    assert cfg.checks["fail_on_new_deviations"] == K.Threshold(True, "warn", str(path))
    assert cfg.max_share == {"skipped:Identity check": K.Threshold(0.05, "error", str(path)),
                             PORTAL: K.Threshold(0.08, "warn", str(path))}
    assert cfg.new_deviation_min_share == 0.005 and cfg.drift == {"window": "2w", "alpha": 0.001}
    assert cfg.significance == 0.001 and K.CheckConfig().significance == 0.01
    (tmp_path / "empty.yaml").write_text("")
    assert K.load_config(tmp_path / "empty.yaml").checks == {}


@pytest.mark.parametrize("text, row, fragment", [
    ("checks:\n  min_fitness: [0.8\n", 3, "invalid YAML"),
    ("checks:\n  min_fitnes: 0.8\n", 2, "did you mean 'min_fitness'"),
    ("checks:\n  min_fitness: {value: 0.8, severity: fatal}\n", 2, "severity must be error or warn"),
    ("checks:\n  min_fitness: 1.2\n", 2, "between 0 and 1"),
    ("checks:\n  min_fitness: high\n", 2, "must be a number"),
    ("checks:\n  fail_on_new_deviations: 1\n", 2, "true or false"),
    ("checks:\n  max_share_ratio: 0.5\n", 2, "at least 1"),
    ("checks:\n  min_fitness: {severity: warn}\n", 2, "needs a value"),
    ("model: 3\n", 1, "must be a file path"),
    ("thresholds: {}\n", 1, "unknown key"),
    ("- a list\n", 1, "must be a mapping"),
    ("drift: {window: fortnight}\n", 1, "drift.window"),
    ("drift: {alpha: 0}\n", 1, "drift.alpha"),
    ("checks:\n  significance: 0.5\n", 2, "below 0.5"),
])
def test_malformed_config_is_invalid_input_with_its_line(tmp_path, text, row, fragment):
    path = tmp_path / "journeylog.yaml"
    path.write_text(text)
    with pytest.raises(InvalidInput) as exc:
        K.load_config(path)
    assert exc.value.code == 3 and exc.value.row == row and fragment in exc.value.one_line()


def test_find_config(tmp_path, monkeypatch):
    logs, work = tmp_path / "logs", tmp_path / "work"
    logs.mkdir()
    work.mkdir()
    monkeypatch.chdir(work)
    assert K.find_config(logs / "x.parquet") is None
    (work / "journeylog.yaml").write_text("{}")
    assert K.find_config(logs / "x.parquet") == work / "journeylog.yaml"
    (logs / "journeylog.yaml").write_text("{}")
    assert K.find_config(logs / "x.parquet") == logs / "journeylog.yaml"
    assert K.find_config(logs / "x.parquet", "other.yaml") == Path("other.yaml")


def test_overrides_keep_severity_and_validate():
    base = K.CheckConfig(checks={"min_fitness": T(0.8, "warn", "f.yaml")}, max_share={"skipped:A": T(0.1, "warn", "f.yaml")})
    cfg = K.with_overrides(base, thresholds={"min_fitness": 0.9, "min_fitting_share": None, "max_share_increase": 0.03},
                           max_share={"skipped:A": 0.05, "skipped:B": 0.02}, warn=["max-share-increase"])
    assert cfg.checks["min_fitness"] == T(0.9, "warn", None)
    assert "min_fitting_share" not in cfg.checks
    assert cfg.checks["max_share_increase"] == T(0.03, "warn", None)
    assert cfg.max_share == {"skipped:A": T(0.05, "warn", None), "skipped:B": T(0.02, "error", None)}
    assert K.with_overrides(cfg, warn=["max_share"]).max_share["skipped:B"].severity == "warn"
    assert K.with_overrides(cfg, significance=0).significance == 0
    with pytest.raises(UsageError):
        K.with_overrides(cfg, significance=0.7)
    with pytest.raises(UsageError):
        K.with_overrides(base, thresholds={"min_fitness": 1.5})
    with pytest.raises(UsageError) as exc:
        K.with_overrides(base, warn=["min_fitnes"])
    assert "min_fitness" in exc.value.hint
    with pytest.raises(UsageError):
        K.with_overrides(base, warn=["min_precision"])  # not configured
    assert K.parse_max_share(["a=b:c=0.05", "x=5%"]) == {"a=b:c": 0.05, "x": 0.05}
    for bad in (["0.05"], ["=0.05"], ["x=lots"], ["x=nan"]):
        with pytest.raises(UsageError):
            K.parse_max_share(bad)


# ------------------------------------------------------------------------------------------
# JUnit and GitHub annotations
# ------------------------------------------------------------------------------------------

NASTY = 'unexpected:<b>"Fax" & \'co\'</b>]]>\x07'


def test_junit_parses_back_with_junitparser(tmp_path):
    from journeylog.render.junit import write_junit

    c = conf(fitness=0.8, deviations=[dev(NASTY, 0.2), dev("skipped:A", 0.01)])
    cfg = K.CheckConfig(checks={"min_fitness": T(0.85), "min_fitting_share": T(0.6, "warn"), "min_precision": T(0.9)},
                        max_share={NASTY: T(0.1), "skipped:A": T(0.05)})
    results = K.run_checks(dict(c, precision=None), cfg)
    write_junit(tmp_path / "checks.xml", results, properties={"log": "log <1>.csv", "journeys": 1000}, seconds=1.5)
    xml = JUnitXml.fromfile(str(tmp_path / "checks.xml"))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 2, 0, 1)
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (5, 2, 0, 1)
    cases = {case.name: case for case in suite}
    assert set(cases) == {r.name.replace("\x07", "\ufffd") for r in results}  # XML 1.0 cannot carry BEL
    bad = cases["max_share[unexpected:<b>\"Fax\" & 'co'</b>]]>\ufffd]"]
    assert isinstance(bad.result[0], Failure) and bad.result[0].message.startswith("Above the maximum of 10.0%")
    assert cases["min_fitness"].result[0].message == "Fitness is 0.8000, below the minimum of 0.8500."
    assert cases["min_fitness"].classname == "journeylog.check.min_fitness"
    assert isinstance(cases["min_precision"].result[0], Skipped)
    warn = cases["min_fitting_share"]
    assert warn.is_passed and warn.system_out.startswith("WARN min_fitting_share")
    assert cases["max_share[skipped:A]"].is_passed
    props = {p.name: p.value for p in suite.properties()}
    assert props == {"log": "log <1>.csv", "journeys": "1000"}


def test_junit_for_a_run_that_could_not_check(tmp_path):
    from journeylog.render.junit import write_junit

    write_junit(tmp_path / "e.xml", [], error="log.csv:3:timestamp: does not parse")
    suite = list(JUnitXml.fromfile(str(tmp_path / "e.xml")))[0]
    assert (suite.tests, suite.errors, suite.failures) == (1, 1, 0)
    case = list(suite)[0]
    assert isinstance(case.result[0], Error) and case.result[0].message == "log.csv:3:timestamp: does not parse"


def test_github_annotations():
    results = [K.CheckResult("max_share[a:b, c]", "max_share", "error", "FAIL", 0.2, 0.1, "Up 100%\nnow"),
               K.CheckResult("min_fitness", "min_fitness", "warn", "WARN", 0.8, 0.9, "Low."),
               K.CheckResult("min_precision", "min_precision", "error", "PASS", 0.9, 0.8, "Fine.")]
    assert check_annotations(results) == [
        "::error title=journeylog check max_share[a%3Ab%2C c]::Up 100%25%0Anow",
        "::warning title=journeylog check min_fitness::Low.",
    ]


# ------------------------------------------------------------------------------------------
# the command: exit codes for every outcome
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("check")
    (folder / "design.ptree").write_text(PTREE + "\n")
    make_log(n=1500, weeks=8, seed=31).write_parquet(folder / "monday.parquet")
    make_log(n=1500, weeks=8, seed=32).write_parquet(folder / "tuesday.parquet")
    # the failure that makes customers call doubles (and a little more)
    make_log(n=1500, weeks=8, seed=33, drift_at=T0, fail_after=0.15).write_parquet(folder / "drifted.parquet")
    return folder


def test_command_pass_and_fail_with_junit_and_json(logs, run_main):
    code, out, err = run_main("check", "monday.parquet", "-m", "design.ptree", "--min-fitness", "0.9",
                         "--max-share", f"{PORTAL}=0.1", "--junit", "ok.xml", "--json", "ok.json",
                         cwd=logs)
    assert code == 0, err
    assert "PASS  min_fitness" in err and f"PASS  max_share[{PORTAL}]" in err
    assert "PASS  min_label_overlap" in err  # on by default
    assert "journeylog check: 3 passed, 0 warnings, 0 failed" in err
    suite = list(JUnitXml.fromfile(str(logs / "ok.xml")))[0]
    assert (suite.tests, suite.failures) == (3, 0)
    data = json.loads((logs / "ok.json").read_text())
    assert data["status"] == "pass" and data["exit_code"] == 0
    assert [c["status"] for c in data["checks"]] == ["PASS", "PASS", "PASS"]

    code, out, err = run_main("check", "monday.parquet", "-m", "design.ptree", "--min-fitness", "0.99",
                         "--max-share", f"{PORTAL}=0.03", "--min-fitting-share", "0.95", "--warn", "min_fitting_share",
                         "--junit", "fail.xml", "--json", "-", cwd=logs,
                         env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    data = json.loads(out)  # JSON on stdout stays parseable: the annotations go to stderr then
    assert data["status"] == "fail" and data["summary"] == {"checks": 4, "passed": 1, "warnings": 1, "failed": 2, "skipped": 0}
    assert "::error title=journeylog check min_fitness::Fitness is " in err
    assert "::warning title=journeylog check min_fitting_share::" in err
    suite = list(JUnitXml.fromfile(str(logs / "fail.xml")))[0]
    assert (suite.tests, suite.failures) == (4, 2)  # min_label_overlap passes
    failed = sorted(case.name for case in suite if not case.is_passed)
    assert failed == ["max_share[called after failing on the portal]", "min_fitness"]


def test_command_annotations_on_stdout(logs, run_main):
    code, out, err = run_main("check", "monday.parquet", "-m", "design.ptree", "--min-fitness", "0.99", "--no-precision",
                         cwd=logs, env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    assert out.startswith("::error title=journeylog check min_fitness::Fitness is 0.9")


def test_baseline_workflow(logs, run_main):
    """Write a baseline (deterministic), commit it, check the next days against it."""
    code, _out, err = run_main("check", "monday.parquet", "-m", "design.ptree", "--write-baseline", "baseline.json",
                          cwd=logs)
    assert code == 0 and "baseline written to baseline.json" in err
    first = (logs / "baseline.json").read_bytes()
    run_main("check", "monday.parquet", "-m", "design.ptree", "--write-baseline", "baseline.json",
        cwd=logs)
    assert (logs / "baseline.json").read_bytes() == first
    baseline = json.loads(first)
    assert set(baseline) == {"version", "method", "journeys", "fitness", "fitting_share", "fitting_share_accepted",
                             "precision", "deviations", "patterns"}
    assert baseline["journeys"] == 1500 and PORTAL in baseline["patterns"]

    args = ("--baseline", "baseline.json", "--max-fitness-drop", "0.02", "--max-share-increase", "0.03",
            "--fail-on-new-deviations", "--junit", "nightly.xml")
    code, _out, err = run_main("check", "tuesday.parquet", "-m", "design.ptree", *args,
                          cwd=logs)
    assert code == 0, err
    code, _out, err = run_main("check", "drifted.parquet", "-m", "design.ptree", *args,
                          cwd=logs)
    assert code == 1
    assert f"FAIL  max_share_increase[{PORTAL}]" in err
    suite = list(JUnitXml.fromfile(str(logs / "nightly.xml")))[0]
    failed = {case.name: case.result[0].message for case in suite if not case.is_passed}
    assert f"max_share_increase[{PORTAL}]" in failed
    assert failed[f"max_share_increase[{PORTAL}]"].startswith("Rose from ")
    assert all(name.startswith(("max_share_increase[", "max_fitness_drop")) for name in failed)


def test_journeylog_yaml_next_to_the_log(logs, run_main, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    (folder / "yesterday.parquet").write_bytes((logs / "monday.parquet").read_bytes())
    (folder / "design.ptree").write_text(PTREE + "\n")
    (folder / "journeylog.yaml").write_text(
        "model: design.ptree\nchecks:\n  min_fitness: {value: 0.99, severity: warn}\n"
        f"  max_share:\n    {PORTAL}: 0.2\n")
    code, _out, err = run_main("check", str(folder / "yesterday.parquet"), cwd=tmp_path)
    assert code == 0, err  # the fitness check is only a warning
    assert "WARN  min_fitness" in err and "configuration: " in err
    code, _out, err = run_main("check", str(folder / "yesterday.parquet"), "--max-share", f"{PORTAL}=0.01",
                          cwd=tmp_path)
    assert code == 1  # the command line overrides the file
    code, _out, err = run_main("check", str(folder / "yesterday.parquet"), "--no-config",
                          cwd=tmp_path)
    assert code == 2 and "no designed model" in err


def test_usage_and_invalid_input_exit_codes(logs, run_main, tmp_path):
    base = ("check", str(logs / "monday.parquet"), "-m", str(logs / "design.ptree"))
    run = lambda *a, **kw: run_main(*a, cwd=tmp_path, **kw)  # noqa: E731
    code, _o, err = run(*base)
    assert code == 2 and "nothing to check" in err
    assert run(*base, "--min-fitness", "1.5")[0] == 2
    assert run(*base, "--max-share", "skipped:Identity check")[0] == 2
    code, _o, err = run(*base, "--max-share", "skiped Identity check=0.1")
    assert code == 2 and "neither a deviation id" in err
    assert run(*base, "--max-fitness-drop", "0.02")[0] == 2  # needs a baseline
    assert run(*base, "--baseline", str(tmp_path / "missing.json"))[0] == 2
    (tmp_path / "bad.json").write_text('{"version": 1, "journeys": 3}')
    code, _o, err = run(*base, "--baseline", str(tmp_path / "bad.json"), "--junit", str(tmp_path / "err.xml"))
    assert code == 3 and "bad.json" in err
    suite = list(JUnitXml.fromfile(str(tmp_path / "err.xml")))[0]
    assert suite.errors == 1  # CI still gets a report saying why nothing was checked
    (tmp_path / "journeylog.yaml").write_text("checks:\n  min_fitness: {value: 0.8, severity: fatal}\n")
    code, _o, err = run(*base, "--config", str(tmp_path / "journeylog.yaml"))
    assert code == 3 and "journeylog.yaml:2" in err
    assert run(*base, "--no-config", "--min-fitness", "0.5", "--baseline", "https://example.com/b.json")[0] == 5
    missing = ("check", str(tmp_path / "nope.parquet"), "-m", str(logs / "design.ptree"))
    assert run(*missing, "--no-config", "--min-fitness", "0.5")[0] == 2


def test_ci_like_script_reads_exit_codes_and_junit(logs, tmp_path):
    """What a CI job does: run the installed command, read its exit code and the JUnit file."""
    results = {}
    for name, threshold in (("green", "0.5"), ("red", "0.999")):
        junit = tmp_path / f"{name}.xml"
        proc = run_cli("check", str(logs / "monday.parquet"), "-m", str(logs / "design.ptree"), "--min-fitness", threshold,
                       "--junit", str(junit), "--no-precision", cwd=tmp_path, clean=True, timeout=120)
        suite = list(JUnitXml.fromfile(str(junit)))[0]
        results[name] = (proc.returncode, suite.tests, suite.failures)
    # min_label_overlap runs too (on by default)
    assert results == {"green": (0, 2, 0), "red": (1, 2, 1)}


def test_max_share_naming_an_activity_in_neither_model_nor_log_is_an_error():
    """``--max-share 'skipped:Identity chek=0.05'`` would pass for ever: a usage error with a did-you-mean."""
    known = ["Identity check", "Place order", "Call: identity check help"]
    cfg = K.CheckConfig(max_share={"skipped:Identity chek": T(0.05)})
    with pytest.raises(UsageError) as exc:
        K.check_max_share_names(cfg, known)
    assert exc.value.code == 2 and "'skipped:Identity check'" in (exc.value.hint or "")
    with pytest.raises(UsageError):
        K.run_checks(conf(), cfg, activities=known)
    # known activities, drop-out ids naming a stage of several, patterns and unknown kinds are not this check
    ok = K.CheckConfig(max_share={"unexpected:Place order": T(0.01), "dropped_out:Identity check | Place order": T(0.1)})
    K.check_max_share_names(ok, known)
    assert [r.status for r in K.run_checks(conf(), ok, activities=known)] == ["PASS", "PASS"]
    with pytest.raises(InvalidInput) as exc:  # from journeylog.yaml: invalid input at its origin
        K.check_max_share_names(K.CheckConfig(max_share={"repeated:Fax": T(0.1, origin="journeylog.yaml")}), known)
    assert exc.value.path == "journeylog.yaml"
    # a stage is its steps joined by " | " (conform's ids): written otherwise, or with one step
    # misspelt, it could never occur (it used to pass: one known step mentioned was enough)
    for stage in ("Place order|Identity check", "Identity chek | Place order"):
        with pytest.raises(UsageError) as exc:
            K.check_max_share_names(K.CheckConfig(max_share={f"dropped_out:{stage}": T(0.1)}), known)
        assert "'dropped_out:Identity check | Place order'" in (exc.value.hint or ""), exc.value.hint


def test_check_command_refuses_a_misspelt_activity(tmp_path):
    log = tmp_path / "log.parquet"
    make_log(n=200, weeks=4, seed=5).write_parquet(log)
    (tmp_path / "design.ptree").write_text(PTREE + "\n")
    r = run_cli("check", str(log), "-m", str(tmp_path / "design.ptree"), "--no-config", "--no-precision",
                "--max-share", "skipped:Identity chek=0.05")
    assert r.returncode == 2
    assert "in neither the model nor the log" in r.stderr and "did you mean 'skipped:Identity check'" in r.stderr
