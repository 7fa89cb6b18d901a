"""Which branch a branch will be merged into, when the user does not say."""

from __future__ import annotations

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.settings import RawSettings, configured_target


class NoTarget(AlembicGitError):
    """Nothing names a target and none of the usual branches exists (not an error in
    a configured target, which is an AlembicGitError of its own)."""


def remote_default_ref(repo: Repo, remote: str) -> str | None:
    """``REMOTE/HEAD``'s branch, else ``REMOTE/main``, else ``REMOTE/master``, if present, as a
    full ref: a tag of the same short name can never stand in for it."""
    head = repo.symbolic_ref(f"refs/remotes/{remote}/HEAD")
    if head and repo.ref_exists(head):
        return head
    for name in ("main", "master"):
        if repo.ref_exists(f"refs/remotes/{remote}/{name}"):
            return f"refs/remotes/{remote}/{name}"
    return None


def remote_default(repo: Repo, remote: str) -> str | None:
    """The same, as ``REMOTE/BRANCH``."""
    found = remote_default_ref(repo, remote)
    return found.removeprefix("refs/remotes/") if found else None


def default_target(repo: Repo, branch: str | None) -> tuple[str, str]:
    """(full ref, how it was chosen): the configured target, else the upstream remote's
    default branch, else origin's, else a local main/master.  ``branch``: the checked-out
    branch (None: detached)."""
    remotes: list[str] = []
    if branch:
        remote = repo.config_get(f"branch.{branch}.remote")
        if remote and remote != ".":
            remotes.append(remote)
    configured, where = configured_target(RawSettings.read(repo))
    if configured:
        return _configured(repo, configured, where), where
    if "origin" not in remotes:
        remotes.append("origin")
    for remote in remotes:
        found = remote_default_ref(repo, remote)
        if found:
            return found, f"the default branch of remote {remote!r}"
    for name in ("main", "master"):
        if repo.ref_exists(f"refs/heads/{name}") and name != branch:
            return f"refs/heads/{name}", f"local branch {name!r}"
    raise NoTarget(
        "no target branch found (no origin/HEAD, origin/main, origin/master, main or master)",
        hint="name one: --against REF (or git config alembic-git.target REF)",
    )


def _configured(repo: Repo, name: str, where: str) -> str:
    """The configured target as a full ref (or the commit id it is)."""
    try:
        full = repo.full_ref(name)
    except AlembicGitError as exc:
        raise AlembicGitError(f"{where}: {exc.message}", hint=exc.hint) from None
    if full is not None and repo.ref_exists(full):
        return full
    if full is None and repo.ref_exists(name):
        return name  # a commit id, or HEAD~2: as given
    raise AlembicGitError(
        f"{where} is {name!r}, which is not a commit here",
        hint="fetch it, or change it (git config alembic-git.target REF)",
    )
