"""journeylog.errors: the exit-code contract (the numbers CI scripts rely on), the error types'
codes and the one-line error format."""

from __future__ import annotations

import pytest

from journeylog import errors as E
from journeylog.errors import ExitCode, InvalidInput, JourneylogError, ResourceLimit, UnsafeInput, UsageError


def test_exit_codes_are_the_documented_numbers():
    # the contract written in README "Exit codes" and docs/ci.md: never renumber
    assert {c.name: int(c) for c in ExitCode} == {"OK": 0, "CHECK_FAILED": 1, "USAGE": 2, "INVALID_INPUT": 3,
                                                  "RESOURCE_LIMIT": 4, "UNSAFE_INPUT": 5, "INTERNAL_ERROR": 70}
    assert tuple(ExitCode) == (E.OK, E.CHECK_FAILED, E.USAGE, E.INVALID_INPUT, E.RESOURCE_LIMIT, E.UNSAFE_INPUT, E.INTERNAL_ERROR)
    assert {int(c): c.description for c in ExitCode} == E.EXIT_CODES
    assert all(c.description and "\n" not in c.description for c in ExitCode)


def test_exit_code_table_is_markdown_in_code_order():
    lines = E.exit_code_table().splitlines()
    assert lines[:2] == ["| code | meaning |", "|---:|---|"]
    assert [int(line.split("|")[1]) for line in lines[2:]] == [0, 1, 2, 3, 4, 5, 70]


@pytest.mark.parametrize(("cls", "code"), [(UsageError, 2), (InvalidInput, 3), (ResourceLimit, 4), (UnsafeInput, 5),
                                           (JourneylogError, 3)])
def test_each_error_type_has_its_code(cls, code):
    err = cls("bad")
    assert err.code == code and isinstance(err, JourneylogError) and isinstance(err, Exception)


def test_code_can_be_given():
    assert UsageError("x", code=ExitCode.RESOURCE_LIMIT).code == 4


@pytest.mark.parametrize(("kw", "line"), [
    ({}, "bad value"),
    ({"path": "a.csv"}, "a.csv: bad value"),
    ({"path": "a.csv", "row": 3}, "a.csv:3: bad value"),
    ({"path": "a.csv", "row": 3, "column": "ts"}, "a.csv:3:ts: bad value"),
    ({"path": "a.csv", "column": 7}, "a.csv:7: bad value"),
    ({"path": "", "row": 0}, "0: bad value"),  # an empty path is left out, row 0 is kept
    ({"hint": "try --x"}, "bad value (hint: try --x)"),
])
def test_one_line_format(kw, line):
    err = InvalidInput("bad value", **kw)
    assert err.one_line() == str(err) == line


def test_one_line_is_one_line():
    err = InvalidInput("two\nlines", path="f.yaml", hint="a\nhint")
    assert err.one_line() == "f.yaml: two lines (hint: a hint)"
    assert "\n" not in str(err)


def test_errors_raise_and_compare_like_exceptions():
    with pytest.raises(JourneylogError, match=r"^m.xml:2: DOCTYPE refused$") as info:
        raise UnsafeInput("DOCTYPE refused", path="m.xml", row=2)
    assert info.value.args == ("m.xml:2: DOCTYPE refused",)
    assert info.value.more is None
