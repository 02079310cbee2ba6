"""The code's layout: no import cycles between the project's modules (lazy imports included), and the request
path never imports the measuring tools of ``search_app/tools/``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ingest", "search_app")


def module_imports() -> dict[str, set[str]]:
    """Each project module -> the project modules it imports anywhere in its body."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            names: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module)
                    names.update(f"{node.module}.{alias.name}" for alias in node.names)
                elif isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
            found[name] = names
    return {name: {n for n in names if n in found and n != name} for name, names in found.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    return seen


def test_no_import_cycles():
    graph = module_imports()
    assert len(graph) > 40
    cycles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in reachable(graph, b)})
    assert cycles == []


def test_the_request_path_does_not_import_the_measuring_tools():
    graph = module_imports()
    request_path = [name for name in graph if name.startswith("search_app") and not name.startswith(
        ("search_app.tools", "search_app.cli"))]
    leaks = {name: sorted(n for n in reachable(graph, name) if n.startswith("search_app.tools"))
             for name in request_path}
    assert {name: found for name, found in leaks.items() if found} == {}
