"""The repository through GitPython: discovery, git commands, config, objects.

GitPython finds the repository (work tree, bare, linked worktree, ``GIT_DIR`` or
``--git-dir``) without a process; every git command goes through its ``Git`` object,
pinned to that repository (:mod:`alembic_git.git.env`), with its protections against
unsafe options left on.  Every GitPython failure becomes one ``GitError`` line.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from alembic_git.errors import AlembicGitError, GitError
from alembic_git.git.catfile import CatFile
from alembic_git.git.env import pinned_env
from alembic_git.git.gitpython import (
    GitCommandError,
    GitCommandNotFound,
    InvalidGitRepositoryError,
    NoSuchPathError,
)
from alembic_git.git.gitpython import git as gitpython

ZERO_SHA = "0" * 40
R = TypeVar("R", bound="RepoBase")


@dataclass(frozen=True)
class Completed:
    """What a git command gave: exit code and raw output."""

    returncode: int
    stdout: bytes
    stderr: str


@dataclass(frozen=True)
class TreeEntry:
    path: str  # relative to the tree's root, POSIX separators
    mode: str
    oid: str


def describe(args: Sequence[str], code: int, stderr: str) -> str:
    lines = stderr.strip().splitlines()
    detail = lines[-1] if lines else "no output"
    return f"`git {' '.join(args)}` failed (exit {code}): {detail}"


@contextmanager
def git_errors(what: str) -> Iterator[None]:
    """GitPython's exceptions as one ``GitError`` line: the command, its exit code, stderr."""
    try:
        yield
    except GitCommandNotFound:
        raise GitError("git is not installed or not on PATH", hint="install git") from None
    except GitCommandError as exc:
        command = [str(a) for a in exc.command[1:]] if isinstance(exc.command, list) else [what]
        # GitPython keeps stderr as "\n  stderr: '<text>'".
        stderr = str(exc.stderr).removeprefix("\n  stderr: '").removesuffix("'")
        code = exc.status if isinstance(exc.status, int) else -1
        raise GitError(describe(command, code, stderr)) from None
    except (ValueError, gitpython.BadName, OSError) as exc:
        raise GitError(f"git could not {what}: {exc}") from None


def refuse_option(name: str, what: str = "revision") -> str:
    """``name`` unchanged; refused when git would read it as an option."""
    if name.startswith("-"):
        raise AlembicGitError(
            f"{name!r} is not a git {what}: it starts with '-'",
            hint="name a branch, tag or commit",
        )
    return name


@functools.cache
def git_version() -> tuple[int, ...]:
    """Asked once per process (GitPython asks once more at import, to find git)."""
    with git_errors("tell its version"):
        return gitpython.Git().version_info


@dataclass
class RepoBase:
    git_dir: Path
    common_dir: Path
    toplevel: Path | None  # None for a bare repository
    _gp: gitpython.Repo = field(repr=False)
    _cat: CatFile | None = field(default=None, repr=False)
    # Answers about commits named by sha, which cannot change during a run.
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)

    @property
    def is_bare(self) -> bool:
        return self.toplevel is None

    # -- locating ---------------------------------------------------------
    @classmethod
    def discover(cls: type[R], start: Path, git_dir: str | None = None) -> R | None:
        """The repository containing ``start`` (or named by ``git_dir``/``GIT_DIR``, relative
        to ``start``), if any."""
        named = git_dir if git_dir is not None else os.environ.get("GIT_DIR") or None
        try:
            if named is not None:
                gp = gitpython.Repo(start / named)
            else:
                gp = gitpython.Repo(start, search_parent_directories=True)
        except (InvalidGitRepositoryError, NoSuchPathError):
            return None
        top = None if gp.bare or gp.working_tree_dir is None else Path(gp.working_tree_dir)
        repo = cls(
            git_dir=Path(gp.git_dir).resolve(),
            common_dir=Path(gp.common_dir).resolve(),
            toplevel=top.resolve() if top is not None else None,
            _gp=gp,
        )
        gp.git.update_environment(**pinned_env(repo.git_dir, repo.common_dir, repo.toplevel))
        return repo

    # -- commands ---------------------------------------------------------
    def git(
        self,
        *args: str,
        ok_codes: Iterable[int] = (0,),
        env: dict[str, str] | None = None,
        config: dict[str, str] | None = None,
    ) -> Completed:
        """``git <args>`` through GitPython's ``repo.git``; raise ``GitError`` (command,
        exit code, stderr) unless the exit code is ok.  ``config``: ``git -c`` entries."""
        command, *rest = args
        runner: gitpython.Git = self._gp.git
        if config:  # on a copy: GitPython keeps `-c` options on the object until its next call
            copy = gitpython.Git(self._gp.working_dir)
            copy.update_environment(**runner.environment())
            runner = copy(c=[f"{k}={v}" for k, v in config.items()])
        with git_errors(command):
            code, out, err = getattr(runner, command.replace("-", "_"))(
                *rest,
                env=env,
                with_extended_output=True,
                with_exceptions=False,
                stdout_as_string=False,
                strip_newline_in_stdout=False,
            )
        if code not in tuple(ok_codes):
            raise GitError(describe(args, code, err))
        return Completed(code, out, err)

    def out(self, *args: str) -> str:
        return self.git(*args).stdout.decode("utf-8", "surrogateescape").strip()

    def popen(self, *args: str) -> Any:
        """A long-lived ``git <args>`` with pipes (GitPython's ``AutoInterrupt``)."""
        import subprocess

        command, *rest = args
        with git_errors(command):
            return getattr(self._gp.git, command.replace("-", "_"))(
                *rest, as_process=True, istream=subprocess.PIPE
            )

    # -- config -----------------------------------------------------------
    def config_get(self, key: str) -> str | None:
        proc = self.git("config", "--get", "--", key, ok_codes=(0, 1))
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def config_regexp(self, pattern: str) -> list[tuple[str, str | None]]:
        """(key, value) of each config entry whose key matches; None: a bare key (true).

        Through ``git config``: GitPython's own reader does not know ``GIT_CONFIG_GLOBAL``,
        ``GIT_CONFIG_NOSYSTEM`` or ``git -c``."""
        proc = self.git("config", "-z", "--get-regexp", "--", pattern, ok_codes=(0, 1))
        pairs: list[tuple[str, str | None]] = []
        for record in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if record:
                key, sep, value = record.partition("\n")
                pairs.append((key, value if sep else None))
        return pairs

    def git_path(self, name: str) -> Path:
        """``git rev-parse --git-path``: honours core.hooksPath and linked worktrees."""
        path = Path(self.out("rev-parse", "--git-path", refuse_option(name, "path")))
        return path if path.is_absolute() else (self.toplevel or self.git_dir) / path

    def is_shallow(self) -> bool:
        return (self.common_dir / "shallow").exists()

    @property
    def can_merge_tree(self) -> bool:
        """Whether this git simulates a merge with ``merge-tree --write-tree`` (2.38+)."""
        return git_version() >= (2, 38)

    # -- objects ----------------------------------------------------------
    def cat(self) -> CatFile:
        if self._cat is None or self._cat.broken:
            if self._cat is not None:
                self._cat.close()
            self._cat = CatFile(self.popen("cat-file", "--batch"))
        return self._cat

    def close(self) -> None:
        """End the persistent ``cat-file`` (ours and any GitPython started)."""
        if self._cat is not None:
            self._cat.close()
            self._cat = None
        self._gp.close()
