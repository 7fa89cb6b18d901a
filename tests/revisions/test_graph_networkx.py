"""The graph's algorithms are networkx's now: on random graphs they give exactly what the
hand-written ones they replaced gave (kept here as the reference), and what networkx's
own definitions say (a lowest common ancestor is among the fork points)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.conflicts import head_groups
from alembic_git.revisions.graph import RevisionGraph, find_cycle
from alembic_git.revisions.loader import RevisionFile
from alembic_git.revisions.reader import parse

EMPTY = parse(b"")


@dataclass(frozen=True)
class Rev:
    rev: str
    down: tuple[str, ...]
    labels: tuple[str, ...] = ()
    deps: tuple[str, ...] = ()


def graph_of(revs: list[Rev]) -> RevisionGraph:
    return RevisionGraph(
        [
            RevisionFile(r.rev, r.down, r.labels, r.deps, f"/v/{r.rev}.py", f"{r.rev}.py", EMPTY)
            for r in revs
        ]
    )


@st.composite
def dags(draw: st.DrawFn, cycles: bool = False) -> list[Rev]:
    n = draw(st.integers(1, 24))
    ids = [f"r{i:02d}" for i in range(n)]
    order = draw(st.permutations(ids))  # file order differs from creation order
    labels = iter(f"lbl{i}" for i in range(100))
    revs: dict[str, Rev] = {}
    for i, rev in enumerate(ids):
        earlier = ids[:i]
        down: tuple[str, ...] = ()
        if earlier and draw(st.integers(0, 5)) > 0:
            down = tuple(
                draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True))
            )
        deps: tuple[str, ...] = ()
        if earlier and draw(st.integers(0, 4)) == 0:
            deps = tuple(
                draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
            )
        own = tuple(next(labels) for _ in range(draw(st.integers(0, 1)) * draw(st.integers(1, 2))))
        revs[rev] = Rev(rev, down, own, deps)
    if cycles and n > 1:
        i = draw(st.integers(0, n - 2))
        later = draw(st.sampled_from(ids[i + 1 :]))
        r = revs[ids[i]]
        if draw(st.booleans()):
            revs[r.rev] = Rev(r.rev, (*r.down, later), r.labels, r.deps)
        else:
            revs[r.rev] = Rev(r.rev, r.down, r.labels, (*r.deps, later))
    return [revs[r] for r in order]


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the hand-written algorithms networkx replaced ------------------------------------
def old_ancestors(g: RevisionGraph, rev: str) -> set[str]:
    seen, todo = {rev}, [rev]
    while todo:
        for p in g.revisions[todo.pop()].down_revisions:
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def old_fork_points(g: RevisionGraph, revs: tuple[str, ...]) -> tuple[str, ...]:
    common = set.intersection(*(old_ancestors(g, r) for r in revs))
    return tuple(
        r for r in g.revisions if r in common and not any(c in common for c in g.children[r])
    )


def old_topological(g: RevisionGraph) -> list[str]:
    order: list[str] = []
    done: set[str] = set()
    for start in g.revisions:
        stack = [(start, False)]
        while stack:
            rev, expanded = stack.pop()
            if rev in done:
                continue
            if expanded:
                done.add(rev)
                order.append(rev)
                continue
            stack.append((rev, True))
            stack.extend((p, False) for p in reversed(g.all_parents(rev)) if p not in done)
    return order


def old_head_groups(g: RevisionGraph) -> list[tuple[str, ...]]:
    parent = {h: h for h in g.heads}

    def find(h: str) -> str:
        while parent[h] != h:
            h = parent[h]
        return h

    first_with: dict[str, str] = {}
    unlabelled: str | None = None
    for h in g.heads:
        if not g.labels[h]:
            if unlabelled is None:
                unlabelled = h
            else:
                parent[find(h)] = find(unlabelled)
        for label in g.labels[h]:
            if label in first_with:
                parent[find(h)] = find(first_with[label])
            else:
                first_with[label] = h
    groups: dict[str, list[str]] = {}
    for h in g.heads:
        groups.setdefault(find(h), []).append(h)
    return [tuple(x) for x in groups.values()]


def old_labels(g: RevisionGraph) -> dict[str, frozenset[str]]:
    def descendants(start: str) -> Iterator[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            rev = todo.pop()
            if rev not in seen:
                seen.add(rev)
                todo.extend(sorted(g.children[rev]))
                yield rev

    acc: dict[str, set[str]] = {r: set() for r in g.revisions}
    for f in g.files:
        if not f.branch_labels:
            continue
        node = f.revision
        for node in descendants(f.revision):
            acc[node].update(f.branch_labels)
        parent: str | None = node
        while (
            parent is not None
            and not g.is_real_branch_point(parent)
            and not g.is_merge_point(parent)
        ):
            acc[parent].update(f.branch_labels)
            downs = g.revisions[parent].down_revisions
            parent = downs[0] if downs else None
    return {r: frozenset(v) for r, v in acc.items()}


# -- the properties ------------------------------------------------------------------
@SETTINGS
@given(dags())
def test_ancestors_fork_points_and_order_are_what_they_were(revs: list[Rev]) -> None:
    g = graph_of(revs)
    for r in g.revisions:
        assert g.ancestors(r) == old_ancestors(g, r)
    assert g.topological() == old_topological(g)
    assert g.labels == old_labels(g)
    assert head_groups(g) == old_head_groups(g)
    heads = g.heads
    for group in [heads, *[(a, b) for a in heads for b in heads if a < b]]:
        if group:
            assert g.lowest_common_ancestors(group) == old_fork_points(g, group)


@SETTINGS
@given(dags())
def test_networkx_lowest_common_ancestor_is_one_of_the_fork_points(revs: list[Rev]) -> None:
    g = graph_of(revs)
    for a in g.heads:
        for b in g.heads:
            lca = nx.lowest_common_ancestor(g.down, a, b)
            forks = g.lowest_common_ancestors((a, b))
            assert (lca is None) == (forks == ())
            if lca is not None:
                assert lca in forks


@SETTINGS
@given(dags())
def test_a_topological_order_puts_every_parent_first(revs: list[Rev]) -> None:
    g = graph_of(revs)
    place = {r: i for i, r in enumerate(g.topological())}
    assert sorted(place) == sorted(g.revisions)
    for r in g.revisions:
        assert all(place[p] < place[r] for p in g.all_parents(r))


@SETTINGS
@given(dags(cycles=True))
def test_a_cycle_is_found_and_named_from_its_first_file(revs: list[Rev]) -> None:
    parents = {r.rev: r.down for r in revs}
    every = {r.rev: tuple(dict.fromkeys((*r.down, *r.deps))) for r in revs}
    order = [r.rev for r in revs]
    down_cycle = find_cycle(order, parents.__getitem__)  # the hook's search, networkx-free
    any_cycle = find_cycle(order, every.__getitem__)
    if down_cycle is None and any_cycle is None:
        graph_of(revs)  # no error
        return
    with pytest.raises(AlembicGitError) as caught:
        graph_of(revs)
    kind, relation = (
        ("down_revision", parents) if down_cycle else ("down_revision/depends_on", every)
    )
    prefix = f"cycle in {kind}: "
    assert caught.value.message.startswith(prefix)
    named = caught.value.message[len(prefix) :].split(" -> ")
    assert named[0] == named[-1] and len(set(named[:-1])) == len(named) - 1
    assert all(b in relation[a] for a, b in itertools.pairwise(named))
    assert named[0] == min(named, key=order.index)  # told from its first file
    assert caught.value.path == f"{named[0]}.py"
    cycles = nx.simple_cycles(nx.DiGraph([(r, p) for r, ps in relation.items() for p in ps]))
    assert {frozenset(c) for c in cycles} >= {frozenset(named)}
