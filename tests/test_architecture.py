"""The shape of the code: imports point down the layers, modules stay small, packages form no
cycles, and pm4py stays inside ``journeylog.mining``.

Every rule computes the list of its violations from the source (parsed with :mod:`ast`, nothing is
imported) and checks that list against an explicit allowance. The allowances name what the
reorganisation (issue 10) inherited from the old single-file modules; they only ever shrink. A
violation that is not allowed fails with a sentence that says what to change. An allowance that no
longer matches anything is reported as a warning: delete it.

Layers (a module may import its own layer and the layers below it)::

    0  errors schema text settings stats      6  models
       window contracts
    1  io                                     7  explain
    2  config                                 8  discover conform
    3  journeys engine                        9  check drift
    4  ingest                                10  cx report
    5  mining                                11  render
                                             12  cli           journeylog/__init__: top
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PKG = SRC / "journeylog"

TOP = 99  # journeylog/__init__.py: the public API may import anything
LAYERS: dict[str, int] = {
    "errors": 0, "schema": 0, "text": 0, "settings": 0, "stats": 0, "window": 0, "contracts": 0,
    "io": 1,
    "config": 2,
    "journeys": 3, "engine": 3,
    "ingest": 4,
    "mining": 5,
    "models": 6,
    "explain": 7,
    "discover": 8, "conform": 8,
    "check": 9, "drift": 9,
    "cx": 10, "report": 10,
    "render": 11,
    "cli": 12,
}
MAX_LINES = 500

# --- allowances: what the old layout still does; the lead empties these -----------------------
# "<importer package> -> <imported package>": an import that points up the layers
ALLOWED_UPWARD: set[str] = set()
# "<importer package> -> <imported package>.<private name>"
ALLOWED_PRIVATE: set[str] = set()
# "src/journeylog/<file>": modules over MAX_LINES lines
ALLOWED_LONG: set[str] = set()
# "a <-> b <-> ...": cycles between top-level packages (names sorted)
ALLOWED_CYCLES: set[str] = set()
# "src/journeylog/<file>": modules outside journeylog/mining that import pm4py
ALLOWED_PM4PY: set[str] = set()


@dataclass(frozen=True)
class Import:
    """One import statement's target, seen from ``module`` (dotted names, ``journeylog.x.y``)."""

    module: str   # the importing module
    target: str   # the imported module (``from a.b import c``: ``a.b``, or ``a.b.c`` when c is a module)
    names: tuple[str, ...]  # the names taken from it (``from ... import`` only)
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(name: str, path: Path) -> Iterator[Import]:
    """Every import in the module, at any depth (functions, TYPE_CHECKING blocks included)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield Import(name, base, tuple(a.name for a in node.names), node.lineno)


def _top(module: str) -> str | None:
    """The top-level package (``journeylog.mining.petri`` -> ``mining``), ``""`` for journeylog
    itself, None outside journeylog."""
    parts = module.split(".")
    if parts[0] != "journeylog":
        return None
    return parts[1] if len(parts) > 1 else ""


def _layer(top: str) -> int:
    return TOP if top == "" else LAYERS[top]


def _targets(imp: Import, modules: dict[str, Path]) -> Iterator[tuple[str, str | None]]:
    """(imported module, the name taken from it if it is not a module) for one import."""
    if not imp.names:
        yield imp.target, None
        return
    for n in imp.names:
        sub = f"{imp.target}.{n}"
        yield (sub, None) if sub in modules else (imp.target, n)


def _all_imports() -> list[Import]:
    return [imp for name, path in _modules().items() for imp in _imports(name, path)]


def _check(found: dict[str, list[str]], allowed: set[str], what: str, fix: str) -> None:
    """Fail on violations that are not allowed (with where they are); warn about stale allowances."""
    new = sorted(set(found) - allowed)
    lines = [f"{key}  ({'; '.join(sorted(set(found[key])))})" for key in new]
    assert not new, f"{len(new)} {what}; {fix}:\n  " + "\n  ".join(lines)
    stale = sorted(allowed - set(found))
    if stale:
        warnings.warn(f"allowed {what} no longer found, delete from tests/test_architecture.py: {stale}", stacklevel=2)


def test_every_module_has_a_layer():
    unknown = sorted({_top(m) for m in _modules()} - set(LAYERS) - {""})
    assert not unknown, f"packages without a layer in tests/test_architecture.py LAYERS: {unknown}"


def _layer_violations() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(imports pointing up, private names across packages), each violation -> where it happens."""
    modules = _modules()
    upward: dict[str, list[str]] = {}
    private: dict[str, list[str]] = {}
    for imp in _all_imports():
        src = _top(imp.module)
        assert src is not None
        at = f"{modules[imp.module].relative_to(ROOT)}:{imp.line}"
        for target, name in _targets(imp, modules):
            dst = _top(target)
            if dst is None or dst == src:
                continue
            if dst == "" and (name is None or name.startswith("__")):
                continue  # import journeylog / from journeylog import __version__: metadata, no code
            dst_layer = _layer(dst)
            if dst_layer > _layer(src):
                upward.setdefault(f"{src} -> {dst or 'journeylog'}", []).append(
                    f"{at} imports {target}, layer {_layer(src)} -> {dst_layer}")
            hidden = [p for p in [*target.split(".")[2:], *([name] if name else [])]
                      if p.startswith("_") and not p.startswith("__")]
            if hidden:
                private.setdefault(f"{src} -> {dst}.{hidden[-1]}", []).append(
                    f"{at} imports {target}{'.' + name if name else ''}")
    return upward, private


def test_imports_point_down_the_layers():
    _check(_layer_violations()[0], ALLOWED_UPWARD, "imports pointing up the layers",
           "move the code down, or pass data or callables in")


def test_no_private_names_across_packages():
    _check(_layer_violations()[1], ALLOWED_PRIVATE, "private names imported from another package",
           "make the name public and list it in its package's __all__")


def test_modules_stay_small():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in _modules().values()}
    long = {p: [f"{n} lines"] for p, n in sizes.items() if n > MAX_LINES}
    _check(long, ALLOWED_LONG, f"modules over {MAX_LINES} lines", "cut them along their sections")


def _package_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {t: set() for t in {_top(m) for m in modules} if t}
    for imp in _all_imports():
        src = _top(imp.module)
        for target, _name in _targets(imp, modules):
            dst = _top(target)
            if src and dst and dst != src:
                graph[src].add(dst)
    return graph


def _cycles(graph: dict[str, set[str]]) -> set[str]:
    """Strongly connected components with more than one package (Tarjan), as ``a <-> b``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: set[str] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.add(" <-> ".join(sorted(comp)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


MAX_FUNCTION_LINES = 60
_REASON = re.compile(r"\b(long by design|longer than)\b", re.I)


def test_long_functions_say_why():
    """A function over ~60 lines says in its docstring why it is long ("Long by design: ...")."""
    unexplained = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES and not _REASON.search(ast.get_docstring(node) or ""):
                    unexplained.append(f"{name}.{node.name} ({length} lines)")
    assert not unexplained, ("functions over ~60 lines without a reason in their docstring; split them into "
                             "named steps or say why they are long: " + ", ".join(unexplained))


def test_cycle_finder():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {"a <-> b <-> c"}
    assert _cycles({"a": {"b"}, "b": set()}) == set()


def test_no_import_cycles_between_packages():
    graph = _package_graph()
    cycles = {c: [f"{a} imports {', '.join(sorted(graph[a] & set(c.split(' <-> '))))}" for a in c.split(" <-> ")]
              for c in _cycles(graph)}
    _check(cycles, ALLOWED_CYCLES, "import cycles between packages",
           "one direction only: move the shared code down to a lower layer")


def test_only_mining_imports_pm4py():
    modules = _modules()
    found: dict[str, list[str]] = {}
    for imp in _all_imports():
        if imp.target.split(".")[0] == "pm4py" and _top(imp.module) != "mining":
            found.setdefault(str(modules[imp.module].relative_to(ROOT)), []).append(f"line {imp.line}")
    _check(found, ALLOWED_PM4PY, "modules outside journeylog.mining importing pm4py",
           "call a function of journeylog.mining instead")


# pyspark is an optional extra: only the Spark engine's modules import it (journeylog.engine picks
# them for a pyspark frame; the session module and ingest.spark_store import it inside functions)
SPARK_MODULES = {"journeylog.engine.spark", "journeylog.engine._spark_figures", "journeylog.engine._spark_select",
                 "journeylog.engine._spark_collect", "journeylog.engine.spark_batches", "journeylog.engine._spark_journeys",
                 "journeylog.engine.spark_session", "journeylog.ingest.spark_store",
                 "journeylog.ingest.spark_read", "journeylog.ingest.spark_identity", "journeylog.ingest.spark_customers",
                 "journeylog.ingest.spark_ingest"}


def test_only_the_spark_engine_imports_pyspark():
    modules = _modules()
    found: dict[str, list[str]] = {}
    for imp in _all_imports():
        if imp.target.split(".")[0] == "pyspark" and imp.module not in SPARK_MODULES:
            found.setdefault(str(modules[imp.module].relative_to(ROOT)), []).append(f"line {imp.line}")
    _check(found, set(), "modules outside the Spark engine importing pyspark",
           "go through journeylog.engine.backend_for (or engine.spark_session) instead")


# --- the public API (journeylog/__init__.py) -------------------------------------------------------

HEAVY = ("polars", "pm4py", "pyarrow", "numpy", "scipy", "pandas", "pyspark")


def _modules_after(code: str) -> list[str]:
    import subprocess
    import sys

    probe = code + f"\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return r.stderr.split()


def test_import_and_help_stay_light():
    assert _modules_after("import journeylog; journeylog.__all__; dir(journeylog)") == []
    assert _modules_after("from journeylog.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass") == []


def test_public_names_resolve():
    import types

    import journeylog

    assert len(set(journeylog.__all__)) == len(journeylog.__all__)
    assert set(journeylog.__all__) <= set(dir(journeylog))
    for name in journeylog.__all__:
        value = getattr(journeylog, name)
        assert not name.startswith("_") or name == "__version__"
        if name in ("ingest", "discover", "conform", "drift"):  # stage module, callable as its main function
            assert isinstance(value, types.ModuleType) and callable(value) and callable(getattr(value, name))
        else:
            assert getattr(value, "__module__", "journeylog").startswith("journeylog"), name
    assert issubclass(journeylog.InvalidInput, journeylog.JourneylogError)
    assert int(journeylog.ExitCode.INVALID_INPUT) == 3


def test_stage_modules_stay_modules():
    import journeylog
    from journeylog import conform as C
    from journeylog import drift as D

    assert C is journeylog.conform and C.ConformOptions is journeylog.ConformOptions
    assert D.DriftOptions is journeylog.DriftOptions


def test_unknown_names_raise_attribute_error():
    import journeylog

    try:
        journeylog.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_all_lists_every_lazy_name():
    import journeylog

    assert set(journeylog.__all__) == {"__version__", *journeylog._STAGES, *journeylog._API}
