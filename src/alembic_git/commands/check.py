"""``alembic-git check``: exit 1 when an environment has conflicting heads."""

from __future__ import annotations

import json

import click

from alembic_git.report import EnvResult, check_text, github_annotations, results_json
from alembic_git.workspace import Workspace


def run(ws: Workspace, rev: str | None, strict: bool, fmt: str) -> int:
    source = ws.source(rev)
    results = [EnvResult.of(env, ws.graph(source, env), strict) for env in ws.environments(source)]
    conflict = any(r.conflicts for r in results)
    if fmt == "json":
        click.echo(json.dumps(results_json(results, ws.selection.all), indent=2))
    elif fmt == "github":
        annotations = github_annotations(results, ws.cwd)
        if annotations:
            click.echo(annotations)
        click.echo(check_text(results, ws.cwd))
    else:
        click.echo(check_text(results, ws.cwd))
    return 1 if conflict else 0
