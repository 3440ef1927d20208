"""The apps import one way only: accounts ← partners ← contacts ← portal, and no module imports in a circle."""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = ["accounts", "partners", "contacts", "portal"]
ROOT = Path(settings.BASE_DIR)


def project_imports():
    """{module: {imported project modules}} for every module of the four apps (migrations and tests aside)."""
    graph = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            targets = set()
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    targets.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    targets.add(node.module)
                    targets.update(f"{node.module}.{alias.name}" for alias in node.names)
            graph[module] = {t for t in targets if t.split(".")[0] in LAYERS}
    return graph


def test_the_walk_sees_every_app_and_real_imports():
    graph = project_imports()
    assert {module.split(".")[0] for module in graph} == set(LAYERS)
    assert "partners.models" in graph["contacts.models"]


def test_no_app_imports_a_higher_one():
    rank = {app: n for n, app in enumerate(LAYERS)}
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in project_imports().items()
        for target in targets
        if rank[target.split(".")[0]] > rank[module.split(".")[0]]
    )
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    graph = project_imports()
    modules = set(graph)
    edges = {m: {t if t in modules else t.rpartition(".")[0] for t in ts} & modules - {m} for m, ts in graph.items()}
    circles = []
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                circles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(modules):
        if module not in state:
            visit(module, [module])
    assert circles == []
