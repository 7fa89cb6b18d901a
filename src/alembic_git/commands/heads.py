"""``alembic-git heads``: like ``alembic heads``, read statically."""

from __future__ import annotations

import json

import click

from alembic_git.report.check import heads_text, results_json
from alembic_git.report.verbose import heads_verbose
from alembic_git.revisions.conflicts import EnvResult
from alembic_git.workspace import Workspace


def run(ws: Workspace, rev: str | None, fmt: str, verbose: bool = False) -> int:
    source = ws.source(rev)
    results = [EnvResult.of(env, ws.graph(source, env)) for env in ws.environments(source)]
    if fmt == "json":
        click.echo(json.dumps(results_json(results, ws.selection.all), indent=2))
    else:
        text = heads_verbose(results, source.read) if verbose else heads_text(results)
        if text:
            click.echo(text)
    return 0
