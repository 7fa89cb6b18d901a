"""The verdict cache: an environment's analysis, kept by the content it was made from.

A verdict is what ``heads``, ``check``, the hooks and ``check --against`` read of a graph
(heads, effective and real heads, labels of heads, bases, branch and merge points, the
conflict rule's groups with their fork points, the records of heads and fork points,
every revision's id and parents) or the error reading the environment gave.  A run whose
revision files are unchanged reads it instead of building the graph, so it never imports
networkx; a cold run builds the graph and writes the verdict.

The key is a hash of everything the verdict depends on: the blob id of every revision
file (git's tree entries for a commit; the bytes hashed for the working tree) with its
path, the files of external locations, the environment's settings (the frozen
``Environment``), the size limit, where the source is mounted (not its name: messages
about revision files name files, never the commit), the reader's and the tool's versions
and this module's schema.  A revision file that imports
a constant from another module makes that module part of the verdict too: the files the
reader looked at (found or missing) are kept beside it and checked before it is believed.

One file per key under the cache folder, written atomically; a damaged, partial or
foreign file reads as no verdict, and deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_git import __version__
from alembic_git.errors import AlembicGitError
from alembic_git.files import atomic_write
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import GraphSummary, RevisionRecord
from alembic_git.revisions.limits import SizeLimit
from alembic_git.revisions.locations import NothingToRead
from alembic_git.revisions.reader import READER_VERSION, ImportRef, ParsedFile, Value
from alembic_git.revisions.source import Source, WorktreeSource, blob_id

SCHEMA = 1
MAX_FILES = 64  # verdicts kept; the oldest go first

Entries = list[tuple[str, str | None]]


@dataclass(frozen=True)
class Verdict:
    summary: GraphSummary | None  # None: reading the environment failed with ``error``
    error: AlembicGitError | None
    reads: tuple[tuple[str, str | None], ...]  # other modules the reader looked at: blob ids
    note: str | None  # printed once per run when the verdict is used

    def still_true(self, source: Source) -> bool:
        """Whether the modules the revision files import from are as they were."""
        for path, oid in self.reads:
            data = source.read(path)
            if (None if data is None else blob_id(data)) != oid:
                return False
        return True


class RecordingSource(Source):
    """``source`` with the blob ids already known filled in, and the files read one by one
    (the modules revision files import constants from) recorded."""

    def __init__(self, inner: Source, known: dict[str, str]) -> None:
        self.inner, self.known = inner, known
        self.root, self.label = inner.root, inner.label
        self.reads: dict[str, str | None] = {}

    def display(self, path: str) -> str:
        return self.inner.display(path)

    def read(self, path: str) -> bytes | None:
        data = self.inner.read(path)
        self.reads[path] = None if data is None else blob_id(data)
        return data

    def is_dir(self, path: str) -> bool:
        return self.inner.is_dir(path)

    def revision_files(self, folder: str, recursive: bool) -> list[tuple[str, str | None]]:
        return [
            (p, oid or self.known.get(p)) for p, oid in self.inner.revision_files(folder, recursive)
        ]

    def read_many(self, paths: Sequence[tuple[str, str | None]]) -> list[bytes]:
        return self.inner.read_many(paths)

    def sizes(self, paths: Sequence[tuple[str, str | None]]) -> list[int | None]:
        return self.inner.sizes(paths)

    def find_files(self, names: frozenset[str], suffix: str) -> list[str]:
        return self.inner.find_files(names, suffix)


class StatMemo:
    """Blob ids of work-tree files by (size, mtime, ctime, inode), as git's index keeps
    them, so a warm run hashes only what changed.  An entry is believed only for a file
    last changed well before the run that hashed it began (git's "racy" rule): an edit
    within the clock's granularity of the hashing is never missed."""

    RACY_NS = 2_000_000_000

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "stat-v1.marshal" if folder is not None else None
        self.started = time.time_ns()  # before anything is hashed
        self._trusted_before = 0
        self._entries: dict[str, tuple[int, int, int, int, str]] = {}
        self._fresh: dict[str, tuple[int, int, int, int, str]] = {}
        if self.path is not None:
            try:
                with open(self.path, "rb") as f:
                    started, entries = marshal.loads(f.read())
                if isinstance(started, int) and isinstance(entries, dict):
                    self._trusted_before, self._entries = started - self.RACY_NS, entries
            except Exception:  # damaged or missing: hash everything
                pass

    def blob_ids(
        self, source: Source, entries: Entries, limit: SizeLimit
    ) -> list[tuple[str, str]] | None:
        """Each entry with its blob id; None when a file is over ``limit`` or unreadable
        (then the whole load says what is wrong)."""
        found: list[tuple[str, str]] = []
        for path, oid in entries:
            if oid is not None:
                found.append((path, oid))
                continue
            try:
                st = os.stat(path)
            except OSError:
                return None
            if st.st_size > limit.max_bytes:
                return None
            sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            known = self._entries.get(path)
            if (
                known is not None
                and known[:4] == sig
                and max(st.st_mtime_ns, st.st_ctime_ns) < self._trusted_before
            ):
                found.append((path, known[4]))
                continue
            data = source.read(path)
            if data is None:
                return None
            found.append((path, blob_id(data)))
            self._fresh[path] = (*sig, found[-1][1])
        return found

    def save(self) -> None:
        if self.path is None or not self._fresh:
            return
        entries = {**self._entries, **self._fresh}
        if len(entries) > 200_000:
            entries = self._fresh
        with contextlib.suppress(OSError, ValueError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(
                str(self.path), marshal.dumps((self.started, entries)), 0o644, durable=False
            )
        self._fresh = {}


def with_blob_ids(source: Source, entries: Entries) -> list[tuple[str, str]]:
    """Each entry with its blob id, hashing the files whose id the source does not know."""
    unknown = [(p, oid) for p, oid in entries if oid is None]
    datas = iter(source.read_many(unknown) if unknown else [])
    return [(p, oid if oid is not None else blob_id(next(datas))) for p, oid in entries]


def external_entries(env: Environment) -> list[tuple[str, str]]:
    """The files of the external locations, by blob id (a missing folder counts too)."""
    fs = WorktreeSource("/")
    found: list[tuple[str, str]] = []
    for folder in env.external_locations:
        if not fs.is_dir(folder):
            found.append((folder, "missing"))
            continue
        found += with_blob_ids(fs, fs.revision_files(folder, env.recursive))
    return found


def verdict_key(
    source: Source,
    env: Environment,
    entries: Sequence[tuple[str, str]],
    external: Sequence[tuple[str, str]],
    limit: SizeLimit,
) -> str:
    h = hashlib.sha256()
    head = (SCHEMA, __version__, READER_VERSION, type(source).__name__, source.root)
    for part in (*head, repr(env), repr(limit)):
        h.update(repr(part).encode("utf-8", "surrogateescape") + b"\0")
    for path, oid in (*entries, ("--external--", ""), *external):
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + oid.encode() + b"\n")
    return h.hexdigest()


def self_contained(parsed: ParsedFile) -> bool:
    """True when the file's values need no other module."""

    def plain(value: Value) -> bool:
        if isinstance(value, tuple):
            return all(plain(v) for v in value)
        return not isinstance(value, ImportRef)

    return all(plain(a.value) for a in parsed.fields.values())


class VerdictStore:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder / "verdicts" if folder is not None else None

    def _path(self, key: str) -> Path | None:
        return self.folder / f"{key}.marshal" if self.folder is not None else None

    def get(self, key: str) -> Verdict | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            with open(path, "rb") as f:
                raw = marshal.loads(f.read())
            return _decode(raw, key)
        except Exception:  # anything unreadable is no verdict: build the graph
            return None

    def put(self, key: str, verdict: Verdict) -> None:
        path = self._path(key)
        if path is None or self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(str(path), marshal.dumps(_encode(verdict, key)), 0o644, durable=False)
            self._prune()
        except (OSError, ValueError):
            pass  # a cache we cannot write only costs time

    def _prune(self) -> None:
        assert self.folder is not None
        files = [p for p in self.folder.iterdir() if p.suffix == ".marshal"]
        if len(files) <= MAX_FILES:
            return
        by_age = sorted(files, key=_mtime)
        for old in by_age[: len(files) - MAX_FILES]:
            with contextlib.suppress(OSError):  # another run took it already
                os.unlink(old)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# -- the file format: marshal's plain values, the key and schema inside ------------
def _encode(v: Verdict, key: str) -> tuple[Any, ...]:
    error = None
    if v.error is not None:
        e = v.error
        error = (e.message, e.path, e.line, e.hint, isinstance(e, NothingToRead))
    s = v.summary
    summary = None
    if s is not None:
        summary = (
            s.ids,
            s.down,
            s.paths,
            s.displays,
            s.labelled,
            s.heads,
            s.real_heads,
            s.bases,
            s.branch_points,
            s.merge_points,
            s.labels,
            {
                r: (x.down_revisions, x.path, x.display, x.line, x.message)
                for r, x in s.records.items()
            },
            s.head_groups,
            s.forks,
        )
    return ("alembic-git verdict", SCHEMA, key, summary, error, v.reads, v.note)


def _decode(raw: Any, key: str) -> Verdict | None:
    magic, schema, stored_key, summary, error, reads, note = raw
    if (magic, schema, stored_key) != ("alembic-git verdict", SCHEMA, key):
        return None
    exc: AlembicGitError | None = None
    if error is not None:
        message, path, line, hint, nothing = error
        kind = NothingToRead if nothing else AlembicGitError
        exc = kind(message, path=path, line=line, hint=hint)
    s = None
    if summary is not None:
        (ids, down, paths, displays, labelled, heads, real, bases, bps, mps) = summary[:10]
        labels, recs, groups, forks = summary[10:]
        if not (len(ids) == len(down) == len(paths) == len(displays)):
            return None
        s = GraphSummary(
            ids=ids,
            down=down,
            paths=paths,
            displays=displays,
            labelled=labelled,
            heads=heads,
            real_heads=real,
            bases=bases,
            branch_points=bps,
            merge_points=mps,
            labels=labels,
            records={r: RevisionRecord(r, *fields) for r, fields in recs.items()},
            head_groups=groups,
            forks=forks,
        )
    if s is None and exc is None:
        return None
    return Verdict(s, exc, tuple(reads), note)
