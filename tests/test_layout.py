"""The package's shape: no import cycle (lazy imports included), small modules, a thin CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vault"
MAX_MODULE_LINES = 420  # issue 13: "no module over ~400 lines"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    """Every vault module -> the vault modules it imports anywhere (top level or lazily)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # "from vault.paper import layout" imports the module vault.paper.layout.
                targets = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
                targets.append(base)
            for target in targets:
                if target in modules and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    graph = import_graph()
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    # The real graph is not trivially empty: the CLI group reaches the core through its leaves.
    assert "vault.cli.entries" in graph["vault.cli"]
    assert "vault.errors" in graph["vault.store"]


def test_there_is_no_import_cycle_in_the_package() -> None:
    assert find_cycle(import_graph()) is None


def test_no_leaf_cli_module_imports_the_group() -> None:
    graph = import_graph()
    for name, edges in graph.items():
        if name.startswith("vault.cli."):
            assert "vault.cli" not in edges, name


def test_the_scanner_does_not_import_the_pdf_renderer() -> None:
    graph = import_graph()
    for scanner in ("vault.paper.scan", "vault.paper.passes", "vault.paper.restore"):
        assert "vault.paper.kit_pdf" not in graph[scanner], scanner


@pytest.mark.parametrize("name", sorted(_modules()))
def test_modules_stay_small(name: str) -> None:
    lines = len(_modules()[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines"
