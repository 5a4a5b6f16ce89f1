"""The threshold and baseline options of ``journeylog check``, generated from the check registry.

:func:`with_check_options` adds one option per entry of
:func:`journeylog.config.checks.option_specs` (read when the command is defined) to a command,
so a check added to the registry gets its flag (as well as its journeylog.yaml key and its docs
row) with no other edit.
"""

# No ``from __future__ import annotations`` here: Typer reads the annotations at runtime.

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from journeylog.config import checks as registry
from journeylog.config.checks import BASELINE_PANEL, NEW_DEVIATIONS_PANEL, OptionSpec

#: The parameter a command declares where the generated options go; it receives their values.
PLACEHOLDER = "thresholds"
#: Options of these panels go right after the command's own parameter named here (the option
#: that opens the panel in the help); options of any other panel go where the placeholder is.
PANEL_AFTER: dict[str, str] = {BASELINE_PANEL: "baseline", NEW_DEVIATIONS_PANEL: "baseline"}

_TYPES: dict[str, Any] = {"float": float | None, "bool": bool | None, "list[str]": list[str] | None}


#: prefix of the parameter that carries a yes/no option's "--no-" form
NEGATIVE = "no_"


def check_parameters(spec: OptionSpec) -> list[inspect.Parameter]:
    """The keyword parameters (annotations carrying the Typer options) of one registry option.

    A yes/no option (``--x/--no-x``) becomes two flags, ``--x`` and ``--no-x``, each with its own
    row in the help, so neither is cut on a narrow terminal; :func:`with_check_options` turns them
    back into one value (True, False, or None when neither is given)."""
    if spec.type == "bool" and "/" in spec.decl:
        yes, no = spec.decl.split("/", 1)
        return [
            inspect.Parameter(spec.param, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
                bool, typer.Option(yes, help=spec.help, rich_help_panel=spec.panel, show_default=False)]),
            inspect.Parameter(NEGATIVE + spec.param, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
                bool, typer.Option(no, help=f"Turn {yes} off, also when journeylog.yaml turns it on.", rich_help_panel=spec.panel,
                                   show_default=False)]),
        ]
    option = typer.Option(spec.decl, help=spec.help, rich_help_panel=spec.panel, show_default=False)
    return [inspect.Parameter(spec.param, inspect.Parameter.KEYWORD_ONLY, default=None,
                              annotation=Annotated[_TYPES[spec.type], option])]


def _value(spec: OptionSpec, kwargs: dict[str, Any]) -> Any:
    """One registry option's value from the command's keyword arguments (both flags of a yes/no option)."""
    value = kwargs.pop(spec.param)
    if NEGATIVE + spec.param not in kwargs:
        return value
    negative = kwargs.pop(NEGATIVE + spec.param)
    yes, no = spec.decl.split("/", 1)
    if value and negative:
        raise typer.BadParameter(f"{yes} and {no} exclude each other", param_hint=yes)
    return True if value else (False if negative else None)


def _place(params: list[inspect.Parameter], specs: list[OptionSpec]) -> list[inspect.Parameter]:
    names = [p.name for p in params]
    if PLACEHOLDER not in names:
        raise TypeError(f"with_check_options needs a {PLACEHOLDER!r} parameter")
    after: dict[str, list[inspect.Parameter]] = {PLACEHOLDER: []}
    for spec in specs:
        anchor = PANEL_AFTER.get(spec.panel, PLACEHOLDER)
        after.setdefault(anchor if anchor in names else PLACEHOLDER, []).extend(check_parameters(spec))
    out: list[inspect.Parameter] = []
    for p in params:
        if p.name != PLACEHOLDER:
            out.append(p)
        out += after.get(p.name, [])
    return out


def with_check_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add one option per registry entry to a command that declares a ``thresholds`` parameter.

    The options replace ``thresholds`` in the signature (Baseline-panel options follow the
    command's ``baseline`` parameter, so ``--baseline`` opens that panel); the command receives
    their values as one mapping ``thresholds: {name: value or None}``."""
    sig = inspect.signature(func)
    specs = registry.option_specs()
    params = _place(list(sig.parameters.values()), specs)
    # The generated parameters are keyword-only; so must be every parameter that follows them.
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        kwargs[PLACEHOLDER] = {spec.param: _value(spec, kwargs) for spec in specs}
        return func(**kwargs)

    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


def check_overrides(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`journeylog.check.with_overrides` for the option values.

    >>> check_overrides({"min_fitness": 0.8, "max_share": ["unexpected:Call=5%"], "significance": None})
    {'thresholds': {'min_fitness': 0.8}, 'max_share': {'unexpected:Call': 0.05}, 'significance': None}
    """
    from journeylog.config.project import parse_max_share

    out: dict[str, Any] = {"thresholds": {}}
    for c in registry.CHECKS:
        if c.name not in values:
            continue
        if c.kind == "share_map":
            out[c.name] = parse_max_share(values[c.name] or [])
        else:
            out["thresholds"][c.name] = values[c.name]
    out.update({s.name: values[s.name] for s in registry.SETTINGS if s.name in values})
    return out
