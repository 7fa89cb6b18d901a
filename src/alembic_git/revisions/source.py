"""Where files come from: the working tree, or one git commit read without a checkout.

Both kinds of source speak in absolute paths.  A commit's tree is *mounted* at
the repository's top-level folder, so ``%(here)s``, ``-c`` and relative paths
mean the same inside a commit as they do in the working tree.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo, TreeEntry

# Alembic's rule (script/base.py): a ``*.py`` name, not an editor lock file
# (``.#x.py``) and not ``__init__``.
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")

# Links followed in a row before a path counts as missing (a loop, or a long chain).
_MAX_SYMLINKS = 8

# Folders a monorepo scan never descends into.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        "site-packages",
        "build",
        "dist",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob: a cache key shared by files and commits."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_revision_filename(name: str) -> bool:
    return _REVISION_FILE.match(name) is not None


def _refuse_line_break(found: list[tuple[str, str | None]], source: Source) -> None:
    """``$`` also matches before a final newline, so Alembic lists ``x.py\\n`` as a
    revision file and then fails to load it (a bare AssertionError): say so instead."""
    for path, _ in found:
        if path.endswith("\n"):
            raise AlembicGitError(
                f"{source.display(path)!r}: a revision file name ending in a line break "
                "(Alembic lists it, then fails to load it)",
                hint="rename it (git mv) so that its name ends in .py",
            )


def norm(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


class Source(ABC):
    """A read-only view of a file tree, addressed by absolute POSIX paths."""

    root: str  # the repository's top-level folder (or the start folder outside git)
    label: str  # for messages: "the working tree", "commit 1a2b3c4 (origin/main)"

    def display(self, path: str) -> str:
        """``path`` relative to the root, as messages show it."""
        if path.startswith(self.root + "/"):
            return path[len(self.root) + 1 :]
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        return path if rel.startswith("../") else rel

    @abstractmethod
    def read(self, path: str) -> bytes | None: ...

    @abstractmethod
    def is_dir(self, path: str) -> bool: ...

    @abstractmethod
    def revision_files(self, folder: str, recursive: bool) -> list[tuple[str, str | None]]:
        """(path, blob id if known without reading) of each revision file, in Alembic's order."""

    @abstractmethod
    def read_many(self, paths: Sequence[tuple[str, str | None]]) -> list[bytes]: ...

    def sizes(self, paths: Sequence[tuple[str, str | None]]) -> list[int | None]:
        """Each file's size in bytes when known without reading it (None: read to know)."""
        return [None] * len(paths)

    @abstractmethod
    def find_files(self, names: frozenset[str], suffix: str) -> list[str]:
        """Every file named one of ``names`` or ending in ``suffix``, for ``--all``."""


class WorktreeSource(Source):
    def __init__(self, root: str) -> None:
        self.root = norm(root)
        self.label = "the working tree"

    def read(self, path: str) -> bytes | None:
        try:
            with open(path, "rb") as f:
                return f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def revision_files(self, folder: str, recursive: bool) -> list[tuple[str, str | None]]:
        found: list[tuple[str, str | None]] = []
        for dirpath, dirnames, filenames in os.walk(folder):
            if os.path.basename(dirpath).endswith("__pycache__"):
                dirnames[:] = []
                continue
            found.extend(
                (norm(os.path.join(dirpath, f)), None)
                for f in sorted(filenames)
                if is_revision_filename(f)
            )
            if not recursive:
                break
            dirnames.sort()
        _refuse_line_break(found, self)
        return found

    def sizes(self, paths: Sequence[tuple[str, str | None]]) -> list[int | None]:
        found: list[int | None] = []
        for path, _ in paths:
            try:
                found.append(os.stat(path).st_size)
            except OSError:
                found.append(None)  # reading it will say what is wrong
        return found

    def read_many(self, paths: Sequence[tuple[str, str | None]]) -> list[bytes]:
        out = []
        for path, _ in paths:
            with open(path, "rb") as f:
                out.append(f.read())
        return out

    def find_files(self, names: frozenset[str], suffix: str) -> list[str]:
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
            found.extend(
                norm(os.path.join(dirpath, f))
                for f in sorted(filenames)
                if f in names or f.endswith(suffix)
            )
        return found


class CommitSource(Source):
    """The tree of one commit (or tree id), read from git objects in bulk.

    Only the folders asked for are listed, so a large monorepo costs no more
    than its version folders.
    """

    def __init__(self, repo: Repo, treeish: str, label: str, root: str | None = None) -> None:
        self.repo = repo
        self.treeish = treeish
        self.label = label
        mount = root or (str(repo.toplevel) if repo.toplevel else str(repo.git_dir))
        self.root = norm(mount)
        self._folders: dict[str, list[TreeEntry]] = {}

    def _rel(self, path: str) -> str | None:
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        if rel == ".":
            return ""
        return None if rel.startswith("../") else rel

    def read(self, path: str) -> bytes | None:
        oid = self._blob(path)
        return None if oid is None else self.repo.cat().read(oid)

    def _blob(self, path: str) -> str | None:
        """The id of the file at ``path`` (symbolic links inside the tree followed, as
        opening the file in a checkout would); None: no such file in this tree."""
        rel = self._rel(path)
        for _ in range(_MAX_SYMLINKS):
            if not rel:
                return None
            entry = self.repo.tree_entry(self.treeish, rel)
            if entry is None or entry.mode in ("040000", "160000"):
                return None
            if entry.mode != "120000":
                return entry.oid
            target = self.repo.cat().read(entry.oid)
            if target is None or target.startswith(b"/"):
                return None  # an absolute link leaves the tree
            parent = rel.rpartition("/")[0]
            joined = posixpath.normpath(
                posixpath.join(parent, target.decode("utf-8", "surrogateescape"))
            )
            rel = None if joined.startswith("../") or joined == ".." else joined
        return None

    def is_dir(self, path: str) -> bool:
        rel = self._rel(path)
        if rel is None:
            return False
        if rel == "":
            return True
        # List the parent, not the folder: a version folder holds thousands of files.
        parent, _, name = rel.rpartition("/")
        if parent not in self._folders:
            self._folders[parent] = self.repo.ls_folder(self.treeish, parent)
        return any(e.path == name and e.mode == "040000" for e in self._folders[parent])

    def revision_files(self, folder: str, recursive: bool) -> list[tuple[str, str | None]]:
        rel = self._rel(folder)
        if rel is None:
            return []  # outside the tree; a missing folder simply lists nothing
        prefix = f"{rel}/" if rel else ""
        by_dir: dict[str, list[TreeEntry]] = {}
        for entry in self._entries_below(rel):
            if not entry.path.startswith(prefix) or entry.mode in ("120000", "160000"):
                continue
            by_dir.setdefault(entry.path.rpartition("/")[0], []).append(entry)
        found: list[tuple[str, str | None]] = []
        # Reproduce os.walk's top-down order: a folder's files, then its sub-folders sorted.
        stack = [rel]
        while stack:
            current = stack.pop()
            if current.rpartition("/")[2].endswith("__pycache__"):
                continue
            for entry in sorted(by_dir.get(current, []), key=lambda e: e.path):
                if is_revision_filename(entry.path.rpartition("/")[2]):
                    found.append((f"{self.root}/{entry.path}", entry.oid))
            if not recursive:
                break
            below = f"{current}/" if current else ""
            children = sorted(
                {_first_below(current, d) for d in by_dir if d.startswith(below) and d != current}
            )
            stack.extend(reversed(children))
        _refuse_line_break(found, self)
        return found

    def _entries_below(self, rel: str) -> list[TreeEntry]:
        return self.repo.ls_tree(self.treeish, [rel] if rel else [])

    def read_many(self, paths: Sequence[tuple[str, str | None]]) -> list[bytes]:
        oids = [oid if oid is not None else self._blob(p) for p, oid in paths]
        datas = self.repo.cat().read_many([o for o in oids if o is not None])
        found = iter(datas)
        # A path that is not a file in this tree reads as empty (as it always has).
        return [(next(found) or b"") if o is not None else b"" for o in oids]

    def find_files(self, names: frozenset[str], suffix: str) -> list[str]:
        found = []
        for entry in sorted(self.repo.ls_tree(self.treeish), key=lambda e: e.path):
            parts = entry.path.split("/")
            if any(p in SKIPPED_DIRS for p in parts[:-1]):
                continue
            if parts[-1] in names or parts[-1].endswith(suffix):
                found.append(f"{self.root}/{entry.path}")
        return found


def _first_below(parent: str, descendant: str) -> str:
    """The child folder of ``parent`` on the way to ``descendant``."""
    rest = descendant[len(parent) + 1 :] if parent else descendant
    head = rest.split("/", 1)[0]
    return f"{parent}/{head}" if parent else head
