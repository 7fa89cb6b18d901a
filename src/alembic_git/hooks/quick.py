"""The pre-push hook's fast path: prove "no new conflict" without reading three graphs.

The full comparison (``against.Comparer``) reads the target's graph, this branch's
and the merged one.  Most pushes need much less:

1. This branch changed nothing in the version folders and config files since the
   merge base: the merge keeps the target's revisions; it brings nothing new.
2. It only *added* files there (nothing published can be re-pointed) and git
   merges them cleanly: the merged graph is the target's plus the added files.
   When the target's graph is plain (one head, no branch labels), its heads and
   ids, kept in a small cache keyed by the version folders' tree ids, plus the
   added files give the merged heads without reading the other thousands of files;
   otherwise the merged graph is read once.

Anything else, or any doubt (a conflict, an error, labels, ``depends_on``, a
value imported from elsewhere), answers "not sure" and the caller runs the full
comparison, which also writes the report.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.files import atomic_write
from alembic_git.revisions.cache import default_cache_dir
from alembic_git.revisions.conflicts import conflict_groups
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import ILLEGAL_ID_CHARS, find_cycle
from alembic_git.revisions.loader import read_revision_file
from alembic_git.revisions.source import Source, is_revision_filename
from alembic_git.workspace import Workspace

_SUMMARY_FORMAT = 1
_KEEP_SUMMARIES = 32


@dataclass(frozen=True)
class Summary:
    """What the fast path needs of one environment's graph in one set of folder trees."""

    heads: tuple[str, ...]
    ids: frozenset[str]
    plain: bool  # one head and no branch labels


class QuickCheck:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.repo = ws.require_repo()
        caches = default_cache_dir(self.repo.common_dir)
        self.folder = caches / "hook-heads" if caches else None

    def surely_clean(
        self, ours: str, label: str, target: str, envs: list[Environment], source: Source
    ) -> bool:
        repo = self.repo
        target_sha = repo.resolve_commit(target)
        bases = repo.merge_bases(ours, target_sha) if target_sha else []
        if not target_sha or not bases:
            return False
        folders = [source.display(loc) for env in envs for loc in env.version_locations]
        configs = [source.display(f) for env in envs for f in (env.config_file, env.toml_file) if f]
        changes = repo.diff_status(bases[0], ours, [*folders, *configs])
        if not changes:
            return True
        if any(status != "A" or not _below(path, folders) for status, path in changes):
            return False
        if bases[0] == target_sha:  # a fast-forward: the merge is this commit
            merged: Source = source
        elif repo.can_merge_tree:
            tree, conflicted = repo.merge_tree_conflicts(ours, target_sha)
            if any(_below(path, folders) for path in conflicted):
                return False
            merged = self.ws.tree(tree, f"{label} merged into {target}")
        else:
            return False
        added = [path for _, path in changes]
        for env in envs:
            try:
                verdict = self._added_to_plain(env, target_sha, added, source)
                if verdict is None:
                    verdict = not conflict_groups(self.ws.graph(merged, env))
            except AlembicGitError:
                return False
            if not verdict:
                return False
        return True

    def _added_to_plain(
        self, env: Environment, target: str, added: list[str], source: Source
    ) -> bool | None:
        """Whether the target's plain graph plus the added files keeps one head; None:
        cannot tell this way."""
        summary = self._summary(env, target, source)
        if summary is None or not summary.plain:
            return None
        files = [p for p in added if _is_revision_path(p, env, source)]
        if not files:
            return True
        if any(p.endswith("\n") for p in files):
            return None  # Alembic cannot load such a file: the full check reports it
        paths = [f"{source.root}/{p}" for p in files]
        datas = source.read_many([(p, None) for p in paths])
        new: dict[str, tuple[str, ...]] = {}
        for path, data in zip(paths, datas, strict=True):
            # A few files: read alone, cheaper than loading the cache.  A broken file
            # raises, and the caller turns to the full check, which reports it.
            f = read_revision_file(source, env, path, data)
            if (
                f.branch_labels
                or f.depends_on
                or f.revision in summary.ids
                or f.revision in new
                or set(f.revision) & ILLEGAL_ID_CHARS  # the full check reports it
            ):
                return None
            new[f.revision] = f.down_revisions
        known = summary.ids | new.keys()
        if any(d not in known for downs in new.values() for d in downs) or find_cycle(
            new, lambda r: new.get(r, ())
        ):
            return None
        pointed = {d for downs in new.values() for d in downs}
        heads = [h for h in (*summary.heads, *new) if h not in pointed]
        return len(heads) <= 1

    def _summary(self, env: Environment, target: str, source: Source) -> Summary | None:
        locations = [source.display(loc) for loc in env.version_locations]
        # The folders' tree objects, read through the cat-file process already running
        # (cheaper than another git call); hashed, they name this exact set of files.
        names = [f"{target}:{'' if loc == '.' else loc}" for loc in locations]
        trees = self.repo.cat().read_many(names)
        digests = [hashlib.sha1(t).hexdigest() if t is not None else None for t in trees]
        key_text = json.dumps([_SUMMARY_FORMAT, env.name, env.recursive, locations, digests])
        path = (
            self.folder / f"{hashlib.sha1(key_text.encode()).hexdigest()}.json"
            if self.folder
            else None
        )
        if path is not None:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                return Summary(tuple(raw["heads"]), frozenset(raw["ids"]), bool(raw["plain"]))
            except (OSError, ValueError, KeyError, TypeError):
                pass
        try:
            graph = self.ws.graph(self.ws.tree(target, target), env)  # shared with the comparison
        except AlembicGitError:
            return None
        plain = len(graph.heads) == 1 and not graph.labelled
        summary = Summary(graph.heads, frozenset(graph.ids), plain)
        if path is not None:
            _write(path, {"heads": list(summary.heads), "ids": sorted(summary.ids), "plain": plain})
        return summary


def _write(path: os.PathLike[str] | str, data: object) -> None:
    """Atomically, keeping the newest entries; a cache we cannot write only costs time."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        atomic_write(str(path), json.dumps(data).encode(), 0o644, durable=False)
        entries = sorted(
            (e for e in os.scandir(folder) if e.name.endswith(".json")),
            key=lambda e: e.stat().st_mtime,
        )
        for old in entries[:-_KEEP_SUMMARIES]:
            os.unlink(old.path)
    except OSError:
        pass


def _below(path: str, folders: Sequence[str]) -> bool:
    return any(folder in ("", ".") or path.startswith(f"{folder}/") for folder in folders)


def _is_revision_path(path: str, env: Environment, source: Source) -> bool:
    """Whether Alembic would load ``path`` (relative to the root) as one of env's revisions."""
    parts = path.split("/")
    if not is_revision_filename(parts[-1]) or any(p.endswith("__pycache__") for p in parts):
        return False
    for loc in env.version_locations:
        folder = source.display(loc)
        prefix = "" if folder in ("", ".") else f"{folder}/"
        if path.startswith(prefix) and (env.recursive or "/" not in path[len(prefix) :]):
            return True
    return False
