"""Drawings of the revision graph: Mermaid, Graphviz dot, plain text."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence

from alembic_git.report.check import log_lines
from alembic_git.report.history import history_order
from alembic_git.revisions.graph import RevisionGraph

_UNSAFE_MERMAID = re.compile(r"[^\w .,;:/()@+=?!'-]", re.UNICODE)


def neighbourhood(graph: RevisionGraph, around: Iterable[str], depth: int) -> set[str]:
    """Revisions within ``depth`` edges of any of ``around`` (both directions)."""
    import networkx as nx

    g = graph.nx.to_undirected(as_view=True)
    keep: set[str] = set()
    for rev in around:
        keep |= set(nx.single_source_shortest_path_length(g, rev, cutoff=depth))
    return keep


def topological(graph: RevisionGraph, keep: Collection[str] | None = None) -> list[str]:
    """Revisions parents-first (stable: file order among equals), only ``keep``'s."""
    return [r for r in graph.topological() if keep is None or r in keep]


def edges(graph: RevisionGraph, revs: Sequence[str]) -> Iterator[tuple[str, str, str]]:
    """(child, parent, kind) between the drawn revisions; a dependency that is also a
    down_revision is drawn once, as the down_revision."""
    shown = set(revs)
    for rev in revs:
        f = graph.revisions[rev]
        for p in f.down_revisions:
            if p in shown:
                yield rev, p, "down_revision"
        for d in graph.dependencies[rev]:
            if d in shown and d not in f.down_revisions:
                yield rev, d, "depends_on"


def mermaid_label(text: str, limit: int = 60) -> str:
    """Text safe inside a quoted Mermaid label: no quotes, brackets, HTML or newlines."""
    text = " ".join(text.split())
    text = _UNSAFE_MERMAID.sub(" ", text).replace("@", " at ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_id(rev: str) -> str:
    """``r_`` and ``rev`` with every character but ASCII letters and digits written as
    ``_<hex>_``: injective (``x.1`` and ``x_1`` stay two nodes), and a plain hex id
    reads as itself."""
    return "r_" + "".join(ch if ch.isascii() and ch.isalnum() else f"_{ord(ch):x}_" for ch in rev)


def node_id(rev: str) -> str:
    """The Mermaid node id ``mermaid`` gives ``rev`` (to draw more edges to it)."""
    return _node_id(rev)


def mermaid(
    graph: RevisionGraph, keep: Collection[str] | None = None, highlight: Collection[str] = ()
) -> str:
    revs = topological(graph, keep)
    heads = set(graph.heads)
    lines = ["flowchart BT"]
    for rev in revs:
        f = graph.revisions[rev]
        msg = mermaid_label(f.title)
        label = mermaid_label(rev, 40) + (f"<br/>{msg}" if msg else "")
        lines.append(f'  {_node_id(rev)}["{label}"]')
    for child, parent, kind in edges(graph, revs):
        arrow = "-->" if kind == "down_revision" else "-.->|depends_on|"
        lines.append(f"  {_node_id(child)} {arrow} {_node_id(parent)}")
    lines.append("  classDef head fill:#d4f4dd,stroke:#2a7a3b")
    lines.append("  classDef conflict fill:#fde2e1,stroke:#b42318,stroke-width:2px")
    lines.append("  classDef fork fill:#fff4ce,stroke:#9a6700")
    plain_heads = [r for r in revs if r in heads and r not in highlight]
    if plain_heads:
        lines.append(f"  class {','.join(map(_node_id, plain_heads))} head")
    marked = [r for r in revs if r in highlight]
    if marked:
        lines.append(f"  class {','.join(map(_node_id, marked))} conflict")
    forks = [r for r in revs if graph.is_branch_point(r)]
    if forks:
        lines.append(f"  class {','.join(map(_node_id, forks))} fork")
    return "\n".join(lines)


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(graph: RevisionGraph, keep: Collection[str] | None = None) -> str:
    revs = topological(graph, keep)
    heads = set(graph.heads)
    lines = ["digraph revisions {", "  rankdir=BT;", "  node [shape=box];"]
    for rev in revs:
        f = graph.revisions[rev]
        label = rev + ("\n" + f.title if f.title else "")
        attrs = [f"label={_dot_quote(label)}"]
        if rev in heads:
            attrs.append("style=filled, fillcolor=palegreen")
        elif graph.is_branch_point(rev):
            attrs.append("style=filled, fillcolor=lightyellow")
        lines.append(f"  {_dot_quote(rev)} [{', '.join(attrs)}];")
    for child, parent, kind in edges(graph, revs):
        style = "" if kind == "down_revision" else " [style=dashed]"
        lines.append(f"  {_dot_quote(child)} -> {_dot_quote(parent)}{style};")
    lines.append("}")
    return "\n".join(lines)


def text(graph: RevisionGraph, keep: Collection[str] | None = None) -> str:
    """Newest first, in ``alembic history``'s order (siblings too):
    ``parent -> rev (head) (branchpoint), message``."""
    heads = set(graph.heads)
    effective = set(graph.effective_heads)
    lines = []
    for rev in (r for r in history_order(graph) if keep is None or r in keep):
        f = graph.revisions[rev]
        parents = ", ".join(f.down_revisions) or "<base>"
        marks = ""
        if graph.labels[rev]:
            marks += f" ({', '.join(sorted(graph.labels[rev]))})"
        if rev in effective:
            marks += " (effective head)"
        elif rev in heads:
            marks += " (head)"
        if graph.is_branch_point(rev):
            marks += " (branchpoint)"
        if graph.is_merge_point(rev):
            marks += " (mergepoint)"
        deps = f" depends on {', '.join(graph.dependencies[rev])}" if f.depends_on else ""
        lines.append(f"{parents} -> {rev}{marks}{deps}, {f.title}")
    return log_lines(lines)
