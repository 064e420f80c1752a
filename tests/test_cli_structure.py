"""The package's import graph: the command line sits on top, and nothing imports in a circle.

Read from the source with `ast` (imports inside functions count too), restricted to the
`civicfutures` modules. `import a.b.c` and `from a.b import c` (c a submodule) import a.b.c;
a name imported from a package imports that package's `__init__`. Importing a module also runs
the `__init__` of every package above it, except those the importer already sits in.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "civicfutures"
ROOT = Path(__file__).resolve().parent.parent / "platform" / PACKAGE
CLI = f"{PACKAGE}.cli"


def _module_names() -> dict[str, Path]:
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _module_names()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules one import statement in `module` names (any, not only civicfutures')."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    source = node.module or ""
    if node.level:
        package = module if _is_package(module) else module.rpartition(".")[0]
        parts = package.split(".")
        base = parts[: len(parts) - node.level + 1]
        source = ".".join([*base, *([source] if source else [])])
    return [
        f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
        for alias in node.names
    ]


def import_graph() -> dict[str, set[str]]:
    """Every civicfutures module and the civicfutures modules it imports, anywhere in it."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        own = set(_ancestors(module))
        edges = graph.setdefault(module, set())
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(module, node):
                if target not in MODULES:
                    continue
                edges.add(target)
                edges.update(a for a in _ancestors(target) if a not in own and a in MODULES)
        edges.discard(module)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], set[str]]]:
    """Per strongly connected component of more than one module (Tarjan): a cycle, the members."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [(_cycle_within(graph, component), component) for component in components]


def _cycle_within(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A path from the component's first module back to itself, staying inside it."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle in {sorted(component)}")


def _in_cli(module: str) -> bool:
    return module == CLI or module.startswith(f"{CLI}.")


def _statement(module: str, source: str) -> list[str]:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    return _imported(module, node)


def test_imports_are_resolved():
    server = f"{CLI}.server"
    assert _statement(server, "from . import shell") == [f"{CLI}.shell"]
    assert _statement(server, "from .shell import run_db") == [f"{CLI}.shell"]
    assert _statement(server, "from ..demo import load_demo") == [f"{PACKAGE}.demo"]
    assert _statement(CLI, "from . import server") == [f"{CLI}.server"]
    assert _statement(CLI, "from .. import demo") == [f"{PACKAGE}.demo"]
    assert _statement(server, "from civicfutures.auth import accounts, actor") == [
        f"{PACKAGE}.auth.accounts",
        f"{PACKAGE}.auth.actor",
    ]
    assert _statement(server, "from civicfutures.demo import DEMO_SLUG") == [f"{PACKAGE}.demo"]
    assert _statement(server, "import civicfutures.db.tables") == [f"{PACKAGE}.db.tables"]


def test_the_graph_is_read():
    graph = import_graph()
    assert {CLI, f"{CLI}.shell", f"{PACKAGE}.demo"} <= graph.keys()
    assert f"{CLI}.shell" in graph[f"{CLI}.server"]


def test_only_the_command_line_imports_the_command_line():
    graph = import_graph()
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if not _in_cli(module)
        for target in targets
        if _in_cli(target)
    )
    assert not offenders, "areas import the command line:\n" + "\n".join(offenders)


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(
        " -> ".join(cycle) + f"  (in a circle of {len(members)}: {', '.join(sorted(members))})"
        for cycle, members in cycles
    )
