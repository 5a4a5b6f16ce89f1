"""The report's data (journeylog.report): each contract equals what its own command computes,
drift only when the log spans several windows, and saved --json files recognised by content."""

from __future__ import annotations

import json

import pytest

from factories import make_log, write_file, write_model
from journeylog import conform as C
from journeylog import discover as D
from journeylog import drift as R
from journeylog.errors import InvalidInput, UsageError
from journeylog.render.json import dumps
from journeylog.report import DETECTORS, ReportOptions, contracts_from_files, kind_of, report


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from journeylog.models import load_model

    return load_model(write_model(tmp_path_factory.mktemp("model")))


@pytest.fixture(scope="module")
def log():
    return make_log(n=400, weeks=6, seed=3)


LEFT_OUT: list[str] = []


@pytest.fixture(scope="module")
def contracts(log, model):
    return report(log, model, ReportOptions(variants=5), omitted=LEFT_OUT)


def test_each_contract_is_its_commands_json(contracts, log, model):
    """The oracle: the analyses run one by one, as the commands run them (the log has no
    satisfaction score: emotion is left out, with a sentence saying why)."""
    from journeylog.cx.contacts import contacts as contacts_alone
    from journeylog.cx.funnel import funnel as funnel_alone

    assert list(contracts) == ["discover", "conform", "drift", "contacts", "funnel"]
    assert dumps(contracts["contacts"]) == dumps(contacts_alone(log, model).to_json())
    assert dumps(contracts["funnel"]) == dumps(funnel_alone(log, model).to_json())
    assert len(LEFT_OUT) == 1 and LEFT_OUT[0].startswith("emotion left out: the log has no")
    assert dumps(contracts["discover"]) == dumps(D.to_json(D.discover(log, D.DiscoverOptions()), variants=5))
    alone = C.conform(log, model, C.ConformOptions())
    assert dumps(contracts["conform"]) == dumps(C.to_json(alone))
    drift_alone = R.to_json(R.drift(log, model, C.ConformOptions(precision=False), R.DriftOptions()))
    assert dumps(contracts["drift"]) == dumps(drift_alone)


def test_variants_option_cuts_the_list(contracts, log):
    full = D.to_json(D.discover(log, D.DiscoverOptions()))
    assert len(full["variants"]) > 5
    assert contracts["discover"]["variants"] == full["variants"][:5]


def test_no_drift_within_one_window(model):
    short = make_log(n=60, weeks=1, seed=4)
    weeks = short["timestamp"].dt.truncate("1w").n_unique()
    out = report(short, model, ReportOptions(drift_options=R.DriftOptions(window="1q"), contacts=False, funnel=False,
                                             emotion=False))
    assert weeks >= 1 and "drift" not in out and set(out) == {"discover", "conform"}


def test_drift_can_be_left_out(log, model):
    assert "drift" not in report(log, model, ReportOptions(drift=False))


def test_bad_variants_names_the_parameter(log, model):
    with pytest.raises(UsageError, match="variants"):
        report(log, model, ReportOptions(variants=0))


def test_kind_of_each_saved_output(contracts):
    for name, doc in contracts.items():
        assert kind_of(json.loads(dumps(doc))) == name
    assert kind_of({"events": 1, "sources": []}) is None


def test_contracts_from_files_any_order(tmp_path, contracts):
    paths = [str(write_file(tmp_path, f"{name}.json", dumps(doc))) for name, doc in reversed(list(contracts.items()))]
    got = contracts_from_files(paths)
    assert list(got) == [n for n in DETECTORS if n in contracts]
    assert {k: dumps(v) for k, v in got.items()} == {k: dumps(v) for k, v in contracts.items()}


@pytest.mark.parametrize(("text", "line", "col"), [('{"a": 1,\n  "b": }', 2, 8), ("", 1, 1), ('{"a": 1}\nx', 2, 1)])
def test_invalid_json_is_located(tmp_path, text, line, col):
    path = write_file(tmp_path, "bad.json", text)
    with pytest.raises(InvalidInput) as exc:
        contracts_from_files([str(path)])
    assert exc.value.one_line().startswith(f"{path}:{line}:{col}: not valid JSON")


def test_unknown_and_twice_the_same_kind(tmp_path, contracts):
    other = write_file(tmp_path, "ingest.json", '{"events": 3, "sources": []}')
    with pytest.raises(InvalidInput, match="not a journeylog --json output"):
        contracts_from_files([str(other)])
    a = write_file(tmp_path, "a.json", dumps(contracts["conform"]))
    b = write_file(tmp_path, "b.json", dumps(contracts["conform"]))
    with pytest.raises(InvalidInput, match=r"a second conform output \(the first is .*a.json\)"):
        contracts_from_files([str(a), str(b)])


def test_not_utf8(tmp_path):
    path = write_file(tmp_path, "x.json", b'{"a": "\xff"}')
    with pytest.raises(InvalidInput, match="not UTF-8"):
        contracts_from_files([str(path)])
