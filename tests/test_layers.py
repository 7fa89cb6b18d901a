"""The package's folders are its layers: pure logic in the middle, I/O at the edges, thin
commands on top. An import may only go down (or stay in its own folder), and no two
modules import each other, directly or round a loop."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
from support.paths import PACKAGE

# Lowest first. Modules of one rank may not import each other's folders.
RANKS = [
    {"errors", "files", "kinds", "__init__"},
    {"status"},
    {"git"},
    {"settings"},
    {"revisions"},
    {"workspace"},
    {"merging"},
    {"resolve", "report"},
    {"db"},
    {"hooks", "bot"},
    {"commands"},
    {"cli"},
    {"__main__"},
]
RANK = {name: i for i, names in enumerate(RANKS) for name in names}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("alembic_git"):
                assert node.module is not None
                targets = [node.module]
                targets += [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("alembic_git")]
            else:
                continue
            for target in targets:
                file = PACKAGE.parent / (target.replace(".", "/") + ".py")
                folder = PACKAGE.parent / target.replace(".", "/")
                if target != name and (file.exists() or folder.is_dir()):
                    graph.add_edge(name, target)
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_folder_has_a_rank() -> None:
    assert {layer(m) for m in imports()} <= set(RANK)


def test_imports_only_go_down() -> None:
    upward = [
        (a, b)
        for a, b in imports().edges
        if layer(a) != layer(b) and layer(b) != "__init__" and RANK[layer(b)] >= RANK[layer(a)]
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle() -> None:
    graph = imports()
    # A package's __init__ is imported with any of its modules: not a real edge back.
    graph.remove_edges_from([(a, b) for a, b in graph.edges if a.startswith(b + ".")])
    assert list(nx.simple_cycles(graph)) == []
