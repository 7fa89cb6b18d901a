"""``alembic-git touches [REV...]``: what each revision's upgrade() touches, as the overlap
check reads it (so users can see what we read, and what we could not)."""

from __future__ import annotations

import json
from typing import Any

import click

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.touches import TouchSet, read_touch_sets
from alembic_git.workspace import Workspace


def run(ws: Workspace, rev: str | None, revisions: tuple[str, ...], fmt: str) -> int:
    source = ws.source(rev)
    records: list[dict[str, Any]] = []
    for env in ws.environments(source):
        graph = ws.graph(source, env)
        chosen = [_find(graph.revisions, r) for r in revisions] if revisions else graph.heads
        for r, touches in read_touch_sets(source, graph, chosen).items():
            records.append(_record(env.name, r, graph.revisions[r].display, touches))
    if fmt == "json":
        click.echo(json.dumps(records, indent=2))
    else:
        click.echo("\n".join(_text(r) for r in records))
    return 0


def _find(known: dict[str, Any], wanted: str) -> str:
    """A revision id, or a unique prefix of one, as Alembic accepts."""
    if wanted in known:
        return wanted
    matches = [r for r in known if r.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    raise AlembicGitError(
        f"{wanted!r} is {'ambiguous' if matches else 'not a revision'} in this environment",
        hint="give a revision id (alembic-git heads lists the heads)",
    )


def _record(env: str, rev: str, path: str, touches: TouchSet) -> dict[str, Any]:
    return {
        "environment": env,
        "revision": rev,
        "path": path,
        "touches": [{"object": t.object, "action": t.action} for t in touches.touches],
        "unknown": touches.unknown,
    }


def _text(record: dict[str, Any]) -> str:
    lines = [f"{record['revision']}  ({record['path']})"]
    lines += [f"  {t['action']} {t['object']}" for t in record["touches"]]
    lines += [f"  unknown: {u}" for u in record["unknown"]]
    if len(lines) == 1:
        lines.append("  touches nothing")
    return "\n".join(lines)
