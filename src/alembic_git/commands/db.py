"""``alembic-git db status`` / ``db sync``: what the database ran, against this branch."""

from __future__ import annotations

import json
from typing import Any

import click

from alembic_git.db.orphans import RefIndex
from alembic_git.db.report import EnvStatus, headline, status_text
from alembic_git.db.status import compare
from alembic_git.db.url import require_url
from alembic_git.db.version_table import read_versions, version_table
from alembic_git.errors import EXIT_CONFLICT, EXIT_ERROR, AlembicGitError
from alembic_git.source import Source
from alembic_git.workspace import Workspace


def env_statuses(
    ws: Workspace, source: Source, url: str | None, timeout: float | None = None
) -> list[EnvStatus | tuple[str, AlembicGitError]]:
    """Each environment against its own database; one that fails does not hide another."""
    found: list[EnvStatus | tuple[str, AlembicGitError]] = []
    for env in ws.environments(source):
        try:
            graph = ws.graph(source, env)
            db = require_url(source, env, url)
            table = version_table(source, env)
            rows = read_versions(db, table, timeout)
            st = compare(graph, rows, RefIndex(ws, env).find)
        except AlembicGitError as exc:
            found.append((env.name, exc))
            continue
        found.append(EnvStatus(env, db, table, st))
    return found


def status(ws: Workspace, rev: str | None, url: str | None, fmt: str) -> int:
    results = env_statuses(ws, ws.source(rev), url)
    many = len(results) > 1 or ws.selection.all
    oks = [r for r in results if isinstance(r, EnvStatus)]
    errors = [r for r in results if not isinstance(r, EnvStatus)]
    if fmt == "json":
        click.echo(json.dumps(_json(oks, errors, many), indent=2))
    else:
        for es in oks:
            click.echo(status_text(es, many))
    if errors:
        for name, exc in errors:
            prefix = f"{name}: " if many else ""
            click.echo(f"alembic-git: error: {prefix}{exc}", err=True)
        return EXIT_ERROR
    return EXIT_CONFLICT if any(es.status.needs_action for es in oks) else 0


def _json(
    oks: list[EnvStatus], errors: list[tuple[str, AlembicGitError]], many: bool
) -> dict[str, Any]:
    if not many and len(oks) == 1:
        return oks[0].status.to_json()
    envs: list[dict[str, Any]] = [
        {"environment": es.env.name, "database": es.db.shown, **es.status.to_json()} for es in oks
    ]
    envs += [{"environment": n, "status": "error", "error": str(e)} for n, e in errors]
    worst = (
        "error"
        if errors
        else "up-to-date"
        if not any(es.status.needs_action for es in oks)
        else "needs-action"
    )
    return {"status": worst, "environments": envs}



def sync(ws: Workspace, url: str | None, yes: bool, dry_run: bool) -> int:
    """Downgrade the orphans with their own downgrade(), then upgrade to this branch."""
    from alembic_git.db import sync as db_sync

    source = ws.worktree()
    results = env_statuses(ws, source, url)
    for result in results:
        if not isinstance(result, EnvStatus):
            name, exc = result
            raise AlembicGitError(f"{name}: {exc}" if len(results) > 1 else str(exc))
    code = 0
    for es in results:
        assert isinstance(es, EnvStatus)
        many = len(results) > 1
        click.echo(headline(es, many))
        steps = db_sync.plan(es)
        if not steps:
            click.echo("  nothing to do")
            continue
        db_sync.check_downgrades(steps)
        click.echo("  plan (runs the project's migration code, as alembic upgrade does):")
        for i, step in enumerate(steps, 1):
            click.echo(f"    {i}. {step.text}")
        if dry_run:
            code = EXIT_CONFLICT
            continue
        if not yes and not click.confirm("  run it?", default=False, err=True):
            raise click.exceptions.Abort()
        db_sync.run(source, es, steps, lambda line: click.echo(line, err=True))
        after = env_statuses(ws, source, url)
        for new in after:
            if isinstance(new, EnvStatus) and new.env == es.env:
                click.echo(headline(new, many))
                if new.status.needs_action:
                    code = EXIT_CONFLICT
    return code
