"""Where git has a revision that the database ran and this branch lacks.

Looked up in git objects, never in the work tree: local branches first, then remote
refs, then (for a branch deleted since) the commits HEAD's reflog went through.  Each
commit's graph is read with the same loader and parse cache as everything else.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

from alembic_git.db.status import Elsewhere
from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.source import CommitSource
from alembic_git.workspace import Workspace

_REFLOG_COMMITS = 50  # bounded: a hook must stay quick


@dataclass
class RefIndex:
    ws: Workspace
    env: Environment
    include_reflog: bool = True
    _graphs: list[tuple[str, CommitSource, RevisionGraph]] | None = field(
        default=None, init=False
    )
    _reflog: list[tuple[str, CommitSource, RevisionGraph]] | None = field(
        default=None, init=False
    )
    _switch: dict[str, str] = field(default_factory=dict, init=False)  # name -> switch args

    def find(self, rev: str) -> Elsewhere:
        for graphs in (self._ref_graphs(), self._reflog_graphs()):
            having = [(name, src, g) for name, src, g in graphs if rev in g.revisions]
            if having:
                names = tuple(dict.fromkeys(name for name, _, _ in having))
                name, src, g = having[0]
                return Elsewhere(names, g, src, self._switch.get(name, name))
        return Elsewhere((), None)

    def _ref_graphs(self) -> list[tuple[str, CommitSource, RevisionGraph]]:
        if self._graphs is None:
            repo = self.ws.repo
            refs = [] if repo is None else repo.refs("refs/heads", "refs/remotes")
            self._graphs = []
            for ref, sha in refs:
                if ref.startswith("refs/remotes/") and ref.endswith("/HEAD"):
                    continue
                name = ref.removeprefix("refs/heads/").removeprefix("refs/remotes/")
                local = ref.startswith("refs/heads/")
                self._switch.setdefault(name, name if local else f"--detach {name}")
                self._add(self._graphs, name, sha)
        return self._graphs

    def _reflog_graphs(self) -> list[tuple[str, CommitSource, RevisionGraph]]:
        if self._reflog is None:
            self._reflog = []
            repo = self.ws.repo
            if repo is None or not self.include_reflog:
                return self._reflog
            proc = repo.git("log", "-g", "--format=%H", "HEAD", ok_codes=(0, 128))
            known = {src.treeish for _, src, _ in self._ref_graphs()}
            shas = [s for s in dict.fromkeys(proc.stdout.decode().split()) if s not in known]
            for sha in shas[:_REFLOG_COMMITS]:
                self._switch[f"commit {sha[:12]}"] = f"--detach {sha[:12]}"
                self._add(self._reflog, f"commit {sha[:12]}", sha)
        return self._reflog

    def _add(
        self, into: list[tuple[str, CommitSource, RevisionGraph]], name: str, sha: str
    ) -> None:
        source = CommitSource(self.ws.require_repo(), sha, f"commit {sha[:12]} ({name})")
        # a branch that cannot be read has nothing to tell about this database
        with suppress(AlembicGitError):
            into.append((name, source, self.ws.graph(source, self.env)))
