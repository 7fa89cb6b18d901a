"""Where a command runs: the folder, the repository, the cache, and the sources."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.revisions.cache import ParseCache, default_cache_dir
from alembic_git.revisions.discovery import Environment, Selection
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.limits import SizeLimit
from alembic_git.revisions.loader import FileMemo, load_revision_files
from alembic_git.revisions.locations import (
    NothingToRead,
    external_revision_files,
    nothing_to_read,
    unrelated_graphs_note,
)
from alembic_git.revisions.selection import select_environments
from alembic_git.revisions.source import CommitSource, Source, WorktreeSource, norm
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
            return RevisionGraph(())

    def _build(self, source: Source, env: Environment) -> RevisionGraph:
        files = load_revision_files(source, env, self.cache, self._files, self.size_limit)
        if not files:  # never "ok" on nothing: say what was looked at
            raise nothing_to_read(source, env)
        files += external_revision_files(env, self.cache, self._files, self.size_limit)
        graph = RevisionGraph(files)
        note = unrelated_graphs_note(source, env, graph)
        if note is not None and note not in self._notes:
            self._notes.add(note)
            print(note, file=sys.stderr)
        return graph

    def close(self) -> None:
        if self._cache is not None:
            self._cache.save()
        if self._repo is not None:
            self._repo.close()
