"""The one registry of ``journeylog check``'s checks: name, YAML key, command-line flag, kind,
severity, baseline default, help text and documentation, declared once.

It feeds the journeylog.yaml validation (:data:`YAML_CHECK_KEYS`, with did-you-mean), the check
table in docs/ci.md and in :mod:`journeylog.check` (:func:`docs_table`; docs/generate.py writes
the ``checks-table`` block of docs/ci.md and a test fails when it drifts) and the command line
(:func:`option_specs`; ``journeylog.cli.check_options`` adds them to ``journeylog check``).

>>> [c.name for c in CHECKS if c.baseline][:2]
['max_fitness_drop', 'max_fitting_share_drop']
>>> spec("min_fitness").flag, spec("fail_on_new_deviations").kind
('--min-fitness', 'bool')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CheckSpec", "OptionSpec", "CHECKS", "SETTINGS", "ALL_CHECKS", "SCALAR_CHECKS", "BASELINE_CHECKS",
    "DEFAULT_BASELINE_CHECKS", "DEFAULT_MIN_LABEL_OVERLAP", "DEFAULT_ON_CHECKS",
    "YAML_CHECK_KEYS", "ERROR", "WARNING", "SEVERITIES", "KINDS",
    "THRESHOLDS_PANEL", "BASELINE_PANEL", "NEW_DEVIATIONS_PANEL", "spec", "docs_table", "option_specs",
]

ERROR, WARNING = "error", "warn"
SEVERITIES = (ERROR, WARNING)
#: min: value >= threshold; max: value <= threshold; bool: on or off; share_map: NAME -> share;
#: setting: a number that tunes other checks (not a check of its own).
KINDS = ("min", "max", "bool", "share_map", "setting")
#: Under this share of the log's events carrying a model task label, the model does not belong
#: to the log (:func:`journeylog.models.label_overlap`; the ``min_label_overlap`` check).
DEFAULT_MIN_LABEL_OVERLAP = 0.5
THRESHOLDS_PANEL = "Thresholds (override journeylog.yaml)"
BASELINE_PANEL = "Baseline"
#: its own panel: the only on/off option (its --no- form needs a column of its own in the help)
NEW_DEVIATIONS_PANEL = "Baseline: new deviations"


@dataclass(frozen=True)
class CheckSpec:
    """One check (or check setting). ``name`` is the YAML key under ``checks:`` and the check's
    name in reports; ``flag`` its command-line option; ``example`` the option as docs show it;
    ``holds`` when it passes (Markdown, for the docs); ``default``: the (value, severity) used when
    a baseline is given but no baseline check is configured; ``on_by_default``: the value used
    when the check is not configured at all (0 turns such a check off)."""

    name: str
    flag: str
    kind: str
    help: str
    holds: str
    example: str
    panel: str = THRESHOLDS_PANEL
    baseline: bool = False
    severity: str = ERROR
    default: tuple[float | bool, str] | None = None
    on_by_default: float | None = None

    @property
    def yaml_key(self) -> str:
        """The key under ``checks:`` in journeylog.yaml."""
        return self.name


@dataclass(frozen=True)
class OptionSpec:
    """A command-line option of ``journeylog check``: the parameter name, the option declaration
    (``--x`` or ``--x/--no-x``), its value type (``float``, ``bool``, ``list[str]``), help and panel."""

    param: str
    decl: str
    type: str
    help: str
    panel: str


_SHARE_NAMES = ("NAME is a deviation id (`kind:activity`, as in `conform --json`: `skipped:Identity check`, "
                "`unexpected:Call: appointment`, `repeated:...`, `wrong_order:...`, `dropped_out:Identity check`, at a choice "
                "`dropped_out:Release A | Release B`) or a pattern "
                "name or id (`called after failing on the portal`, `web-failure-then-phone`). A deviation id that "
                "does not occur passes with 0%; one naming an activity in neither the model nor the log (a drop-out "
                "stage: each of its steps, joined by ` | `), or a name that is neither, is an error with a suggestion")

CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("min_label_overlap", "--min-label-overlap", "min",
              "Fail when under this share of the log's events carry a model task label: the model does not "
              "belong to the log (default 0.5; 0 = off).",
              "the share of the log's events whose activity is a task label of the model >= value. **On by "
              "default at 0.5** (`0` turns it off): under it the model does not belong to the log, and every "
              "other check is skipped rather than reporting its mismatch as drop-outs and extra steps",
              "--min-label-overlap 0.5", on_by_default=DEFAULT_MIN_LABEL_OVERLAP),
    CheckSpec("min_fitness", "--min-fitness", "min", "Fail when alignment fitness is below this (0..1).",
              "alignment fitness (pm4py's `log_fitness`) >= value", "--min-fitness 0.85"),
    CheckSpec("min_fitting_share", "--min-fitting-share", "min",
              "Fail when fewer journeys fit (accepted deviations ignored), e.g. 0.45.",
              "share of journeys that fit the design >= value; **accepted deviations are ignored** (a journey "
              "whose only deviations are on the allow-list fits)", "--min-fitting-share 0.45"),
    CheckSpec("min_precision", "--min-precision", "min", "Fail when alignment precision is below this.",
              "alignment precision >= value (skipped with `--no-precision`)", "--min-precision 0.9"),
    CheckSpec("max_share", "--max-share", "share_map",
              "NAME=SHARE: fail when a deviation id (kind:activity) or pattern name affects more journeys "
              "(repeatable; 0.05 or 5%).",
              "the share of journeys showing NAME <= value. " + _SHARE_NAMES,
              "--max-share NAME=0.05"),
    CheckSpec("max_fitness_drop", "--max-fitness-drop", "max",
              "Fail when fitness fell by more than this since the baseline.",
              "baseline fitness - fitness <= value", "--max-fitness-drop 0.02", BASELINE_PANEL, True,
              default=(0.02, ERROR)),
    CheckSpec("max_fitting_share_drop", "--max-fitting-share-drop", "max",
              "Fail when the fitting share fell by more than this since the baseline.",
              "baseline fitting share - fitting share <= value (accepted deviations ignored), or the drop could "
              "be chance", "--max-fitting-share-drop 0.03", BASELINE_PANEL, True),
    CheckSpec("max_share_increase", "--max-share-increase", "max",
              "Fail when any deviation or pattern share rose by more than this (absolute, 0.02 = 2 points).",
              "for **every** deviation and pattern: share - baseline share <= value (absolute: 0.02 = 2 points), "
              "or the rise could be chance (see below)", "--max-share-increase 0.02", BASELINE_PANEL, True,
              default=(0.02, ERROR)),
    CheckSpec("max_share_ratio", "--max-share-ratio", "max",
              "Fail when any deviation or pattern share grew more than this factor (2 = doubled).",
              "for every deviation and pattern the baseline has: share <= value x baseline share (\"at most "
              "doubled\"), or the rise could be chance", "--max-share-ratio 2", BASELINE_PANEL, True),
    CheckSpec("fail_on_new_deviations", "--fail-on-new-deviations", "bool",
              "Fail when a deviation or pattern appears that the baseline did not have.",
              "no deviation or pattern that the baseline did not have (or had at 0%); "
              "`--new-deviation-min-share 0.005` ignores new ones below that share",
              "--fail-on-new-deviations", NEW_DEVIATIONS_PANEL, True, default=(True, WARNING)),
)

#: Numbers under ``checks:`` that tune other checks.
SETTINGS: tuple[CheckSpec, ...] = (
    CheckSpec("new_deviation_min_share", "--new-deviation-min-share", "setting",
              "Ignore new deviations affecting fewer journeys than this share.",
              "new deviations below this share are ignored", "--new-deviation-min-share 0.005", BASELINE_PANEL),
    CheckSpec("significance", "--significance", "setting",
              "Baseline share checks fail only when the change is unlikely to be chance (two-proportion test p "
              "below this; default 0.01, 0 = plain thresholds).",
              "p-value below which a baseline share change counts", "--significance 0.01", BASELINE_PANEL),
)

#: Every check, in report order. ``max_share`` is per name.
ALL_CHECKS: tuple[str, ...] = tuple(c.name for c in CHECKS)
#: Checks with one number (or true/false) each.
SCALAR_CHECKS: tuple[str, ...] = tuple(c.name for c in CHECKS if c.kind != "share_map")
#: Checks that compare with a baseline.
BASELINE_CHECKS: tuple[str, ...] = tuple(c.name for c in CHECKS if c.baseline)
#: Used when a baseline is given but no baseline check is configured.
DEFAULT_BASELINE_CHECKS: dict[str, tuple[float | bool, str]] = {c.name: c.default for c in CHECKS if c.default}
#: Checks that run when not configured (value; severity error), unless set to 0.
DEFAULT_ON_CHECKS: dict[str, float] = {c.name: c.on_by_default for c in CHECKS if c.on_by_default is not None}
#: The keys allowed under ``checks:`` in journeylog.yaml.
YAML_CHECK_KEYS: tuple[str, ...] = tuple(c.yaml_key for c in CHECKS + SETTINGS)


def spec(name: str) -> CheckSpec:
    """The entry of a check or setting by name; KeyError when there is none."""
    for c in CHECKS + SETTINGS:
        if c.name == name:
            return c
    raise KeyError(name)


def docs_table() -> str:
    """The check table of docs/ci.md (Markdown), one row per check; docs/generate.py writes it.

    >>> docs_table().splitlines()[3]
    "| `min_fitness` | `--min-fitness 0.85` | alignment fitness (pm4py's `log_fitness`) >= value |"
    """
    rows = ["| check | option | holds when |", "|---|---|---|"]
    rows += [f"| `{c.name}` | `{c.example}`{' (repeatable)' if c.kind == 'share_map' else ''} | {c.holds} |"
             for c in CHECKS]
    return "\n".join(rows) + "\n"


def option_specs() -> list[OptionSpec]:
    """The threshold options of ``journeylog check``, in order (checks, then settings).

    >>> [o.decl for o in option_specs()][-3:]
    ['--fail-on-new-deviations/--no-fail-on-new-deviations', '--new-deviation-min-share', '--significance']
    """
    out = []
    for c in CHECKS + SETTINGS:
        if c.kind == "bool":
            decl, typ = f"{c.flag}/--no-{c.flag[2:]}", "bool"
        elif c.kind == "share_map":
            decl, typ = c.flag, "list[str]"
        else:
            decl, typ = c.flag, "float"
        out.append(OptionSpec(c.name, decl, typ, c.help, c.panel))
    return out

