"""Write every change atomically, verify the result, and undo everything if it is wrong.

Each file is written to a temporary file in its own folder, flushed to disk and
renamed over the original with the original's mode (a new file gets the mode
``open()`` would give it).  The stale bytecode of a rewritten file is removed:
an id swap keeps the file's size and, often, its mtime second, so Python would
otherwise keep loading the old ``down_revision`` from ``__pycache__``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.files import atomic_write


@dataclass(frozen=True)
class Change:
    path: str  # absolute
    display: str
    old: bytes | None  # None: the file is new
    new: bytes


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def remove_stale_bytecode(path: str) -> list[str]:
    """Delete ``__pycache__/<stem>.*.pyc`` beside ``path``; return what was deleted."""
    folder, name = os.path.split(path)
    stem = os.path.splitext(name)[0]
    pattern = os.path.join(glob.escape(folder), "__pycache__", f"{glob.escape(stem)}.*.pyc")
    removed = []
    for pyc in sorted(glob.glob(pattern)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(pyc)
            removed.append(pyc)
    return removed


def _mode_of(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def apply(changes: Sequence[Change]) -> None:
    """Write every change; if one write fails, undo the ones already made and raise."""
    done: list[Change] = []
    try:
        for change in changes:
            if os.path.islink(change.path):
                raise AlembicGitError(f"{change.display} is a symbolic link; edit its target")
            mode = _mode_of(change.path)
            if change.old is None:
                if mode is not None:
                    raise AlembicGitError(f"{change.display} appeared meanwhile; not overwriting")
                os.makedirs(os.path.dirname(change.path), exist_ok=True)
            atomic_write(change.path, change.new, mode if mode is not None else _new_file_mode())
            done.append(change)
            remove_stale_bytecode(change.path)
    except (OSError, AlembicGitError) as exc:
        restore(done)
        raise AlembicGitError(
            f"cannot write {change.display}: {exc}; nothing was changed"
        ) from None


def restore(changes: Sequence[Change]) -> None:
    """Put back every file as it was before ``changes`` (new files are deleted)."""
    for change in reversed(changes):
        if change.old is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(change.path)
        else:
            mode = _mode_of(change.path)
            atomic_write(change.path, change.old, mode if mode is not None else _new_file_mode())
        remove_stale_bytecode(change.path)


def write_verified(changes: Sequence[Change], verify: Callable[[], list[str]]) -> None:
    """Apply ``changes``, then ``verify()``; on any problem restore every file and raise."""
    apply(changes)
    try:
        problems = verify()
    except AlembicGitError as exc:
        problems = [str(exc)]
    if problems:
        restore(changes)
        raise AlembicGitError(
            f"verification failed after writing: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            + "; every file was restored",
            hint="nothing changed on disk",
        )
