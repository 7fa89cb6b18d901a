"""Where a command runs: the folder, the repository, the cache, and the sources."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from alembic_git.errors import AlembicGitError, GitError
from alembic_git.git import Repo
from alembic_git.revisions.cache import ParseCache, default_cache_dir
from alembic_git.revisions.conflicts import head_groups
from alembic_git.revisions.discovery import Environment, Selection
from alembic_git.revisions.graph import EMPTY_SUMMARY, RevisionGraph
from alembic_git.revisions.limits import SizeLimit
from alembic_git.revisions.loader import FileMemo, load_revision_files, locate_revision_files
from alembic_git.revisions.locations import (
    EXTERNAL_MARK,
    NothingToRead,
    external_revision_files,
    nothing_to_read,
    unrelated_graphs_note,
)
from alembic_git.revisions.selection import select_environments
from alembic_git.revisions.source import CommitSource, Source, WorktreeSource, norm
from alembic_git.revisions.verdicts import (
    RecordingSource,
    StatMemo,
    Verdict,
    VerdictStore,
    external_entries,
    self_contained,
    verdict_key,
    with_blob_ids,
)
from alembic_git.settings import RawSettings

_LOOKS_LIKE_A_REVISION = (
    "it looks like an Alembic revision id: --commit takes a git commit (a branch, a tag, a "
    "commit sha); to look at a revision, use alembic-git touches REV or graph --around REV"
)


@dataclass
class Workspace:
    cwd: str
    selection: Selection
    git_dir: str | None = None
    # Whether graphs are answered from the verdict cache (and cold ones written to it);
    # forecast, which reads hundreds of one-off merges, turns it off.
    use_verdicts: bool = True
    _verdicts: VerdictStore | None = field(default=None, init=False)
    _stats: StatMemo | None = field(default=None, init=False)
    _repo: Repo | None = field(default=None, init=False)
    _repo_looked_up: bool = field(default=False, init=False)
    _cache: ParseCache | None = field(default=None, init=False)
    _limit: SizeLimit | None = field(default=None, init=False)
    _files: FileMemo = field(default_factory=dict, init=False)
    _notes: set[str] = field(default_factory=set, init=False)
    _graphs: dict[tuple[str, str, Environment], RevisionGraph | AlembicGitError] = field(
        default_factory=dict, init=False
    )

    @classmethod
    def here(cls, selection: Selection, git_dir: str | None = None) -> Workspace:
        return cls(cwd=norm(os.getcwd()), selection=selection, git_dir=git_dir)

    @property
    def repo(self) -> Repo | None:
        if not self._repo_looked_up:
            self._repo_looked_up = True
            self._repo = Repo.discover(Path(self.cwd), self.git_dir)
        return self._repo

    def require_repo(self) -> Repo:
        if self.repo is None:
            raise AlembicGitError(
                f"{self.cwd} is not in a git repository",
                hint="run inside a clone, or pass --git-dir",
            )
        return self.repo

    @property
    def cache(self) -> ParseCache:
        if self._cache is None:
            common = self.repo.common_dir if self.repo is not None else None
            self._cache = ParseCache(default_cache_dir(common))
        return self._cache

    @property
    def verdicts(self) -> VerdictStore:
        if self._verdicts is None:
            common = self.repo.common_dir if self.repo is not None else None
            folder = default_cache_dir(common) if self.use_verdicts else None
            self._verdicts = VerdictStore(folder)
            self._stats = StatMemo(folder)
        return self._verdicts

    @property
    def size_limit(self) -> SizeLimit:
        """The largest file read: the environment variable, else the project's
        pyproject.toml (of the work tree, or HEAD when bare; never of the commit read)."""
        if self._limit is None:
            toml = RawSettings.read(self.repo).toml if self.repo is not None else None
            self._limit = SizeLimit.configured(toml)
        return self._limit

    def worktree(self) -> Source:
        repo = self.repo
        if repo is not None and repo.is_bare:
            raise AlembicGitError(
                "a bare repository has no working tree", hint="pass --commit REF to read a commit"
            )
        root = str(repo.toplevel) if repo is not None and repo.toplevel else self.cwd
        return WorktreeSource(root)

    def commit(self, ref: str, label: str | None = None) -> CommitSource:
        repo = self.require_repo()
        sha = repo.resolve_commit(ref)
        if sha is None:
            raise AlembicGitError(
                f"{ref!r} is not a commit in this repository",
                hint=_LOOKS_LIKE_A_REVISION
                if re.fullmatch(r"[0-9a-f]{12}", ref)  # the length of the ids Alembic makes
                else "check the name (git branch -a), or fetch it first",
            )
        return CommitSource(repo, sha, label or f"commit {sha[:12]} ({ref})")

    def tree(self, tree_id: str, label: str) -> CommitSource:
        return CommitSource(self.require_repo(), tree_id, label)

    def source(self, rev: str | None) -> Source:
        return self.worktree() if rev is None else self.commit(rev)

    def cwd_in(self, source: Source) -> str:
        """The current folder as seen inside ``source`` (a bare repository: its root)."""
        if isinstance(source, CommitSource) and (self.repo is None or self.repo.is_bare):
            return source.root
        return self.cwd

    def environments(self, source: Source) -> list[Environment]:
        return select_environments(source, self.cwd_in(source), self.selection)

    def graph(self, source: Source, env: Environment) -> RevisionGraph:
        """The environment's graph in ``source``; a commit's is read once per run (errors
        too): the hook's fast path, the comparison and forecast ask for the same ones."""
        if type(source) is not CommitSource:  # the work tree, or a merge made up here
            return self._build(source, env)
        key = (source.treeish, source.root, env)
        if key not in self._graphs:
            try:
                self._graphs[key] = self._build(source, env)
            except AlembicGitError as exc:
                self._graphs[key] = exc
        found = self._graphs[key]
        if isinstance(found, AlembicGitError):
            raise found
        return found

    def target_graph(self, source: Source, env: Environment) -> RevisionGraph:
        """The graph of a commit that a branch is compared with: one that does not have
        the environment yet (the branch adds it) has no revisions, and says nothing."""
        try:
            return self.graph(source, env)
        except NothingToRead:
            return RevisionGraph.warm(EMPTY_SUMMARY, lambda: RevisionGraph(()))

    def _build(self, source: Source, env: Environment) -> RevisionGraph:
        """The graph from its verdict when the files are the ones it was made from (warm:
        no graph is built until something beyond the verdict is asked), else built and
        its verdict written."""
        store = self.verdicts
        if store.folder is None:
            return self._whole(source, env)
        listed = locate_revision_files(source, env)
        entries = self._blob_ids(source, listed) if listed else None
        if entries is None:
            return self._whole(source, env)  # the error says what is wrong; nothing to keep
        key = verdict_key(source, env, entries, external_entries(env), self.size_limit)
        known = dict(entries)
        found = store.get(key)
        if found is not None and found.still_true(source):
            self._say(found.note)
            if found.error is not None:
                raise found.error
            assert found.summary is not None
            return RevisionGraph.warm(found.summary, lambda: self._whole(source, env, known))
        recording = RecordingSource(source, known)
        try:
            graph = self._whole(recording, env)
        except GitError:
            raise  # git failed: nothing to say about these files
        except AlembicGitError as exc:
            store.put(key, Verdict(None, exc, tuple(recording.reads.items()), None))
            raise
        # Constants imported by external files are read from elsewhere: not kept.
        external = [f for f in graph.files if f.display.endswith(EXTERNAL_MARK)]
        if all(self_contained(f.parsed) for f in external):
            note = unrelated_graphs_note(source, env, graph)
            summary = graph.summary(head_groups(graph))
            store.put(key, Verdict(summary, None, tuple(recording.reads.items()), note))
        return graph

    def _blob_ids(
        self, source: Source, listed: list[tuple[str, str | None]]
    ) -> list[tuple[str, str]] | None:
        """Every file's blob id: git's for a commit, the work tree's hashed (only what
        changed since the last run)."""
        if self._stats is not None and isinstance(source, WorktreeSource):
            return self._stats.blob_ids(source, listed, self.size_limit)
        if any(oid is None for _, oid in listed):  # a made-up source: read it all
            sizes = source.sizes([e for e in listed if e[1] is None])
            if any(size is not None and size > self.size_limit.max_bytes for size in sizes):
                return None
        return with_blob_ids(source, listed)

    def _whole(
        self, source: Source, env: Environment, known: dict[str, str] | None = None
    ) -> RevisionGraph:
        if known is not None:  # the blob ids hashed for the verdict: not read again
            source = RecordingSource(source, known)
        files = load_revision_files(source, env, self.cache, self._files, self.size_limit)
        if not files:  # never "ok" on nothing: say what was looked at
            raise nothing_to_read(source, env)
        files += external_revision_files(env, self.cache, self._files, self.size_limit)
        graph = RevisionGraph(files)
        self._say(unrelated_graphs_note(source, env, graph))
        return graph

    def _say(self, note: str | None) -> None:
        if note is not None and note not in self._notes:
            self._notes.add(note)
            print(note, file=sys.stderr)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.save()
        if self._stats is not None:
            self._stats.save()
        if self._repo is not None:
            self._repo.close()
