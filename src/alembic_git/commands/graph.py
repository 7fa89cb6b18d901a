"""``alembic-git graph``: draw the revision graph, or only the neighbourhood of a revision."""

from __future__ import annotations

import click

from alembic_git.errors import AlembicGitError
from alembic_git.report import drawing as render
from alembic_git.revisions.conflicts import conflict_groups
from alembic_git.workspace import Workspace


def run(ws: Workspace, rev: str | None, fmt: str, around: tuple[str, ...], depth: int) -> int:
    source = ws.source(rev)
    envs = ws.environments(source)
    for env in envs:
        graph = ws.graph(source, env)
        keep = None
        if around:
            unknown = [r for r in around if r not in graph.revisions]
            if unknown:
                raise AlembicGitError(
                    f"--around {unknown[0]!r} is not a revision of {env.name}",
                    hint="give a full revision id (alembic-git heads lists the heads)",
                )
            keep = render.neighbourhood(graph, around, depth)
        if len(envs) > 1:
            click.echo(f"%% {env.name}" if fmt == "mermaid" else f"# {env.name}")
        if fmt == "mermaid":
            conflicting = {h for c in conflict_groups(graph) for h in c.heads}
            click.echo(render.mermaid(graph, keep, conflicting))
        elif fmt == "dot":
            click.echo(render.dot(graph, keep))
        else:
            click.echo(render.text(graph, keep))
    return 0
