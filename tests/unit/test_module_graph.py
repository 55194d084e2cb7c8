"""The library's structure: no two modules of `sdc1` import each other, directly or round a
circle, and the restoring beam is read from a header in one module, `sdc1.beam`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "src" / "sdc1"
#: A beam keyword read from a header: ``h["BMAJ"]`` or ``h.get("BMIN"...)``, not assigned.
BEAM_READ = re.compile(
    r"""(\[\s*["']B(?:MAJ|MIN|PA)["']\s*\](?!\s*=[^=])|\.get\(\s*["']B(?:MAJ|MIN|PA)["'])"""
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of ``sdc1`` and the modules of ``sdc1`` it imports (anywhere in it)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t not in (name, "sdc1")}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = 1, stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node], _ = 2, stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_modules_import_each_other() -> None:
    graph = import_graph()
    assert "sdc1.errors" in graph["sdc1.beam"] and "sdc1.errors" in graph["sdc1.io"]
    found = cycle(graph)
    assert found is None, f"import circle: {' -> '.join(found)}"


def test_a_circle_is_found() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_the_beam_is_read_from_headers_only_in_sdc1_beam() -> None:
    readers = sorted(
        str(path.relative_to(REPO))
        for path in PACKAGE.rglob("*.py")
        if path.name != "beam.py" and BEAM_READ.search(path.read_text())
    )
    assert not readers, f"beam keywords read outside sdc1.beam: {readers}"
    assert BEAM_READ.search('bmaj = header["BMAJ"]') and not BEAM_READ.search('h["BMAJ"] = 1.0')
