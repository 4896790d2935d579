"""The code's layout as the README describes it: no import cycle between modules (imports
inside functions count), `checks/` free of Django, the importer free of the layers that
store and show, and modules small enough to hold one job stated in their first line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("checks", "readiness")
MAX_LINES = 800


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module of ours that `name` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    ours = set()
    for target in targets:
        # `from readiness.reports import render` names a module; `import readiness.x.y`
        # imports its packages too, which only run their `__init__`.
        while target and target not in MODULES:
            target = target.rpartition(".")[0]
        if target and target != name:
            ours.add(target)
    return ours


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return components


def _is_package_init(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def test_no_import_cycle_between_modules():
    # A package's `__init__` that re-exports its modules is not a cycle with them.
    cycles = [c for c in _cycles() if not all(_is_package_init(m) or m.startswith(c[0]) for m in c)]
    assert cycles == []


def test_the_check_engine_does_not_import_django_or_the_product():
    for name, path in MODULES.items():
        if not name.startswith("checks"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and not node.level
        }
        assert not roots & {"django", "celery", "readiness"}, name


@pytest.mark.parametrize("layer", ["models", "services", "views", "reports", "selectors"])
def test_the_importer_imports_nothing_that_stores_or_shows(layer):
    forbidden = f"readiness.{layer}"
    for name in MODULES:
        if name.startswith("readiness.importer"):
            assert not any(t == forbidden or t.startswith(forbidden + ".") for t in GRAPH[name]), (
                name
            )


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_is_small_and_states_its_job(name):
    source = MODULES[name].read_text(encoding="utf-8")
    assert source.count("\n") <= MAX_LINES
    if source.strip():
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring, f"{name} has no docstring stating its job"
