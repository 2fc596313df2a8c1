"""The house's layout, read from the source (ARCHITECTURE.md): apps import only
downwards (DESIGN.md's table), and no app's modules import each other in a circle.

Every import statement counts, including those inside functions: an import moved
into a function to dodge a circle at load time is still a circle in the design.
"""

import ast
import pathlib
import re

import pytest

from tests.project import PROJECT_APPS

ROOT = pathlib.Path(__file__).resolve().parent.parent

# DESIGN.md, "Dependencies between apps point one way, downwards".
MAY_IMPORT = {
    "portal": set(),
    "credits": {"portal"},
    "learning": {"credits", "portal"},
    "certificates": {"credits", "portal"},
    "digital_engineer": {"certificates", "credits", "portal"},
    "bases": {"learning", "credits", "portal"},
}
# The project package's modules that list every app.
PROJECT_MODULES = {"portal.urls", "portal.settings", "portal.celery"}


def app_modules(app: str) -> dict[str, pathlib.Path]:
    """The app's modules (dotted name → file), migrations left out."""
    modules = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def imported_names(module: str, path: pathlib.Path) -> set[str]:
    """Every dotted name `module` imports, at any level of the file, made absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(app: str) -> dict[str, set[str]]:
    """Module → the modules of the same app it imports (its own parent packages
    left out: importing a package's submodule loads the package first anyway)."""
    modules = app_modules(app)
    graph = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(module, path):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
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
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_every_app_has_its_import_rule():
    # A new app must say which apps it may import (DESIGN.md's table).
    assert sorted(MAY_IMPORT) == sorted(PROJECT_APPS)


@pytest.mark.parametrize("app", sorted(MAY_IMPORT))
def test_no_import_circle_inside_an_app(app):
    graph = import_graph(app)
    found = cycles(graph)
    described = [
        "; ".join(f"{m} -> {sorted(graph[m] & set(cycle))}" for m in cycle) for cycle in found
    ]
    assert not found, "import circles:\n" + "\n".join(described)


@pytest.mark.parametrize("app", sorted(MAY_IMPORT))
def test_apps_import_only_downwards(app):
    upwards = []
    for module, path in app_modules(app).items():
        if module in PROJECT_MODULES:
            continue
        for name in imported_names(module, path):
            other = name.partition(".")[0]
            if other in MAY_IMPORT and other != app and other not in MAY_IMPORT[app]:
                upwards.append(f"{module} imports {name}")
    assert not upwards, "imports against DESIGN.md's direction:\n" + "\n".join(sorted(upwards))


def test_the_graph_sees_an_import_inside_a_function():
    """The check can fail: a circle through a function-level import is found."""
    graph = {"a.services": {"a.tasks"}, "a.tasks": {"a.services"}, "a.models": set()}
    assert cycles(graph) == [["a.services", "a.tasks"]]
    source = ROOT / "learning" / "tasks.py"
    assert any(name.startswith("learning.") for name in imported_names("learning.tasks", source))


ROLE_COMPARISON = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)|role\s*(==|!=)\s*[\"']")


def test_views_and_templates_never_compare_roles():
    """ARCHITECTURE.md: what a role may see or do is answered by portal/scoping.py or
    an app's selectors.py; a view or a template that compares roles itself is a
    second scoping layer."""
    places = [p for app in MAY_IMPORT for p in (ROOT / app).rglob("*views*.py")]
    places += list((ROOT / "templates").rglob("*.html"))
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in places
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_COMPARISON.search(line)
    ]
    assert not found, "role comparisons outside the scoping layer:\n" + "\n".join(found)
    assert ROLE_COMPARISON.search('{% if active_membership.role == "professional" %}')
    assert ROLE_COMPARISON.search("if request.membership.role not in roles:")
