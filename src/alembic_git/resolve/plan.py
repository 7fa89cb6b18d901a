"""What ``merge-heads`` will do, decided from revision graphs alone (no git, no files).

For each group of conflicting heads (the conflict rule of ``check``):

* **merge**: one merge revision whose parents are every versioned head of the group;
* **rebase**: the revisions below the group's heads that the target lacks ("ours") are
  cut into linear chains; the first chain's root goes on top of the one head of what
  the target has, each further chain on top of the previous chain's last revision,
  in the order their files were first committed.  Inner links are kept.

Rebasing rewrites ``down_revision``, so it is refused for any revision that is
published (on the target, the remote default branch, or any ref the project declares
``published``): a database that ran it would then disagree with the file.
``auto`` rebases when that is safe, else merges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alembic_git.errors import AlembicGitError
from alembic_git.kinds import Strategy, words
from alembic_git.revisions.conflicts import ConflictGroup
from alembic_git.revisions.graph import RevisionGraph

STRATEGIES = words(Strategy)
_LAST = 1 << 62  # rank of a file never committed: its chain goes last


@dataclass(frozen=True)
class Sides:
    """What the target has, and what is published elsewhere, as sets of revision ids."""

    onto: str  # how messages name the target, e.g. "MERGE_HEAD (feature)"
    onto_revisions: frozenset[str]
    published: tuple[tuple[str, frozenset[str]], ...] = ()  # (where, revisions)
    # merge revisions the target or a published branch already has: parents -> (rev, where)
    merges: Mapping[frozenset[str], tuple[str, str]] = field(default_factory=dict)
    # published refs that cannot be read here (why): nothing may move, as any may have it
    unknown: tuple[str, ...] = ()

    def published_in(self, rev: str) -> str | None:
        if rev in self.onto_revisions:
            return self.onto
        for where, revisions in self.published:
            if rev in revisions:
                return where
        return None

    @property
    def absent_from(self) -> str:
        """'not on X', 'on neither X nor Y', 'on none of X, Y, Z'."""
        names = list(dict.fromkeys([self.onto, *(w for w, _ in self.published)]))
        if len(names) == 1:
            return f"not on {names[0]}"
        if len(names) == 2:
            return f"on neither {names[0]} nor {names[1]}"
        return f"on none of {', '.join(names)}"


@dataclass(frozen=True)
class Move:
    """Give ``revision`` the single parent ``new`` instead of ``old``."""

    revision: str
    old: tuple[str, ...]
    new: str


@dataclass(frozen=True)
class RebasePlan:
    onto: str | None  # the one head of what the target has (None: the target has none)
    chains: tuple[tuple[str, ...], ...]  # root first, in stacking order
    moves: tuple[Move, ...]

    @property
    def moved(self) -> tuple[str, ...]:
        return tuple(r for chain in self.chains for r in chain)


@dataclass(frozen=True)
class GroupPlan:
    group: ConflictGroup
    strategy: str  # "merge" or "rebase"
    reason: str
    rebase: RebasePlan | None = None


class NoRebase(Exception):
    """Why this group cannot be rebased (auto then merges)."""


def _ids(revs: list[str] | tuple[str, ...]) -> str:
    return ", ".join(revs)


def below_heads(graph: RevisionGraph, group: ConflictGroup) -> set[str]:
    below: set[str] = set()
    for h in group.heads:
        below |= graph.ancestors(h)
    return below


def plan_rebase(
    graph: RevisionGraph, group: ConflictGroup, sides: Sides, rank: Mapping[str, int]
) -> RebasePlan:
    """Stack this branch's own revisions on the target's head; raise NoRebase if unsafe.

    ``rank`` orders revisions by the commit that added their file (lower: earlier).
    """
    below = below_heads(graph, group)
    movable = [r for r in graph.revisions if r in below and r not in sides.onto_revisions]
    if not movable:
        raise NoRebase(
            f"every revision below the heads is already on {sides.onto}; "
            "nothing belongs to this branch alone"
        )
    if sides.unknown:
        verb = "is" if len(movable) == 1 else "are"
        raise NoRebase(f"{sides.unknown[0]}: cannot tell whether {_ids(movable)} {verb} published")
    published = [(r, w) for r in movable if (w := sides.published_in(r)) is not None]
    if published:
        revs = [r for r, _ in published]
        raise NoRebase(
            f"{_ids(revs)} {'is' if len(revs) == 1 else 'are'} already on {published[0][1]}: "
            "a published revision is never rebased (a database may have run it)"
        )
    mine = set(movable)
    for r in movable:
        for c in graph.children[r]:
            if c in sides.onto_revisions:
                raise NoRebase(f"{c}, which {sides.onto} has, builds on {r}, which it lacks")
            if c not in mine:
                raise NoRebase(f"{r} also leads to {c}, outside these heads; moving it moves both")
    fixed = [r for r in graph.revisions if r in below and r not in mine]
    fixed_set = set(fixed)
    fixed_heads = [r for r in fixed if not any(c in fixed_set for c in graph.children[r])]
    if len(fixed_heads) > 1:
        raise NoRebase(
            f"what {sides.onto} has ends in {len(fixed_heads)} heads here "
            f"({_ids(fixed_heads)}); only a merge revision joins them"
        )
    chains = []
    for r in movable:
        downs = graph.revisions[r].down_revisions
        if any(p in mine for p in downs):
            if len(downs) > 1:
                raise NoRebase(f"{r} merges revisions of this branch; rebase moves linear chains")
            continue
        if len(downs) > 1:
            raise NoRebase(f"{r} is itself a merge revision (of {_ids(downs)}) and is not rebased")
        chain = [r]
        while kids := [c for c in graph.children[chain[-1]] if c in mine]:
            if len(kids) > 1:
                raise NoRebase(
                    f"this branch's own revisions fork at {chain[-1]} ({_ids(kids)}); "
                    "rebase moves linear chains"
                )
            chain.append(kids[0])
        chains.append(tuple(chain))
    order = {r: i for i, r in enumerate(graph.revisions)}
    chains.sort(key=lambda c: (min(rank.get(r, _LAST) for r in c), order[c[0]]))
    onto = fixed_heads[0] if fixed_heads else None
    moves = []
    previous = onto
    for stacked in chains:
        old = graph.revisions[stacked[0]].down_revisions
        if previous is not None and old != (previous,):
            moves.append(Move(stacked[0], old, previous))
        previous = stacked[-1]
    if not moves:
        raise NoRebase("the chains are already stacked; nothing to move")
    return RebasePlan(onto, tuple(chains), tuple(moves))


def decide(
    graph: RevisionGraph,
    group: ConflictGroup,
    strategy: str,
    sides: Sides | None,
    no_sides: str,
    rank: Mapping[str, int],
) -> GroupPlan:
    """The strategy for one group; ``--strategy rebase`` that cannot be done is an error.

    ``sides`` is None when no target could be found; ``no_sides`` then says why.
    """
    if strategy == "merge":
        return GroupPlan(group, "merge", "one merge revision over every head of the group")
    if sides is None:
        if strategy == "rebase":
            raise AlembicGitError(
                f"cannot rebase heads {_ids(group.heads)}: {no_sides}",
                hint="name the target with --onto REF, or use --strategy merge",
            )
        return GroupPlan(group, "merge", f"cannot tell what is published: {no_sides}")
    try:
        plan = plan_rebase(graph, group, sides, rank)
    except NoRebase as why:
        if strategy == "rebase":
            raise AlembicGitError(
                f"cannot rebase heads {_ids(group.heads)}: {why}",
                hint="join them with a merge revision instead: --strategy merge",
            ) from None
        return GroupPlan(group, "merge", str(why))
    moved = plan.moved
    verb = "is" if len(moved) == 1 else "are"
    reason = f"{_ids(moved)} {verb} {sides.absent_from}: not published, so {_it(moved)} can move"
    return GroupPlan(group, "rebase", reason, plan)


def _it(revs: tuple[str, ...]) -> str:
    return "it" if len(revs) == 1 else "they"


def duplicate_merge(
    graph: RevisionGraph, heads: tuple[str, ...], sides: Sides | None
) -> str | None:
    """Why a merge revision over ``heads`` would duplicate one that exists, if it would."""
    seen: dict[frozenset[str], str] = {}
    for h in heads:
        downs = graph.revisions[h].down_revisions
        if len(downs) < 2:
            continue
        key = frozenset(downs)
        if key in seen:
            pair = (seen[key], h)
            on = {r: sides.published_in(r) if sides else None for r in pair}
            kept = [r for r in pair if on[r]]
            if len(kept) == 1:
                drop = next(r for r in pair if r not in kept)
                advice = f"{kept[0]} is on {on[kept[0]]}: delete {graph.revisions[drop].display}"
            else:
                advice = "delete the one that is not published"
            return (
                f"{pair[0]} and {pair[1]} are both merge revisions of {_ids(sorted(key))}; "
                f"merging them would stack a second merge on the same parents: {advice}"
            )
        seen[key] = h
    parents = frozenset(heads)
    if sides is not None and parents in sides.merges:
        rev, where = sides.merges[parents]
        return f"{where} already has merge revision {rev} over {_ids(heads)}: merge {where} instead"
    return None
