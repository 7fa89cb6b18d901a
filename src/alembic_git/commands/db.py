"""``alembic-git db status`` / ``db sync``: what the database ran, against this branch."""

from __future__ import annotations

import json
from typing import Any

import click

from alembic_git.db.environment import env_status
from alembic_git.db.report import EnvStatus, headline, status_text
from alembic_git.errors import EXIT_CONFLICT, EXIT_ERROR, AlembicGitError
from alembic_git.revisions.source import Source
from alembic_git.workspace import Workspace


def env_statuses(
    ws: Workspace, source: Source, url: str | None
) -> list[EnvStatus | tuple[str, AlembicGitError]]:
    """Each environment against its own database; one that fails does not hide another."""
    found: list[EnvStatus | tuple[str, AlembicGitError]] = []
    for env in ws.environments(source):
        try:
            es = env_status(ws, source, env, url)
        except AlembicGitError as exc:
            found.append((env.name, exc))
            continue
        assert es is not None  # the URL is required here
        found.append(es)
    return found


def status(ws: Workspace, rev: str | None, url: str | None, fmt: str) -> int:
    try:
        results = env_statuses(ws, ws.source(rev), url)
    except AlembicGitError as exc:  # no environment to compare
        results = [("", exc)]
    many = len(results) > 1 or ws.selection.all
    oks = [r for r in results if isinstance(r, EnvStatus)]
    errors = [r for r in results if not isinstance(r, EnvStatus)]
    if fmt == "json":
        click.echo(json.dumps(_json(oks, errors, many), indent=2))
    else:
        for es in oks:
            click.echo(status_text(es, many))
    if errors:
        for name, error in errors:
            prefix = f"{name}: " if many and name else ""
            click.echo(f"alembic-git: error: {prefix}{error}", err=True)
        return EXIT_ERROR
    return EXIT_CONFLICT if any(es.status.needs_action for es in oks) else 0


def _json(
    oks: list[EnvStatus], errors: list[tuple[str, AlembicGitError]], many: bool
) -> dict[str, Any]:
    """One environment's object (the issue's shape); several under ``environments``."""
    if not many and len(oks) + len(errors) == 1:
        return oks[0].status.to_json() if oks else {"status": "error", "error": str(errors[0][1])}
    envs: list[dict[str, Any]] = [
        {"environment": es.env.name, "database": es.db.shown, **es.status.to_json()} for es in oks
    ]
    envs += [{"environment": n or None, "status": "error", "error": str(e)} for n, e in errors]
    worst = (
        "error"
        if errors
        else "needs-action"
        if any(es.status.needs_action for es in oks)
        else "up-to-date"
    )
    return {"status": worst, "environments": envs}


def sync(ws: Workspace, url: str | None, yes: bool, dry_run: bool) -> int:
    """Downgrade the orphans with their own downgrade(), then upgrade to this branch."""
    source = ws.worktree()
    results = env_statuses(ws, source, url)
    many = len(results) > 1
    for result in results:  # every environment readable, or nothing runs
        if not isinstance(result, EnvStatus):
            name, exc = result
            raise AlembicGitError(f"{name}: {exc}" if many else str(exc))
    code = 0
    for es in results:
        assert isinstance(es, EnvStatus)
        if not _sync_one(ws, source, es, url, many, yes, dry_run):
            code = EXIT_CONFLICT
    return code


def _sync_one(
    ws: Workspace,
    source: Source,
    es: EnvStatus,
    url: str | None,
    many: bool,
    yes: bool,
    dry_run: bool,
) -> bool:
    """Plan, ask, run, and say where the database is; True when it is up to date."""
    from alembic_git.db import sync as db_sync

    click.echo(headline(es, many))
    steps = db_sync.plan(es)
    if not steps:
        click.echo("  nothing to do")
        return True
    db_sync.check_downgrades(steps)
    click.echo("  plan (runs the project's migration code, as alembic upgrade does):")
    for i, step in enumerate(steps, 1):
        click.echo(f"    {i}. {step.text}")
    if dry_run:
        return False
    if not yes and not click.confirm("  run it?", default=False, err=True):
        raise click.exceptions.Abort()
    db_sync.run(es, steps, lambda line: click.echo(line, err=True))
    after = env_status(ws, source, es.env, url)
    assert after is not None
    click.echo(headline(after, many))
    return not after.status.needs_action
