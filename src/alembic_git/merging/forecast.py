"""Which open branches collide with the target, and which collide with each other.

A branch is checked against the target by the same simulated merge as
``check --against``.  Pairs are found without merging every pair: two
branches that are each fine alone collide when each adds a new head in the
same conflict group (the same branch label, or both unlabelled) and neither
branch contains the other's head.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.merging.against import Comparer, EnvComparison
from alembic_git.revisions.source import CommitSource
from alembic_git.revisions.touches import read_touch_sets
from alembic_git.status import Status


@dataclass
class BranchForecast:
    ref: str
    sha: str
    envs: list[EnvComparison] = field(default_factory=list)
    error: str | None = None

    @property
    def status(self) -> Status:
        if self.error:
            return Status.worst([Status.ERROR, *(e.status for e in self.envs)])
        return Status.worst(e.status for e in self.envs)

    @property
    def new_revisions(self) -> list[str]:
        return [r for e in self.envs for r in e.new_revisions]


@dataclass(frozen=True)
class PairCollision:
    refs: tuple[str, str]
    environment: str
    heads: tuple[str, str]  # the new head each branch adds
    attaches_to: tuple[str, ...]  # the target revisions both build on


@dataclass(frozen=True)
class CollisionGroup:
    """Branches that each add a head under one label (or unlabelled) in one environment:
    any two collide unless one contains the other's head."""

    environment: str
    label: str | None  # None: unlabelled heads
    refs: tuple[str, ...]


# Pairs kept for reports: thousands of branches on one head make millions of pairs,
# which the groups summarise.
MAX_PAIRS = 1000


@dataclass(frozen=True)
class BranchOverlap:
    """Two branches whose new revisions touch the same schema objects: a warning."""

    refs: tuple[str, str]
    environment: str
    objects: tuple[str, ...]
    revisions: tuple[str, str]


@dataclass
class Forecast:
    target: str
    target_sha: str
    target_how: str
    branches: list[BranchForecast]
    pairs: list[PairCollision]
    pair_count: int = 0  # every colliding pair, also those not kept in ``pairs``
    groups: list[CollisionGroup] = field(default_factory=list)
    overlaps: list[BranchOverlap] = field(default_factory=list)

    @property
    def status(self) -> Status:
        together = Status.CONFLICT if self.pair_count else Status.OK
        return Status.worst([together, *(b.status for b in self.branches)])

    @property
    def exit_code(self) -> int:
        return self.status.exit_code


def candidate_refs(
    repo: Repo, patterns: Sequence[str], target_sha: str, target: str
) -> list[tuple[str, str]]:
    """(short name, sha) of the branches to forecast: the patterns', else every remote
    branch, else every local branch; never the target itself."""
    remote = [
        (name.removeprefix("refs/remotes/"), sha)
        for name, sha in repo.refs("refs/remotes/")
        if not name.endswith("/HEAD")
    ]
    local = [(name.removeprefix("refs/heads/"), sha) for name, sha in repo.refs("refs/heads/")]
    if patterns:
        pool = remote + local
        chosen = []
        for pattern in patterns:
            matched = [(n, s) for n, s in pool if fnmatch.fnmatchcase(n, pattern)]
            if not matched:
                sha = repo.resolve_commit(pattern)
                if sha is None:
                    raise AlembicGitError(
                        f"{pattern!r} matches no branch and is not a commit",
                        hint="list branches with git branch -a",
                    )
                matched = [(pattern, sha)]
            chosen += [m for m in matched if m not in chosen]
    else:
        chosen = remote or local
    return [(n, s) for n, s in chosen if n != target and s != target_sha]


def _new_heads(env: EnvComparison) -> list[str]:
    if env.merged is None:
        return []
    new = set(env.new_revisions)
    return [h for h in env.merged.graph.heads if h in new]


def find_collisions(
    branches: Iterable[BranchForecast], keep: int = MAX_PAIRS
) -> tuple[list[PairCollision], int, list[CollisionGroup]]:
    """(the first ``keep`` colliding pairs, how many there are, the groups they form).

    Only branches whose new heads share a label group can collide, so branches are
    bucketed by (environment, label) first and pairs are looked for within a bucket.
    """
    buckets: dict[tuple[int, str, str | None], list[tuple[BranchForecast, EnvComparison]]] = {}
    for b in branches:
        if b.status is not Status.OK:
            continue
        for i, e in enumerate(b.envs):
            assert e.merged is not None
            keys: set[str | None] = set()
            for h in _new_heads(e):
                labels = e.merged.graph.labels[h]
                keys |= set(labels) if labels else {None}
            for key in keys:
                buckets.setdefault((i, e.env.name, key), []).append((b, e))
    pairs: list[PairCollision] = []
    seen: set[tuple[str, str, str]] = set()
    count = 0
    groups = []
    for (_, env_name, label), members in buckets.items():
        colliding: dict[str, None] = {}
        for (a, ea), (b, eb) in combinations(members, 2):
            collision = _colliding_heads(ea, eb, set(ea.new_revisions), set(eb.new_revisions))
            if collision is None or (a.ref, b.ref, env_name) in seen:
                continue
            if len(buckets) > 1:  # a pair can share several labels: count it once
                seen.add((a.ref, b.ref, env_name))
            count += 1
            colliding.update({a.ref: None, b.ref: None})
            if len(pairs) < keep:
                attach = tuple(sorted(_attachments(ea) & _attachments(eb)))
                pairs.append(PairCollision((a.ref, b.ref), env_name, collision, attach))
        if colliding:
            groups.append(CollisionGroup(env_name, label, tuple(colliding)))
    return pairs, count, groups


def _attachments(env: EnvComparison) -> set[str]:
    """The target's revisions that this branch's new revisions build on."""
    assert env.merged is not None and env.target_graph is not None
    revisions, target = env.merged.graph.revisions, env.target_graph.revisions
    return {p for r in env.new_revisions for p in revisions[r].down_revisions if p in target}


def _colliding_heads(
    ea: EnvComparison, eb: EnvComparison, a_revs: set[str], b_revs: set[str]
) -> tuple[str, str] | None:
    assert ea.merged is not None and eb.merged is not None
    for ha in _new_heads(ea):
        la = ea.merged.graph.labels[ha]
        for hb in _new_heads(eb):
            if ha == hb or ha in b_revs or hb in a_revs:
                continue  # one branch contains the other's head: they stack
            lb = eb.merged.graph.labels[hb]
            if (not la and not lb) or (la & lb):
                return ha, hb
    return None


def forecast(
    comparer: Comparer,
    refs: Sequence[tuple[str, str]],
    progress: Callable[[Iterable[tuple[str, str]]], Iterable[tuple[str, str]]] = iter,
) -> Forecast:
    branches = []
    for ref, sha in progress(refs):
        b = BranchForecast(ref, sha)
        try:
            b.envs = comparer.compare(sha, ref).envs
        except AlembicGitError as exc:
            b.error = str(exc)
        branches.append(b)
    pairs, count, groups = find_collisions(branches)
    return Forecast(
        comparer.target_ref,
        comparer.target_sha,
        comparer.target_how,
        branches,
        pairs,
        count,
        groups,
        find_overlaps(comparer.repo, branches),
    )


def find_overlaps(
    repo: Repo, branches: Sequence[BranchForecast], keep: int = MAX_PAIRS
) -> list[BranchOverlap]:
    """Pairs of branches whose new revisions touch a common object (a column and its
    table count as common), found through an index by object, not by comparing pairs."""
    by_object: dict[tuple[str, str], list[tuple[str, str]]] = {}
    columns_of: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for b in branches:
        source = CommitSource(repo, b.sha, b.ref)
        for e in b.envs:
            if e.merged is None or not e.new_revisions:
                continue
            sets = read_touch_sets(source, e.merged.graph, e.new_revisions)
            for rev, touches in sets.items():
                for t in touches.touches:
                    by_object.setdefault((e.env.name, t.object), []).append((b.ref, rev))
                    if t.kind == "column" and t.table:
                        key = (e.env.name, t.table)
                        columns_of.setdefault(key, []).append((b.ref, rev, t.object))
    found: dict[tuple[str, str, str], tuple[set[str], str, str]] = {}

    def note(env: str, one: tuple[str, str], other: tuple[str, str], obj: str) -> None:
        """One more common object of two branches (kept for at most ``keep`` pairs)."""
        if one[0] == other[0]:
            return  # a branch does not overlap itself
        (ra, va), (rb, vb) = sorted((one, other))
        if (env, ra, rb) not in found and len(found) >= keep:
            return
        found.setdefault((env, ra, rb), (set(), va, vb))[0].add(obj)

    for (env, obj), users in by_object.items():
        for one, other in combinations(dict.fromkeys(users), 2):
            note(env, one, other, obj)
        for ref, rev, _ in columns_of.get((env, obj), []):
            for one in users:
                note(env, one, (ref, rev), obj)
    return [
        BranchOverlap((ra, rb), env, tuple(sorted(objects)), (va, vb))
        for (env, ra, rb), (objects, va, vb) in found.items()
    ]
