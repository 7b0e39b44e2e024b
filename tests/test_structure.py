"""The layout of ``layers/`` as its docstrings state it: floors, no cycles, small functions.

Read from the code (``ast``), so a new import that breaks the layout fails here first:

- each part of ``layers`` imports only the parts below it (:data:`ALLOWED`, the same table as
  the subpackages' docstrings and the README's "Where things live");
- no module imports itself back through others (no cycles);
- the package's own modules are imported by name, never through ``importlib``;
- no function in ``layers/`` or ``geo/`` (runtime code) is over a cyclomatic complexity of 20;
- ``python -m layers validate`` loads no geopandas.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from radon.complexity import cc_visit

REPO = Path(__file__).resolve().parent.parent

#: Part of ``layers`` -> the parts it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "records": {"errors"},
    "layerset": {"errors"},
    "settings": {"errors", "records"},
    "build": {"errors", "records", "layerset"},
    "filters": {"errors", "records", "layerset", "build"},
    "public": {"errors", "records", "layerset", "build"},
    "render": {"errors", "records", "layerset", "build", "settings", "filters", "public"},
    "atlas": {"errors", "records", "layerset", "build", "public", "render"},
    "io": {"errors", "records", "layerset", "build", "settings", "filters", "public", "render",
           "atlas"},
    "view": {"errors", "records", "layerset", "build", "settings", "filters", "public",
             "render", "atlas", "io"},
    "__main__": {"records", "io"},
    "__init__": {"errors", "records", "layerset", "build", "filters", "io"},
}


def _modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((REPO / package).rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project's modules it imports (a name of a package resolved to its module)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    edges[name].add(target if target in modules else node.module)
            elif isinstance(node, ast.Import):
                edges[name].update(a.name for a in node.names)
    return {k: {m for m in v if m in modules and m != k} for k, v in edges.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    """Return ``"a -> b"`` for every import that ``ALLOWED`` does not allow."""
    bad = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            a, b = _part(source), _part(target)
            if a != b and b not in ALLOWED.get(a, set()):
                bad.append(f"{source} -> {target}")
    return bad


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles (each once, as a path that returns to its start)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    return found


def test_every_part_of_layers_is_in_the_table() -> None:
    parts = {_part(m) for m in _modules("layers")}
    assert parts == set(ALLOWED)


def test_layers_imports_only_downwards() -> None:
    assert upward_imports(_imports(_modules("layers"))) == []


def test_the_check_finds_an_upward_import() -> None:
    edges = _imports(_modules("layers"))
    edges["layers.records.load"] = {*edges.get("layers.records.load", set()), "layers.build.cache"}
    assert upward_imports(edges) == ["layers.records.load -> layers.build.cache"]


@pytest.mark.parametrize("package", ["layers", "geo"])
def test_no_import_cycles(package: str) -> None:
    assert cycles(_imports(_modules(package))) == []


def test_the_check_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c", "a"]]


def test_no_importlib_on_the_projects_own_modules() -> None:
    users = [
        str(path.relative_to(REPO))
        for path in _modules("layers").values()
        if "importlib" in path.read_text(encoding="utf-8")
    ]
    assert users == []


def complex_functions(paths: list[Path], limit: int = 20, root: Path = REPO) -> list[str]:
    """Return ``file:function (complexity)`` for every function over ``limit`` (radon)."""
    over = []
    for path in paths:
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > limit:
                where = str(path.relative_to(root))
                over.append(f"{where}:{block.fullname} ({block.complexity})")
    return over


def test_no_function_is_over_complexity_20() -> None:
    runtime = [p for p in _modules("layers").values()] + [
        p for p in _modules("geo").values() if "build" not in p.relative_to(REPO).parts
    ]
    assert complex_functions(runtime) == []


def test_the_complexity_check_finds_a_tangled_function(tmp_path: Path) -> None:
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(25))
    path = tmp_path / "tangled.py"
    path.write_text(f"def tangled(x):\n{body}    return -1\n", encoding="utf-8")
    assert complex_functions([path], root=tmp_path) == ["tangled.py:tangled (26)"]


def test_validate_loads_no_geopandas() -> None:
    script = (
        "import runpy, sys\n"
        "sys.argv = ['layers', 'validate']\n"
        "try:\n"
        "    runpy.run_module('layers', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('geopandas' in sys.modules, 'folium' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False,
        timeout=600,
    )
    assert done.stdout.strip().splitlines()[-1] == "False False", done.stderr[-2000:]
