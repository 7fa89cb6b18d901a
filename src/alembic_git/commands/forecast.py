"""``alembic-git forecast``: every open branch against the target, and colliding pairs."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

import click

from alembic_git.commands import colour
from alembic_git.merging.against import Comparer
from alembic_git.merging.forecast import Forecast, candidate_refs, forecast
from alembic_git.report.against import problem_record
from alembic_git.report.check import head_record
from alembic_git.status import Status
from alembic_git.workspace import Workspace


def run(ws: Workspace, target: str | None, patterns: tuple[str, ...], fmt: str) -> int:
    repo = ws.require_repo()
    ws.use_verdicts = False  # hundreds of one-off merges: verdicts would only be written
    comparer = Comparer(ws, target, how="--target")
    refs = candidate_refs(repo, patterns, comparer.target_sha, comparer.target_ref)
    result = forecast(comparer, refs, _progress if _interactive(fmt) else iter)
    if fmt == "json":
        click.echo(json.dumps(to_json(result), indent=2))
    else:
        colour.echo(to_text(result))
    return result.exit_code


def _interactive(fmt: str) -> bool:
    return fmt == "text" and sys.stderr.isatty() and not os.environ.get("CI")


def _progress(refs: Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    items = list(refs)
    with click.progressbar(items, label="forecasting", file=sys.stderr) as bar:
        yield from bar


def to_json(f: Forecast) -> dict[str, Any]:
    return {
        "target": f.target,
        "target_sha": f.target_sha,
        "target_chosen_by": f.target_how,
        "status": str(f.status),
        "branches": [
            {
                "ref": b.ref,
                "sha": b.sha,
                "status": str(b.status),
                "new_revisions": b.new_revisions,
                "heads": [
                    {"environment": e.env.name, **head_record(e.merged.graph, h)}
                    for e in b.envs
                    if e.merged
                    for h in e.merged.graph.heads
                ],
                "error": b.error or next((e.error for e in b.envs if e.error), None),
                "problems": [problem_record(p) for e in b.envs for p in e.problems],
            }
            for b in f.branches
        ],
        "pairs": [
            {
                "refs": list(p.refs),
                "environment": p.environment,
                "heads": list(p.heads),
                "attaches_to": list(p.attaches_to),
            }
            for p in f.pairs
        ],
        "pair_count": f.pair_count,  # more than listed in "pairs" past MAX_PAIRS
        "overlaps": [
            {
                "refs": list(o.refs),
                "environment": o.environment,
                "objects": list(o.objects),
                "revisions": list(o.revisions),
            }
            for o in f.overlaps
        ],
        "collision_groups": [
            {"environment": g.environment, "label": g.label, "refs": list(g.refs)}
            for g in f.groups
        ],
    }


def to_text(f: Forecast) -> str:
    lines = [f"target: {f.target} ({f.target_how})"]
    if not f.branches:
        lines.append("no branches to forecast")
        return "\n".join(lines)
    width = max(len(b.ref) for b in f.branches)
    for b in f.branches:
        detail = ""
        if b.status is Status.CONFLICT:
            heads = sorted(
                {h for e in b.envs if e.merged for c in e.merged.conflicts for h in c.heads}
            )
            problems = [p.message for e in b.envs for p in e.problems]
            detail = f"heads {', '.join(heads)}" if heads else "; ".join(problems)
        elif b.status is Status.ERROR:
            detail = b.error or next((e.error or "" for e in b.envs if e.error), "")
        elif b.new_revisions:
            detail = f"adds {len(b.new_revisions)} revision(s)"
        lines.append(f"  {b.ref:<{width}}  {b.status.value:<8}  {detail}".rstrip())
    if f.pair_count:
        lines.append("branches that are fine alone but collide with each other:")
        lines += _pair_lines(f) if f.pair_count <= _PAIRS_IN_TEXT else _group_lines(f)
    if f.overlaps:
        lines.append("branches whose revisions touch the same schema objects (warnings):")
        for o in f.overlaps[:_PAIRS_IN_TEXT]:
            lines.append(
                f"  {o.refs[0]} + {o.refs[1]}: both touch {', '.join(o.objects)} "
                f"({o.revisions[0]}, {o.revisions[1]}); the order they run in matters"
            )
        if len(f.overlaps) > _PAIRS_IN_TEXT:
            lines.append(f"  (+{len(f.overlaps) - _PAIRS_IN_TEXT} more: --format json)")
    return "\n".join(lines)


_PAIRS_IN_TEXT = 20
_REFS_IN_TEXT = 8


def _pair_lines(f: Forecast) -> list[str]:
    lines = []
    for p in f.pairs:
        on = f" on {', '.join(p.attaches_to)}" if p.attaches_to else ""
        lines.append(
            f"  {p.refs[0]} + {p.refs[1]}: both add a head{on} ({p.heads[0]}, {p.heads[1]}); "
            "whichever merges second must rebase: alembic-git merge-heads"
        )
    return lines


def _group_lines(f: Forecast) -> list[str]:
    """Many pairs, summarised: one line per group of branches that collide."""
    lines = [f"  {f.pair_count} colliding pairs in {len(f.groups)} group(s):"]
    for g in f.groups:
        shown = ", ".join(g.refs[:_REFS_IN_TEXT])
        more = f" (+{len(g.refs) - _REFS_IN_TEXT} more)" if len(g.refs) > _REFS_IN_TEXT else ""
        under = f"label {g.label}" if g.label else "no label"
        lines.append(
            f"  {g.environment}, {under}: {len(g.refs)} branches each add a head: "
            f"{shown}{more}; after the first merges, each other one must rebase "
            "(alembic-git merge-heads); --format json lists the pairs"
        )
    return lines
