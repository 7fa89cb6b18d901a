""""Published" includes databases: the revisions a listed database has run are never
rebased (a database that ran a revision would skip it once its parent changes).

The databases: ``--published-db URL`` on ``merge-heads``, and ``published-databases``
in ``[tool.alembic-git]`` (URLs, or ``$NAME`` for an environment variable holding one).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from alembic_git.db.status import ran_revisions
from alembic_git.db.url import DatabaseUrl, expand
from alembic_git.db.version_table import read_versions, version_table
from alembic_git.errors import AlembicGitError
from alembic_git.resolve.plan import Sides
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.source import Source
from alembic_git.workspace import Workspace

_TIMEOUT = 5.0
_KEY = "published-databases"


def configured(ws: Workspace) -> list[tuple[str, str]]:
    """(spec, where) of each database ``[tool.alembic-git] published-databases`` lists."""
    from alembic_git.settings import RawSettings

    repo = ws.repo
    if repo is None:
        return []
    raw = RawSettings.read(repo)
    if raw.toml_error:
        raise AlembicGitError(raw.toml_error)
    value = raw.toml.get(_KEY, [])
    where = f"{raw.toml_name} [tool.alembic-git] {_KEY}"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise AlembicGitError(f"{where} must be a list of database URLs (or $VARIABLE names)")
    return [(v, where) for v in value]


def databases(ws: Workspace, flags: Sequence[str]) -> list[DatabaseUrl]:
    specs = [(f, "--published-db") for f in flags] + configured(ws)
    found = []
    for spec, where in specs:
        url = expand(spec, os.environ, f"{where} {spec!r}")
        origin = where if url == spec else f"{spec.strip()} in {where}"
        found.append(DatabaseUrl(url, origin))
    return found


def with_databases(
    source: Source,
    env: Environment,
    graph: RevisionGraph,
    sides: Sides,
    dbs: Sequence[DatabaseUrl],
) -> Sides:
    """``sides`` with each database's revisions as one more published record."""
    extra = []
    table = version_table(source, env) if dbs else None
    for db in dbs:
        assert table is not None
        try:
            rows = read_versions(db, table, _TIMEOUT)
        except AlembicGitError as exc:
            raise AlembicGitError(
                f"cannot tell what the published database {db.shown} ran: {exc}",
                hint="fix its URL or reach it, or join the heads with --strategy merge",
            ) from None
        extra.append((f"the database {db.shown}", frozenset(ran_revisions(graph, rows or []))))
    return replace(sides, published=(*sides.published, *extra))
