"""One environment against its database: the graph, the URL, the version table, the rows,
and the comparison (the part ``db status``, ``db sync`` and the hook share)."""

from __future__ import annotations

from alembic_git.db.orphans import RefIndex
from alembic_git.db.report import EnvStatus
from alembic_git.db.status import compare
from alembic_git.db.url import choose_url, require_url
from alembic_git.db.version_table import read_versions, version_table
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.source import Source
from alembic_git.workspace import Workspace


def env_status(
    ws: Workspace,
    source: Source,
    env: Environment,
    url: str | None,
    timeout: float | None = None,
    url_required: bool = True,
) -> EnvStatus | None:
    """None only when ``url_required`` is false and nothing names a database."""
    db = require_url(source, env, url) if url_required else choose_url(source, env, url)
    if db is None:
        return None
    graph = ws.graph(source, env)
    table = version_table(source, env)
    rows = read_versions(db, table, timeout)
    return EnvStatus(env, db, table, compare(graph, rows, RefIndex(ws, env).find))
