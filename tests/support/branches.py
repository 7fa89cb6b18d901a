"""A project with a bare remote and feature branches: the shapes `check --against` meets."""

from __future__ import annotations

from pathlib import Path

from support.repo import add_revision, commit_all, git, init_project
from support.templates import copy_of


def published_project(root: Path) -> Path:
    """main with a1 -> a2, pushed to a bare ``origin`` whose HEAD is main (``root/work``)."""
    copy_of("published_project", _build_published_project, root)
    return root / "work"


def _build_published_project(root: Path) -> None:
    repo = init_project(root / "work")
    add_revision(repo, "a1a1a1a1a1a1", None, "create users", table="users")
    add_revision(repo, "a2a2a2a2a2a2", "a1a1a1a1a1a1", "create posts", table="posts")
    commit_all(repo, "two migrations")
    remote = root / "origin.git"
    git(root, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "-u", "origin", "main")
    git(repo, "remote", "set-head", "origin", "main")


def branch_with(
    repo: Path, name: str, rev: str, down: str, start: str = "main", **kw: object
) -> str:
    """A branch off ``start`` that adds one revision; returns to the previous branch."""
    previous = git(repo, "rev-parse", "--abbrev-ref", "HEAD")
    git(repo, "checkout", "-q", "-b", name, start)
    add_revision(repo, rev, down, f"add {name}", table=f"t_{rev}", **kw)  # type: ignore[arg-type]
    sha = commit_all(repo, f"{name}: add {rev}")
    git(repo, "checkout", "-q", previous)
    return sha


def advance_main(repo: Path, rev: str, down: str) -> str:
    """Someone else's revision lands on origin/main."""
    git(repo, "checkout", "-q", "main")
    add_revision(repo, rev, down, f"main adds {rev}", table=f"m_{rev}")
    sha = commit_all(repo, f"main: add {rev}")
    git(repo, "push", "-q", "origin", "main")
    return sha


def state(repo: Path) -> tuple[str, str, str]:
    """HEAD, the index and the work tree status: what no command may change."""
    return (
        git(repo, "rev-parse", "HEAD"),
        git(repo, "ls-files", "-s"),
        git(repo, "status", "--porcelain", "--untracked-files=all"),
    )
