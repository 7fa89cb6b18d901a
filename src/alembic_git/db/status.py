"""What a database ran against one branch's graph: pure comparison, no I/O.

* ``up-to-date``: the database is at this branch's heads;
* ``behind``: this branch has revisions the database has not run (``pending``, in
  upgrade order);
* ``orphaned``: the database ran revisions this branch does not have (``orphans``,
  newest first: the order they must be downgraded in);
* ``diverged``: both;
* ``empty``: the database has no version table.

"Ran" is what Alembic means: every revision in ``alembic_version`` and everything below
it through ``down_revision`` and ``depends_on``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from alembic_git.revisions.graph import RevisionGraph

UP_TO_DATE, BEHIND, ORPHANED, DIVERGED, EMPTY = (
    "up-to-date",
    "behind",
    "orphaned",
    "diverged",
    "empty",
)


@dataclass(frozen=True)
class Elsewhere:
    """Where git has a revision this branch lacks: the names of the refs or commits, and
    the graph of the first of them (the revision's ancestors and files)."""

    found_in: tuple[str, ...]
    graph: RevisionGraph | None
    where: Any = None  # the Source the graph was read from (db sync reads files there)
    switch: str = ""  # the `git switch` arguments that check that source out


Lookup = Callable[[str], Elsewhere]


@dataclass(frozen=True)
class Orphan:
    revision: str
    message: str
    found_in: tuple[str, ...]
    down_revisions: tuple[str, ...] = ()
    where: Any = None  # the Source that has its file (None: nowhere in git)
    path: str | None = None  # the file in that source
    file_from: str = ""  # how messages name that source (a branch, a ref, a commit)
    switch: str = ""  # the `git switch` arguments that check that source out


@dataclass(frozen=True)
class DbStatus:
    status: str
    current: tuple[str, ...]
    heads: tuple[str, ...]
    pending: tuple[str, ...]
    orphans: tuple[Orphan, ...]
    kept: tuple[str, ...] = ()  # the heads of what it ran that this branch has

    @property
    def needs_action(self) -> bool:
        return self.status != UP_TO_DATE

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "current": list(self.current),
            "heads": list(self.heads),
            "pending": list(self.pending),
            "orphans": [
                {"revision": o.revision, "message": o.message, "found_in": list(o.found_in)}
                for o in self.orphans
            ],
        }


def compare(graph: RevisionGraph, current: Sequence[str] | None, lookup: Lookup) -> DbStatus:
    """``current``: the version table's rows; None when there is no version table."""
    heads = tuple(graph.heads)
    if current is None:
        return DbStatus(EMPTY, (), heads, upgrade_order(graph, set()), ())
    ran: set[str] = set()
    orphans: dict[str, Orphan] = {}
    for row in current:
        if row in graph.revisions:
            ran |= _below(graph, row)
            continue
        found = lookup(row)
        other = found.graph
        if other is None or row not in other.revisions:
            orphans.setdefault(row, Orphan(row, "", found.found_in))
            continue
        for rev in _below(other, row):
            if rev in graph.revisions:
                ran.add(rev)
            elif rev not in orphans:
                f = other.revisions[rev]
                names = found.found_in if rev == row else lookup(rev).found_in
                file_from = found.found_in[0] if found.found_in else ""
                orphans[rev] = Orphan(
                    rev,
                    f.title,
                    names,
                    f.down_revisions,
                    found.where,
                    f.path,
                    file_from,
                    found.switch,
                )
    pending = upgrade_order(graph, ran)
    ordered = _newest_first(orphans)
    status = (
        DIVERGED
        if ordered and pending
        else ORPHANED
        if ordered
        else BEHIND
        if pending
        else UP_TO_DATE
    )
    kept = tuple(r for r in ran if not any(c in ran for c in graph.children[r]))
    order = {r: i for i, r in enumerate(graph.revisions)}
    kept = tuple(sorted(kept, key=order.__getitem__))
    return DbStatus(status, tuple(current), heads, pending, ordered, kept)


def ran_revisions(graph: RevisionGraph, rows: Sequence[str]) -> set[str]:
    """Every revision a database with these rows has run, as far as ``graph`` knows (a
    row the graph lacks stands for itself)."""
    ran: set[str] = set()
    for row in rows:
        ran |= _below(graph, row) if row in graph.revisions else {row}
    return ran


def _below(graph: RevisionGraph, rev: str) -> set[str]:
    """``rev`` and everything it stands on through down_revision and depends_on."""
    seen = {rev}
    todo = [rev]
    while todo:
        for parent in graph.all_parents(todo.pop()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def upgrade_order(graph: RevisionGraph, ran: set[str]) -> tuple[str, ...]:
    """The revisions not run yet, in the order ``alembic upgrade heads`` runs them: its
    ``RevisionMap._topological_sort`` from the real heads down, reversed."""
    todo = {r for r in graph.revisions if r not in ran}
    index = {r: i for i, r in enumerate(graph.revisions)}
    current = sorted((h for h in graph.real_heads if h in todo), key=index.__getitem__)
    below = [_below(graph, h) for h in current]
    out: list[str] = []
    i = 0
    while current:
        candidate = current[i]
        waiting = next(
            (j for j, anc in enumerate(below) if j != i and candidate in anc), None
        )
        if waiting is not None:  # another head stands on it: walk that one first
            i = waiting
            continue
        if candidate in todo:
            out.append(candidate)
            todo.remove(candidate)
        f = graph.revisions[candidate]
        deps = _normalized_dependencies(graph, candidate)
        add = [r for r in dict.fromkeys((*f.down_revisions, *deps)) if r in todo]
        add = [r for r in add if r not in current]
        if not add:
            del current[i]
            del below[i]
            i = max(i - 1, 0)
        elif not deps and len(f.down_revisions) == 1:
            current[i] = add[0]
            below[i].discard(candidate)
        else:
            current[i] = add[0]
            current.extend(add[1:])
            below[i] = _below(graph, add[0])
            below.extend(_below(graph, r) for r in add[1:])
    return tuple(reversed(out))


def _normalized_dependencies(graph: RevisionGraph, rev: str) -> tuple[str, ...]:
    """Alembic's ``_normalized_resolved_dependencies``: the revision's dependencies that
    none of its down_revision ancestors depends on already."""
    deps = graph.dependencies[rev]
    if not deps:
        return ()
    inherited: set[str] = set()
    for ancestor in graph.ancestors(rev) - {rev}:
        inherited.update(graph.dependencies[ancestor])
    return tuple(d for d in deps if d not in inherited)


def _newest_first(orphans: dict[str, Orphan]) -> tuple[Orphan, ...]:
    """Children before parents: the order a downgrade removes them in."""
    children: dict[str, set[str]] = {r: set() for r in orphans}
    for o in orphans.values():
        for p in o.down_revisions:
            if p in children:
                children[p].add(o.revision)
    ordered: list[Orphan] = []
    placed: set[str] = set()
    while len(ordered) < len(orphans):
        ready = [r for r in orphans if r not in placed and children[r] <= placed]
        if not ready:  # a cycle cannot happen in a graph that loaded; keep the rest as is
            ready = [r for r in orphans if r not in placed]
        for r in ready:
            placed.add(r)
            ordered.append(orphans[r])
    return tuple(ordered)
