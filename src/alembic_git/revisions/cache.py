"""Parse results cached by blob id: a file parsed once is never parsed again.

The key is git's blob id of the file's bytes, so a working-tree file and the
same file in any commit share one entry, and an entry can never be stale.  The
reader's version is part of the file name.  Deleting the file is always safe.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

from alembic_git.files import atomic_write
from alembic_git.revisions.reader import (
    READER_VERSION,
    Assignment,
    ImportRef,
    ParsedFile,
    Unknown,
    Value,
)

# Entries beyond this are dropped on save, keeping the ones used in this run.
MAX_ENTRIES = 100_000


def default_cache_dir(common_git_dir: Path | None) -> Path | None:
    """Where caches live; None when ALEMBIC_GIT_NO_CACHE=1 turns them off."""
    if os.environ.get("ALEMBIC_GIT_NO_CACHE") == "1":
        return None
    override = os.environ.get("ALEMBIC_GIT_CACHE_DIR")
    if override:
        return Path(override)
    if common_git_dir is not None:
        return common_git_dir / "alembic-git"
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "alembic-git"


class ParseCache:
    def __init__(self, folder: Path | None) -> None:
        self.path = folder / f"parse-v{READER_VERSION}.marshal" if folder else None
        # Entries stay in marshal's plain tuples until asked for: loading is then
        # one C call, and only the files a run reads are turned into objects.
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        self._dirty = False
        if self.path is not None:
            try:
                with open(self.path, "rb") as f:
                    loaded = marshal.loads(f.read())  # load(f) reads in small pieces: 5x slower
                if isinstance(loaded, dict):
                    self._entries = loaded
            except (OSError, EOFError, ValueError, TypeError):
                self._entries = {}  # unreadable or from another version: start afresh

    def get(self, key: str) -> ParsedFile | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._used.add(key)
        try:
            return _decode(entry)
        except (TypeError, ValueError, IndexError):
            return None  # a damaged entry: parse the file again

    def put(self, key: str, parsed: ParsedFile) -> None:
        self._entries[key] = _encode(parsed)
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or self.path is None:
            return
        entries = self._entries
        if len(entries) > MAX_ENTRIES:
            entries = {k: v for k, v in entries.items() if k in self._used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(str(self.path), marshal.dumps(entries), 0o644, durable=False)
        except OSError:
            pass  # a cache we cannot write only costs time
        self._dirty = False


# ImportRef and Unknown become lists (tagged), so they never look like a tuple value.
def _encode_value(value: Value) -> Any:
    if isinstance(value, tuple):
        return tuple(_encode_value(v) for v in value)
    if isinstance(value, ImportRef):
        return ["I", value.module, value.name]
    if isinstance(value, Unknown):
        return ["U", value.code, value.reason]
    return value


def _decode_value(raw: Any) -> Value:
    if isinstance(raw, tuple):
        return tuple(_decode_value(v) for v in raw)
    if isinstance(raw, list):
        return ImportRef(raw[1], raw[2]) if raw[0] == "I" else Unknown(raw[1], raw[2])
    if raw is None or isinstance(raw, str):
        return raw
    raise TypeError(raw)


def _encode(p: ParsedFile) -> tuple[Any, ...]:
    fields = {k: (_encode_value(a.value), a.line, a.span, a.count) for k, a in p.fields.items()}
    return (
        fields,
        p.doc,
        p.revises_span,
        p.revises_line,
        p.encoding,
        p.bom,
        p.quote,
        p.syntax_error,
        p.refusal,
        p.size,
    )


def _decode(raw: tuple[Any, ...]) -> ParsedFile:
    (fields, doc, revises_span, revises_line, encoding, bom, quote, syntax_error, refusal, size) = (
        raw
    )
    return ParsedFile(
        fields={
            k: Assignment(_decode_value(v), line, tuple(span), count)
            for k, (v, line, span, count) in fields.items()
        },
        doc=doc,
        revises_span=revises_span,
        revises_line=revises_line,
        encoding=encoding,
        bom=bom,
        quote=quote,
        syntax_error=syntax_error,
        refusal=refusal,
        size=size,
    )
