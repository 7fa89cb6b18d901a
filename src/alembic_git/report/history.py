"""The order ``alembic history`` lists revisions in: Alembic's ``_topological_sort`` from
its heads (``RevisionMap.iterate_revisions("heads", "base")``), followed step by step so
that siblings come out as Alembic prints them.

Alembic walks one head's line down until it reaches a revision another pending line still
needs, then switches to that line; lines start in file order (the revision map's order).
"""

from __future__ import annotations

from alembic_git.revisions.graph import RevisionGraph


def _normalized_dependencies(graph: RevisionGraph) -> dict[str, tuple[str, ...]]:
    """Each revision's dependencies without those an ancestor (by down_revision) already
    depends on (Alembic's ``_normalized_resolved_dependencies``; Alembic keeps them in a
    set, so their order is sorted here)."""
    out: dict[str, tuple[str, ...]] = {}
    for rev in graph.revisions:
        deps = set(graph.dependencies[rev])
        if deps:
            stack, seen = list(graph.revisions[rev].down_revisions), set()
            while stack:
                a = stack.pop()
                if a in seen or a not in graph.revisions:
                    continue
                seen.add(a)
                deps.difference_update(graph.dependencies[a])
                stack.extend(graph.revisions[a].down_revisions)
        out[rev] = tuple(sorted(deps))
    return out


def history_order(graph: RevisionGraph) -> list[str]:
    """Every revision, newest first, in ``alembic history``'s order."""
    deps = _normalized_dependencies(graph)

    def down(rev: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*graph.revisions[rev].down_revisions, *deps[rev])))

    def ancestors(rev: str) -> set[str]:
        found, stack = set(), [rev]
        while stack:
            r = stack.pop()
            if r not in found:
                found.add(r)
                stack.extend(down(r))
        return found

    todo = set(graph.revisions)
    heads = list(graph.heads)  # file order, as Alembic's revision map
    ancestors_of = [ancestors(h) for h in heads]
    output: list[str] = []
    i = 0
    while heads:
        candidate = heads[i]
        waiting = next(
            (j for j, a in enumerate(ancestors_of) if j != i and candidate in a), None
        )
        if waiting is not None:  # another line still needs it: walk that line first
            i = waiting
            continue
        if candidate in todo:
            output.append(candidate)
            todo.remove(candidate)
        more = [r for r in down(candidate) if r in todo and r not in heads]
        if not more:
            del heads[i]
            del ancestors_of[i]
            i = max(i - 1, 0)
        elif not deps[candidate] and len(graph.revisions[candidate].down_revisions) == 1:
            heads[i] = more[0]
            ancestors_of[i].discard(candidate)
        else:
            heads[i] = more[0]
            heads.extend(more[1:])
            ancestors_of[i] = ancestors(more[0])
            ancestors_of.extend(ancestors(r) for r in more[1:])
    return output
