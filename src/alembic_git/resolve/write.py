"""Write every change atomically, verify the result, and undo everything if it is wrong.

All or nothing, in three steps: a journal of the old bytes is flushed to disk
(``journal.py``); every new content goes to a temporary file beside its target
(``.NAME.alembic-git.tmp``), flushed to disk; then all are renamed over their
targets, with the original's mode (a new file gets the mode ``open()`` would give
it), and the graph is read back and verified.  SIGINT, SIGTERM and SIGHUP are held
meanwhile and acted on at safe points: an interrupted run restores every file and
says so.  A crash (SIGKILL) leaves the journal, which the next run rolls back.

The stale bytecode of a rewritten file is removed: an id swap keeps the file's
size and, often, its mtime second, so Python would otherwise keep loading the old
``down_revision`` from ``__pycache__``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.files import (
    Deferred,
    atomic_write,
    fsync_dirs,
    remove_stale_bytecode,
    signals_deferred,
)
from alembic_git.resolve import journal


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


def _mode_of(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def tmp_path(path: str) -> str:
    """The temporary file beside ``path``: a fixed name, so the journal can list it."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.alembic-git.tmp")


class _Interrupted(Exception):
    pass


def _entries(changes: Sequence[Change]) -> list[journal.Entry]:
    """Refuse what cannot be written (before anything is); the journal's entries."""
    entries = []
    for change in changes:
        if os.path.islink(change.path):
            raise AlembicGitError(f"{change.display} is a symbolic link; edit its target")
        mode = _mode_of(change.path)
        if change.old is None and mode is not None:
            raise AlembicGitError(f"{change.display} appeared meanwhile; not overwriting")
        entries.append(
            journal.Entry(
                change.path,
                change.display,
                tmp_path(change.path),
                change.old,
                journal.digest(change.new),
                mode if mode is not None else _new_file_mode(),
            )
        )
    return entries


def _write_tmp(entry: journal.Entry, data: bytes) -> None:
    os.makedirs(os.path.dirname(entry.path), exist_ok=True)
    fd = os.open(entry.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(entry.tmp, entry.mode)


def _rename_all(entries: Sequence[journal.Entry], at: list[journal.Entry]) -> None:
    """Rename every temporary file over its target (``at``: the one being renamed)."""
    for entry in entries:
        at[:] = [entry]
        os.replace(entry.tmp, entry.path)
        remove_stale_bytecode(entry.path)
    fsync_dirs(os.path.dirname(e.path) for e in entries)


def _undo(changes: Sequence[Change], entries: Sequence[journal.Entry], renamed: int) -> None:
    for entry in entries:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.tmp)
    restore(changes[:renamed])


def write_verified(
    changes: Sequence[Change],
    verify: Callable[[], list[str]],
    journal_file: str | None = None,
    after_write: Callable[[], None] | None = None,
) -> None:
    """Apply ``changes``, run ``after_write()`` (post-write hooks), then ``verify()``; on
    any problem (or a signal) restore every file and raise.  ``journal_file``: where to
    keep the journal (None: no journal)."""
    entries = _entries(changes)
    renamed = 0  # how many changes an undo must restore
    at: list[journal.Entry] = []  # the file being written, for the message

    def rollback() -> None:
        _undo(changes, entries, renamed)
        _done(journal_file)

    with signals_deferred() as deferred:
        try:
            if journal_file is not None:
                journal.write(journal_file, entries)
            for entry, change in zip(entries, changes, strict=True):
                if deferred.signum is not None:
                    raise _Interrupted
                at[:] = [entry]
                _write_tmp(entry, change.new)
            if deferred.signum is not None:
                raise _Interrupted
            renamed = len(entries)  # from here on, undo means restoring every file
            _rename_all(entries, at)
            problems = _after_write_and_verify(after_write, verify, deferred)
        except _Interrupted:
            rollback()
            raise AlembicGitError(
                f"interrupted by {deferred.name} while writing; every file was restored",
                hint="nothing changed on disk",
            ) from None
        except OSError as exc:
            rollback()
            failed = at[0].display if at else "the journal"
            raise AlembicGitError(f"cannot write {failed}: {exc}; nothing was changed") from None
        except AlembicGitError as exc:  # a post-write hook failed
            rollback()
            exc.message += "; every file was restored"
            done = "nothing changed on disk"
            exc.hint = f"{done}; {exc.hint}" if exc.hint else done
            raise
        except BaseException:
            rollback()
            raise
        if problems:
            rollback()
            raise AlembicGitError(
                f"verification failed after writing: {problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                + "; every file was restored",
                hint="nothing changed on disk",
            )
        _done(journal_file)


def _after_write_and_verify(
    after_write: Callable[[], None] | None, verify: Callable[[], list[str]], deferred: Deferred
) -> list[str]:
    """Run the post-write step, then the verification; a signal meanwhile interrupts."""
    if after_write is not None:
        try:
            after_write()
        except AlembicGitError:
            if deferred.signum is not None:  # Ctrl-C reaches the hook's process too
                raise _Interrupted from None
            raise
    try:
        problems = verify()
    except AlembicGitError as exc:
        problems = [str(exc)]
    if deferred.signum is not None:
        raise _Interrupted
    return problems


def _done(journal_file: str | None) -> None:
    if journal_file is not None:
        journal.remove(journal_file)


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
