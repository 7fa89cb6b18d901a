"""Real pushes to bare repositories on disk, and the hooks they run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from support.repo import add_revision, commit_all, git, init_project, run_cli

ZERO = "0" * 40


def push(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run(
        ["git", "push", "-q", *args], cwd=cwd, capture_output=True, text=True, env=full, check=False
    )


def sha(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", ref)


def remote_sha(remote: Path, ref: str) -> str | None:
    proc = subprocess.run(
        ["git", "--git-dir", str(remote), "rev-parse", "--verify", "--quiet", ref],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() or None


def hooks_dir(repo: Path) -> Path:
    return repo / ".git" / "hooks"


def diverge(proj: Path) -> None:
    """origin/main gains ccc333 while branch ``feature`` adds bbb222: both children of aaa111."""
    git(proj, "checkout", "-q", "-b", "feature")
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    commit_all(proj, "invoices")
    git(proj, "checkout", "-q", "main")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "comments")
    git(proj, "push", "-q", "origin", "main")
    git(proj, "checkout", "-q", "feature")


def install(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(repo, "hook", "install", *args)
    assert result.returncode == 0, result.stderr
    return result


def published_world(tmp_path: Path) -> tuple[Path, Path]:
    """A project with revision aaa111 on main, pushed to the bare ``origin``."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    proj = init_project(tmp_path / "proj")
    add_revision(proj, "aaa111", None, "first")
    commit_all(proj, "first")
    git(proj, "remote", "add", "origin", str(remote))
    git(proj, "push", "-q", "-u", "origin", "main")
    git(proj, "remote", "set-head", "origin", "main")
    return proj, remote
