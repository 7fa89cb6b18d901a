"""A journal of the files ``merge-heads`` is about to replace, so that a crash between
two renames (SIGKILL, the out-of-memory killer, a power cut) is undone by the next run.

The journal is written (and flushed to disk) before the first temporary file and
removed after the last file is written and the graph verified.  It holds, for each
file: its path, the temporary file beside it, its old bytes (none for a new file)
and a digest of the new bytes.  Whoever finds it puts every file back as it was,
except a file that holds neither the old nor the new bytes (someone edited it since:
it is left alone and named), deletes the temporary files, and says so.

It lives in ``<git dir>/alembic-git/journal`` (per worktree); outside a git
repository, in ``.alembic-git-journal`` in the current folder.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic_git.errors import AlembicGitError
from alembic_git.files import atomic_write, remove_stale_bytecode
from alembic_git.git import Repo

_FORMAT = "alembic-git journal 1"


@dataclass(frozen=True)
class Entry:
    path: str  # absolute
    display: str
    tmp: str  # the temporary file beside it, renamed over it
    old: bytes | None  # None: a new file
    new_digest: str
    mode: int


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def journal_path(repo: Repo | None, cwd: str) -> str:
    if repo is None:
        return os.path.join(cwd, ".alembic-git-journal")
    return str(Path(repo.git_dir) / "alembic-git" / "journal")


def write(path: str, entries: Sequence[Entry]) -> None:
    record = {
        "format": _FORMAT,
        "pid": os.getpid(),
        "entries": [
            {
                "path": e.path,
                "display": e.display,
                "tmp": e.tmp,
                "old": None if e.old is None else base64.b64encode(e.old).decode("ascii"),
                "new_sha256": e.new_digest,
                "mode": e.mode,
            }
            for e in entries
        ],
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    atomic_write(path, json.dumps(record).encode("utf-8"), 0o600)


def remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _read(path: str) -> list[Entry]:
    try:
        record = json.loads(Path(path).read_bytes())
        if record.get("format") != _FORMAT:
            raise ValueError(f"format {record.get('format')!r}")
        return [
            Entry(
                e["path"],
                e["display"],
                e["tmp"],
                None if e["old"] is None else base64.b64decode(e["old"]),
                e["new_sha256"],
                int(e["mode"]),
            )
            for e in record["entries"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AlembicGitError(
            f"the journal of an interrupted merge-heads cannot be read ({exc})",
            path=path,
            hint="check the files it names by hand (git status, git diff), then delete it",
        ) from None


def _current(path: str) -> bytes | None:
    try:
        if os.path.islink(path):
            return None
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def _undo(entry: Entry) -> str | None:
    """Put one file back; the outcome for the summary ("restored", ...), None: nothing to do."""

    with contextlib.suppress(FileNotFoundError):
        os.unlink(entry.tmp)
    now = _current(entry.path)
    if now == entry.old:
        return None
    if now is not None and digest(now) != entry.new_digest:
        return "edited"
    if entry.old is None:
        if now is not None:
            os.unlink(entry.path)
        remove_stale_bytecode(entry.path)
        return "removed"
    atomic_write(entry.path, entry.old, stat.S_IMODE(entry.mode))
    remove_stale_bytecode(entry.path)
    return "restored"


def recover(path: str) -> list[str]:
    """Undo the writes of an interrupted run if its journal is there; the lines to show."""
    if not os.path.lexists(path):
        return []
    entries = _read(path)
    outcomes = [(e, _undo(e)) for e in entries]
    remove(path)
    restored = sum(o == "restored" for _, o in outcomes)
    removed = sum(o == "removed" for _, o in outcomes)
    lines = [
        f"alembic-git: an earlier merge-heads was interrupted while writing ({path}): rolled "
        f"back, {restored} file(s) restored and {removed} new file(s) removed (of "
        f"{len(entries)} it was writing)"
    ]
    for entry, outcome in outcomes:
        if outcome == "edited":
            lines.append(
                f"alembic-git: warning: {entry.display} changed since the interrupted run: "
                "left as it is (check it with git diff)"
            )
    return lines
