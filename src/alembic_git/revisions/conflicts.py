"""The conflict rule: which heads collide.

Two heads collide when they share a branch label (``label@head`` would be
ambiguous, as Alembic resolves it) or when neither has any label (plain
``head`` would be ambiguous).  Heads that share a label, or are both
unlabelled, form one group, transitively: the connected components of the
graph that joins each head to its labels (or to "no label").  Projects with
one head per label on purpose (expand/contract, one label per package) have
no conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph

_NO_LABEL = ("no label",)  # a node of its own: heads are strings, labels tuples


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
    known = graph.known_head_groups  # a warm graph's: no networkx on the hot path
    if known is not None:
        return list(known)
    import networkx as nx

    joined = nx.Graph()
    joined.add_nodes_from(heads)
    for h in heads:
        joined.add_edges_from((h, ("label", label)) for label in graph.labels[h])
        if not graph.labels[h]:
            joined.add_edge(h, _NO_LABEL)
    order = {h: i for i, h in enumerate(heads)}
    groups = [
        tuple(sorted((n for n in part if n in order), key=order.__getitem__))
        for part in nx.connected_components(joined)
    ]
    return sorted((g for g in groups if g), key=lambda g: order[g[0]])


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
