"""The target, and what is published: the only part of ``merge-heads`` planning that asks git.

"Ours" is what the target does *not* have, never "whatever HEAD has": when a
feature is merged into main, ``MERGE_HEAD`` is the feature, and main's own
revisions (absent from the feature) are published.  So a revision may move
only if it is absent from the target *and* from every published record:

* the target: ``--onto``, else ``MERGE_HEAD`` during a merge, else the commit a
  rebase in progress replays onto, else the default target branch;
* the default target branch (the remote's default, see :mod:`alembic_git.targets`);
* ``HEAD`` itself when the checked-out branch *is* that default branch (merging
  into main: main's revisions have landed, pushed or not).
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic_git.config import Environment
from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.graph import RevisionGraph
from alembic_git.resolve.plan import Sides
from alembic_git.targets import NoTarget, default_target
from alembic_git.workspace import Workspace


@dataclass(frozen=True)
class Ref:
    ref: str  # what git resolves
    name: str  # what messages say


@dataclass(frozen=True)
class Targets:
    onto: tuple[Ref, ...]  # empty when none was found
    published: tuple[Ref, ...]
    state: str | None  # "merge", "rebase" or None: what is in progress
    missing: str = ""  # why there is no target, when onto is empty

    @property
    def onto_name(self) -> str:
        return " + ".join(r.name for r in self.onto)


def _short(sha: str) -> str:
    return sha[:12]


def _branch_name(repo: Repo, ref: str) -> str:
    """``origin/main`` -> ``main``; a local branch name stays as it is."""
    if repo.ref_exists(f"refs/heads/{ref}"):
        return ref
    full = ref.removeprefix("refs/remotes/")
    return full.split("/", 1)[1] if "/" in full else full


def find_targets(repo: Repo | None, onto: str | None) -> Targets:
    if repo is None:
        return Targets((), (), None, "not in a git repository")
    merging = repo.merge_heads()
    rebasing = repo.rebase_onto() if not merging else None
    state = "merge" if merging else "rebase" if rebasing else None
    branch = repo.current_branch()
    try:
        default: tuple[str, str] | None = default_target(repo, branch)
        missing = ""
    except NoTarget as exc:  # a wrong configured target, or a git failure, still raises
        default, missing = None, exc.message
    if onto is not None:
        refs: tuple[Ref, ...] = (Ref(onto, onto),)
    elif merging:
        refs = tuple(Ref(sha, f"MERGE_HEAD ({_short(sha)})") for sha in merging)
    elif rebasing:
        refs = (Ref(rebasing, f"the rebase's onto ({_short(rebasing)})"),)
    elif default is not None:
        refs = (Ref(default[0], default[0]),)
    else:
        if branch in ("main", "master"):
            missing = f"{branch} is checked out and is itself the default branch (no other target)"
        return Targets((), (), state, missing)
    published: list[Ref] = []
    onto_commits = {repo.resolve_commit(r.ref) for r in refs}
    if default is not None and repo.resolve_commit(default[0]) not in onto_commits:
        published.append(Ref(default[0], default[0]))
    if branch is not None and repo.resolve_commit("HEAD") is not None:
        default_branch = _branch_name(repo, default[0]) if default is not None else None
        if branch == default_branch or (default is None and branch in ("main", "master")):
            published.append(Ref("HEAD", f"{branch} (checked out: the default branch)"))
    return Targets(refs, tuple(published), state)


def sides_for(ws: Workspace, env: Environment, targets: Targets) -> Sides | None:
    """The revision ids of the target(s) and of each published ref, for one environment."""
    if not targets.onto:
        return None
    merges: dict[frozenset[str], tuple[str, str]] = {}

    def revisions(ref: Ref) -> frozenset[str]:
        graph = _graph(ws, env, ref)
        for rev, f in graph.revisions.items():
            if len(f.down_revisions) > 1:
                merges.setdefault(frozenset(f.down_revisions), (rev, ref.name))
        return frozenset(graph.revisions)

    onto: frozenset[str] = frozenset()
    for ref in targets.onto:
        onto |= revisions(ref)
    published = tuple((ref.name, revisions(ref)) for ref in targets.published)
    return Sides(targets.onto_name, onto, published, merges)


def _graph(ws: Workspace, env: Environment, ref: Ref) -> RevisionGraph:
    source = ws.commit(ref.ref, label=f"commit {ref.name}")
    try:
        return ws.target_graph(source, env)
    except AlembicGitError as exc:
        raise AlembicGitError(
            f"cannot read the revisions of {ref.name}: {exc}",
            hint="fix that branch first, or name another target with --onto REF",
        ) from None
