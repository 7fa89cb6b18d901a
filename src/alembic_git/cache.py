"""Parse results cached by blob id: a file parsed once is never parsed again.

The key is git's blob id of the file's bytes, so a working-tree file and the
same file in any commit share one entry, and an entry can never be stale.  The
reader's version is part of the file name.  Deleting the file is always safe.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from alembic_git.reader import READER_VERSION, ParsedFile

# Entries beyond this are dropped on save, keeping the ones used in this run.
MAX_ENTRIES = 100_000


def default_cache_dir(common_git_dir: Path | None) -> Path:
    override = os.environ.get("ALEMBIC_GIT_CACHE_DIR")
    if override:
        return Path(override)
    if common_git_dir is not None:
        return common_git_dir / "alembic-git"
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "alembic-git"


class ParseCache:
    def __init__(self, folder: Path | None) -> None:
        self.path = folder / f"parse-v{READER_VERSION}.pickle" if folder else None
        self._entries: dict[str, ParsedFile] = {}
        self._used: set[str] = set()
        self._dirty = False
        if self.path is not None and os.environ.get("ALEMBIC_GIT_NO_CACHE") != "1":
            try:
                with open(self.path, "rb") as f:
                    loaded = pickle.load(f)
                if isinstance(loaded, dict):
                    self._entries = loaded
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
                self._entries = {}  # unreadable or from another version: start afresh

    def get(self, key: str) -> ParsedFile | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._used.add(key)
        return entry

    def put(self, key: str, parsed: ParsedFile) -> None:
        self._entries[key] = parsed
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or self.path is None or os.environ.get("ALEMBIC_GIT_NO_CACHE") == "1":
            return
        entries = self._entries
        if len(entries) > MAX_ENTRIES:
            entries = {k: v for k, v in entries.items() if k in self._used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".parse-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(entries, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache we cannot write only costs time
        self._dirty = False
