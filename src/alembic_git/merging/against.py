"""The graph a branch will have once merged into its target, from git alone.

git's own merge is simulated with ``git merge-tree --write-tree`` (objects
only: HEAD, the index and the work tree are never touched); with an older git,
the version folders are merged three-way against the merge base.  Each head of
the merged graph is traced to the side that added it and the commit that did.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo, TreeEntry
from alembic_git.kinds import ProblemKind
from alembic_git.merging.targets import default_target
from alembic_git.revisions.conflicts import EnvResult
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.source import CommitSource, Source
from alembic_git.revisions.touches import Overlap, TouchSet, overlaps, read_touch_sets
from alembic_git.status import Status
from alembic_git.workspace import Workspace

THIS_BRANCH = "this branch"
BOTH = "both"


@dataclass(frozen=True)
class HeadOrigin:
    side: str  # THIS_BRANCH, BOTH, or the target's name
    commit: str | None  # the commit that added the file; None when uncommitted or unknown


@dataclass(frozen=True)
class MergeProblem:
    """A conflict only the merge creates, besides heads: found before Alembic would see it."""

    kind: ProblemKind
    revision: str | None
    message: str
    fix: str  # what to do: merge-heads cannot fix these


@dataclass
class EnvComparison:
    env: Environment
    merged: EnvResult | None  # None when the merged graph cannot be built
    error: str | None = None
    new_revisions: list[str] = field(default_factory=list)  # the merge adds to the target
    origins: dict[str, HeadOrigin] = field(default_factory=dict)
    problems: list[MergeProblem] = field(default_factory=list)
    target_graph: RevisionGraph | None = None
    # Revisions of both sides that touch the same schema objects: a warning, unless
    # the comparer is strict about overlaps.
    overlaps: list[Overlap] = field(default_factory=list)
    touch_sets: dict[str, TouchSet] = field(default_factory=dict)
    strict_overlaps: bool = False

    @property
    def conflict(self) -> bool:
        if self.strict_overlaps and self.overlaps:
            return True
        return bool(self.problems) or bool(self.merged and self.merged.conflicts)

    @property
    def status(self) -> Status:
        return Status.of(self.conflict, bool(self.error))


@dataclass
class Comparison:
    ours_label: str
    ours: str
    target_ref: str
    target_sha: str
    target_how: str
    merge_base: str | None
    fast_forward: bool  # this branch already contains the target
    envs: list[EnvComparison]

    @property
    def conflict(self) -> bool:
        return any(e.conflict for e in self.envs)

    @property
    def error(self) -> bool:
        return any(e.status is Status.ERROR for e in self.envs)


class Comparer:
    """Compares any number of commits against one target, sharing every cache."""

    def __init__(
        self,
        ws: Workspace,
        target: str | None,
        envs: list[Environment] | None = None,
        strict: bool = False,
        merge_tree: bool | None = None,
        how: str = "as given",
        strict_overlaps: bool = False,
    ) -> None:
        """``how``: why ``target`` is the target, for reports; unused when it is None
        (then the default target is looked up, and the reason is that lookup's)."""
        self.ws = ws
        self.strict = strict
        self.strict_overlaps = strict_overlaps
        self.repo: Repo = ws.require_repo()
        if target is None:
            target, how = default_target(self.repo, self.repo.current_branch())
        # Kept as a full ref (a tag of the same short name never stands in for it), shown
        # by the shortest name that means it alone.
        full = self.repo.full_ref(target)
        sha = self.repo.resolve_commit(full or target)
        if sha is None:
            raise AlembicGitError(
                f"target {target!r} is not a commit in this repository",
                hint="fetch it first (git fetch), or name another with --against/--target",
            )
        shown = self.repo.short_ref(full) if full else target
        self.target_ref, self.target_sha, self.target_how = shown, sha, how
        self.target_source = ws.tree(sha, target)
        self.envs = envs if envs is not None else ws.environments(self.target_source)
        self._merge_tree = merge_tree

    @property
    def merge_tree(self) -> bool:
        """Whether to merge with git merge-tree --write-tree (git 2.38+); older gits
        merge the version folders here.  Asked only when a merge is needed."""
        return self._merge_tree if self._merge_tree is not None else self.repo.can_merge_tree

    def target_graph(self, env: Environment) -> RevisionGraph:
        try:
            return self.ws.target_graph(self.target_source, env)
        except AlembicGitError as exc:
            raise AlembicGitError(f"the target {self.target_ref} itself is broken: {exc}") from None

    def merge_base(self, ours: str) -> str:
        bases = self.repo.merge_bases(ours, self.target_sha)
        if bases:
            return bases[0]
        if self.repo.is_shallow():
            raise AlembicGitError(
                f"no merge base of {ours[:12]} and {self.target_ref} in this shallow clone",
                hint="fetch more history: git fetch --unshallow (in GitHub Actions: "
                "actions/checkout with fetch-depth: 0)",
            )
        raise AlembicGitError(f"{ours[:12]} and {self.target_ref} share no history")

    def compare(self, ours: str, ours_label: str, snapshot: bool = False) -> Comparison:
        base = self.merge_base(ours)
        fast_forward = base == self.target_sha
        already_in = base == ours
        conflicted: list[str] = []
        if fast_forward:
            merged_source: Source = CommitSource(self.repo, ours, f"{ours_label}")
        elif already_in:
            merged_source = self.target_source
        elif self.merge_tree:
            tree, conflicted = self.repo.merge_tree_conflicts(ours, self.target_sha)
            merged_source = CommitSource(
                self.repo, tree, f"{ours_label} merged into {self.target_ref}"
            )
        else:
            merged_source = OverlaySource(
                self.repo,
                base,
                ours,
                self.target_sha,
                f"{ours_label} merged into {self.target_ref}",
            )
        ours_source = CommitSource(self.repo, ours, ours_label)
        results = [
            self._compare_env(env, ours, ours_source, merged_source, base, conflicted, snapshot)
            for env in self.envs
        ]
        return Comparison(
            ours_label,
            ours,
            self.target_ref,
            self.target_sha,
            self.target_how,
            base,
            fast_forward,
            results,
        )

    def _compare_env(
        self,
        env: Environment,
        ours: str,
        ours_source: Source,
        merged_source: Source,
        base: str,
        conflicted: list[str],
        snapshot: bool,
    ) -> EnvComparison:
        result = EnvComparison(env, None)
        try:
            target = result.target_graph = self.target_graph(env)
        except AlembicGitError as exc:
            result.error = str(exc)
            return result
        textual = _textual(env, conflicted, merged_source, self.target_ref)
        try:
            graph = self.ws.graph(merged_source, env)
        except AlembicGitError as exc:
            # Only now read this side alone: to tell a conflict the merge makes
            # (the same id added on both sides) from a branch that is broken by itself.
            result.problems = textual
            try:
                ours_graph = self.ws.graph(ours_source, env)
            except AlembicGitError as own:
                result.error = f"{ours_source.label} itself: {own}"
                return result
            result.problems += _same_id(ours_graph, target)
            if not result.problems:
                result.error = str(exc)
            return result
        result.problems = textual + _repointed(graph, target)
        in_target = set(target.ids)
        result.new_revisions = [r for r in graph.ids if r not in in_target]
        result.merged = EnvResult.of(env, graph, self.strict)
        new = set(result.new_revisions)
        self._overlaps(result, graph, merged_source, ours_source)
        for group in result.merged.conflicts:
            for head in group.heads:
                path = graph.display_of(head)
                result.origins[head] = self._origin(path, head in new, ours, base, snapshot)
        return result

    def _overlaps(
        self, result: EnvComparison, graph: RevisionGraph, merged: Source, ours: Source
    ) -> None:
        """Touch sets of what each side adds since the fork, only when both sides add."""
        if not result.new_revisions or result.target_graph is None:
            return
        try:
            mine = set(self.ws.graph(ours, result.env).ids)
        except AlembicGitError:
            return  # the branch alone is unreadable: the merged graph was enough
        theirs = [r for r in result.target_graph.ids if r not in mine]
        if not theirs:
            return
        result.touch_sets = read_touch_sets(merged, graph, [*result.new_revisions, *theirs])
        sets = result.touch_sets
        result.overlaps = overlaps(
            {r: sets[r] for r in result.new_revisions}, {r: sets[r] for r in theirs}
        )
        result.strict_overlaps = self.strict_overlaps

    def _origin(
        self, path: str, ours_added: bool, ours: str, base: str, snapshot: bool
    ) -> HeadOrigin:
        # The target has it; so does this branch if the file is in its tree.
        if not ours_added and self.repo.tree_entry(ours, path) is not None:
            return HeadOrigin(BOTH, None)
        side_commit = ours if ours_added else self.target_sha
        commit = self.repo.added_in(side_commit, path, since=base)
        if snapshot and commit == ours:
            commit = None  # added in the working tree, not committed yet
        return HeadOrigin(THIS_BRANCH if ours_added else self.target_ref, commit)


def _same_id(ours: RevisionGraph, target: RevisionGraph) -> list[MergeProblem]:
    return [
        MergeProblem(
            "same-id",
            rev,
            f"revision id {rev} is added on both sides in different files "
            f"({f.display} here, {target.revisions[rev].display} on the target)",
            f"give the revision in {f.display} a new id (its `revision =` and `Revision ID:`), "
            "then run alembic-git check --against again",
        )
        for rev, f in ours.revisions.items()
        if rev in target.revisions and target.revisions[rev].display != f.display
    ]


def _repointed(merged: RevisionGraph, target: RevisionGraph) -> list[MergeProblem]:
    """Revisions the target has whose down_revision the merge would change."""
    in_target = set(target.ids)
    return [
        MergeProblem(
            "repointed",
            rev,
            f"revision {rev} has down_revision {_ids(merged.down_revisions_of(rev))} on this "
            f"branch but {_ids(target.down_revisions_of(rev))} on the target: "
            "a published revision was re-pointed",
            f"restore down_revision = {_ids(target.down_revisions_of(rev))} in "
            f"{merged.display_of(rev)} as on the target (a database that ran it expects that "
            "parent); join heads with alembic-git merge-heads instead",
        )
        for rev in merged.ids
        if rev in in_target and target.down_revisions_of(rev) != merged.down_revisions_of(rev)
    ]


def _textual(
    env: Environment, conflicted: list[str], merged: Source, target: str
) -> list[MergeProblem]:
    folders = [merged.display(loc) + "/" for loc in env.version_locations]
    return [
        MergeProblem(
            "textual",
            None,
            f"git cannot merge {path} cleanly (both sides changed it)",
            f"git merge {shlex.quote(target)}, resolve the conflict in {path}, "
            "then run alembic-git check",
        )
        for path in conflicted
        if any(path.startswith(folder) for folder in folders)
    ]


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if ids else "None"


class OverlaySource(CommitSource):
    """``ours``'s tree with its version folders merged three-way (git < 2.38)."""

    def __init__(self, repo: Repo, base: str, ours: str, theirs: str, label: str) -> None:
        super().__init__(repo, ours, label)
        self.base, self.theirs = base, theirs

    def _entries_below(self, rel: str) -> list[TreeEntry]:
        base, ours, theirs = (
            {e.path: e for e in self.repo.ls_tree(c, [rel] if rel else [])}
            for c in (self.base, self.treeish, self.theirs)
        )
        merged = []
        for path in sorted(set(base) | set(ours) | set(theirs)):
            b, o, t = base.get(path), ours.get(path), theirs.get(path)
            # git's rule per file: take the side that changed it; both changed: keep ours.
            pick = o if _oid(t) == _oid(b) else t if _oid(o) == _oid(b) else o
            if pick is not None:
                merged.append(pick)
        return merged


def _oid(entry: TreeEntry | None) -> str | None:
    return entry.oid if entry else None
