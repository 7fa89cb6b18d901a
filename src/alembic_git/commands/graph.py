"""``alembic-git graph``: draw the revision graph, or only the neighbourhood of a revision."""

from __future__ import annotations

import click

from alembic_git.errors import AlembicGitError
from alembic_git.report import drawing as render
from alembic_git.revisions.conflicts import conflict_groups
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.workspace import Workspace


def run(ws: Workspace, rev: str | None, fmt: str, around: tuple[str, ...], depth: int) -> int:
    source = ws.source(rev)
    envs = ws.environments(source)
    for env in envs:
        graph = ws.graph(source, env)
        keep = None
        if around:
            revs = tuple(_by_prefix(graph, env.name, r) for r in around)
            keep = render.neighbourhood(graph, revs, depth)
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


def _by_prefix(graph: RevisionGraph, env_name: str, given: str) -> str:
    """The revision ``given`` names: its id, or a unique prefix of one, as Alembic resolves
    a partial id (ids of more than three characters that start with it)."""
    if given in graph.revisions:
        return given
    found = [r for r in graph.revisions if len(r) > 3 and r.startswith(given)]
    if len(found) == 1:
        return found[0]
    if found:
        raise AlembicGitError(
            f"--around {given!r} is the start of several revisions of {env_name}: "
            f"{', '.join(sorted(found))}",
            hint="give more characters",
        )
    raise AlembicGitError(
        f"--around {given!r} is not a revision of {env_name}",
        hint="give a revision id or a unique start of one (alembic-git heads lists the heads)",
    )
