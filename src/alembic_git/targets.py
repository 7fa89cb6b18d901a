"""Which branch a branch will be merged into, when the user does not say."""

from __future__ import annotations

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.settings import RawSettings, configured_target


class NoTarget(AlembicGitError):
    """Nothing names a target and none of the usual branches exists (not an error in
    a configured target, which is an AlembicGitError of its own)."""


def remote_default(repo: Repo, remote: str) -> str | None:
    """``REMOTE/HEAD``'s branch, else ``REMOTE/main``, else ``REMOTE/master``, if present."""
    head = repo.symbolic_ref(f"refs/remotes/{remote}/HEAD")
    if head and repo.ref_exists(head):
        return head.removeprefix("refs/remotes/")
    for name in ("main", "master"):
        if repo.ref_exists(f"refs/remotes/{remote}/{name}"):
            return f"{remote}/{name}"
    return None


def default_target(repo: Repo, branch: str | None) -> tuple[str, str]:
    """(ref, how it was chosen): the upstream remote's default branch, else origin's,
    else a local main/master.  ``branch``: the checked-out branch (None: detached)."""
    remotes: list[str] = []
    if branch:
        remote = repo.config_get(f"branch.{branch}.remote")
        if remote and remote != ".":
            remotes.append(remote)
    configured, where = configured_target(RawSettings.read(repo))
    if configured:
        if repo.ref_exists(configured):
            return configured, where
        raise AlembicGitError(
            f"{where} is {configured!r}, which is not a commit here",
            hint="fetch it, or change it (git config alembic-git.target REF)",
        )
    if "origin" not in remotes:
        remotes.append("origin")
    for remote in remotes:
        found = remote_default(repo, remote)
        if found:
            return found, f"the default branch of remote {remote!r}"
    for name in ("main", "master"):
        if repo.ref_exists(f"refs/heads/{name}") and name != branch:
            return name, f"local branch {name!r}"
    raise NoTarget(
        "no target branch found (no origin/HEAD, origin/main, origin/master, main or master)",
        hint="name one: --against REF (or git config alembic-git.target REF)",
    )
