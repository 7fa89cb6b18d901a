"""``heads -v``: each head as ``alembic heads -v`` prints it (``Script.log_entry``)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from alembic_git.revisions.conflicts import EnvResult
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.reader import decode_source

Read = Callable[[str], "bytes | None"]


def longdoc(data: bytes | None, short: str) -> str:
    """The whole docstring, stripped (Alembic's ``Script.longdoc``); the reader keeps only its
    first paragraph, so the file is parsed again here, never run.  ``short`` when it cannot."""
    try:
        tree = ast.parse(decode_source(data)[0]) if data is not None else None
    except (SyntaxError, UnicodeDecodeError, LookupError, ValueError):
        tree = None
    doc = ast.get_docstring(tree, clean=False) if tree is not None else None
    return doc.replace("\r\n", "\n").strip() if doc is not None else short


def log_entry(graph: RevisionGraph, rev: str, read: Read) -> str:
    """Alembic's entry for one revision: flags, parents, labels, path, then the docstring
    indented by four spaces."""
    f = graph.revisions[rev]
    flags = " (head)" if not graph.children[rev] else ""
    flags += " (branchpoint)" if graph.is_branch_point(rev) else ""
    flags += " (mergepoint)" if graph.is_merge_point(rev) else ""
    lines = [f"Rev: {rev}{flags}"]
    parents = ", ".join(f.down_revisions) or "<base>"
    lines.append(f"{'Merges' if graph.is_merge_point(rev) else 'Parent'}: {parents}")
    if f.depends_on:
        lines.append(f"Also depends on: {', '.join(f.depends_on)}")
    if graph.is_branch_point(rev):
        lines.append(f"Branches into: {', '.join(graph.children[rev])}")
    if graph.labels[rev]:
        lines.append(f"Branch names: {', '.join(sorted(graph.labels[rev]))}")
    lines.append(f"Path: {f.path}")
    lines.append("")
    lines.extend(f"    {para}" for para in longdoc(read(f.path), f.message).splitlines())
    return "\n".join(lines) + "\n"


def heads_verbose(results: Sequence[EnvResult], read: Read) -> str:
    """Every head of every environment (a ``# name`` line first when there are several)."""
    out = []
    for r in results:
        if len(results) > 1:
            out.append(f"# {r.env.name}\n")
        out.extend(log_entry(r.graph, h, read) for h in r.graph.heads)
    return "\n".join(out)
