"""The conflict rule: which heads collide.

Two heads collide when they share a branch label (``label@head`` would be
ambiguous, as Alembic resolves it) or when neither has any label (plain
``head`` would be ambiguous).  Heads that share a label, or are both
unlabelled, form one group, transitively.  Projects with one head per label
on purpose (expand/contract, one label per package) have no conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph


@dataclass(frozen=True)
class ConflictGroup:
    heads: tuple[str, ...]
    labels: tuple[str, ...]  # the labels the heads share; empty for unlabelled heads
    fork_points: tuple[str, ...]  # lowest common ancestors of the heads


def head_groups(graph: RevisionGraph, strict: bool = False) -> list[tuple[str, ...]]:
    """Every head, grouped by the conflict rule (singletons included), in head order."""
    heads = graph.heads
    if strict:
        return [heads] if heads else []
    parent = {h: h for h in heads}

    def find(h: str) -> str:
        while parent[h] != h:
            parent[h] = parent[parent[h]]
            h = parent[h]
        return h

    first_with: dict[str, str] = {}
    unlabelled: str | None = None
    for h in heads:
        labels = graph.labels[h]
        if not labels:
            if unlabelled is None:
                unlabelled = h
            else:
                parent[find(h)] = find(unlabelled)
        for label in labels:
            if label in first_with:
                parent[find(h)] = find(first_with[label])
            else:
                first_with[label] = h
    groups: dict[str, list[str]] = {}
    for h in heads:
        groups.setdefault(find(h), []).append(h)
    return [tuple(g) for g in groups.values()]


def conflict_groups(graph: RevisionGraph, strict: bool = False) -> list[ConflictGroup]:
    out = []
    for group in head_groups(graph, strict):
        if len(group) < 2:
            continue
        shared = set.intersection(*(set(graph.labels[h]) for h in group))
        out.append(
            ConflictGroup(
                heads=group,
                labels=tuple(sorted(shared)),
                fork_points=graph.lowest_common_ancestors(group),
            )
        )
    return out


@dataclass
class EnvResult:
    """One environment's graph and the conflicts in it."""

    env: Environment
    graph: RevisionGraph
    conflicts: list[ConflictGroup]
    strict: bool = False  # whether the conflicts follow --strict (every head in one group)

    @classmethod
    def of(cls, env: Environment, graph: RevisionGraph, strict: bool = False) -> EnvResult:
        return cls(env, graph, conflict_groups(graph, strict), strict)
