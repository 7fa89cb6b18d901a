"""The target, and what is published: the only part of ``merge-heads`` planning that asks git.

"Ours" is what the target does *not* have, never "whatever HEAD has": when a
feature is merged into main, ``MERGE_HEAD`` is the feature, and main's own
revisions (absent from the feature) are published.  So a revision may move
only if it is absent from the target *and* from every published record:

* the target: ``--onto``, else ``MERGE_HEAD`` during a merge, else the commit a
  rebase in progress replays onto, else the default target branch;
* the default target branch (the remote's default, see :mod:`alembic_git.merging.targets`);
* ``HEAD`` itself when the checked-out branch *is* that default branch (merging
  into main: main's revisions have landed, pushed or not);
* every ref the project declares published (``published`` in ``[tool.alembic-git]``,
  ``git config alembic-git.published``): release branches, tags.  One that cannot be
  read here keeps anything from moving.

Refs are kept as full names (``refs/remotes/origin/main``): a tag ``origin/main``
never stands in for the remote-tracking branch.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.merging.targets import NoTarget, default_target
from alembic_git.resolve.plan import Sides
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.settings import RawSettings, published_patterns
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
    unknown: tuple[str, ...] = ()  # published refs that cannot be read here, and why

    @property
    def onto_name(self) -> str:
        return " + ".join(r.name for r in self.onto)


def _short(sha: str) -> str:
    return sha[:12]


def _branch_name(ref: str) -> str:
    """``refs/remotes/origin/main`` and ``refs/heads/main`` -> ``main``."""
    if ref.startswith("refs/heads/"):
        return ref.removeprefix("refs/heads/")
    if ref.startswith("refs/remotes/"):
        return ref.removeprefix("refs/remotes/").split("/", 1)[-1]
    return ref


def _named(repo: Repo, name: str) -> Ref:
    """A user-given name kept as the one full ref it means (ambiguous: an error)."""
    full = repo.full_ref(name)
    return Ref(full, repo.short_ref(full)) if full else Ref(name, name)


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
        refs: tuple[Ref, ...] = (_named(repo, onto),)
    elif merging:
        refs = tuple(Ref(sha, f"MERGE_HEAD ({_short(sha)})") for sha in merging)
    elif rebasing:
        refs = (Ref(rebasing, f"the rebase's onto ({_short(rebasing)})"),)
    elif default is not None:
        refs = (Ref(default[0], repo.short_ref(default[0])),)
    else:
        if branch in ("main", "master"):
            missing = f"{branch} is checked out and is itself the default branch (no other target)"
        return Targets((), (), state, missing)
    seen = {repo.resolve_commit(r.ref) for r in refs}
    published: list[Ref] = []

    def publish(ref: Ref, sha: str | None) -> None:
        if sha not in seen:  # one graph per commit, however many refs point at it
            seen.add(sha)
            published.append(ref)

    if default is not None:
        publish(Ref(default[0], repo.short_ref(default[0])), repo.resolve_commit(default[0]))
    if branch is not None and repo.resolve_commit("HEAD") is not None:
        default_branch = _branch_name(default[0]) if default is not None else None
        if branch == default_branch or (default is None and branch in ("main", "master")):
            published.append(Ref("HEAD", f"{branch} (checked out: the default branch)"))
    unknown = []
    for pattern, where in published_patterns(RawSettings.read(repo)):
        found, why = _configured_published(repo, pattern, where)
        for ref, sha in found:
            publish(ref, sha)
        unknown += [why] if why else []
    return Targets(refs, tuple(published), state, unknown=tuple(unknown))


def _configured_published(
    repo: Repo, pattern: str, where: str
) -> tuple[list[tuple[Ref, str]], str | None]:
    """The refs a ``published`` entry names, with their commits; or why it names none
    (a glob matching nothing names nothing, and that is fine)."""
    if any(c in pattern for c in "*?["):
        return [(Ref(r, repo.short_ref(r)), sha) for r, sha in repo.glob_refs(pattern)], None
    try:
        ref = _named(repo, pattern)
    except AlembicGitError as exc:
        raise AlembicGitError(f"{where}: {exc.message}", hint=exc.hint) from None
    sha = repo.resolve_commit(ref.ref)
    if sha is None:
        return [], f"{pattern!r} ({where}) is not a commit here"
    return [(ref, sha)], None


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
    return Sides(targets.onto_name, onto, published, merges, targets.unknown)


def _graph(ws: Workspace, env: Environment, ref: Ref) -> RevisionGraph:
    source = ws.commit(ref.ref, label=f"commit {ref.name}")
    try:
        return ws.target_graph(source, env)
    except AlembicGitError as exc:
        raise AlembicGitError(
            f"cannot read the revisions of {ref.name}: {exc}",
            hint="fix that branch first, or name another target with --onto REF",
        ) from None
