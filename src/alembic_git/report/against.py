"""Reports for ``check --against``: text, JSON and GitHub annotations of a merge forecast."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from alembic_git.merging.against import BOTH, THIS_BRANCH, Comparison, EnvComparison, MergeProblem
from alembic_git.report.check import (
    command_line,
    github_annotations,
    group_lines,
    head_record,
    heads_state,
    log_line,
    log_lines,
    merge_heads_command,
    upgrade_target,
)
from alembic_git.status import Status


def merge_in(cmp: Comparison) -> list[str]:
    """The command that brings the target into this branch (none for a fast-forward)."""
    return [] if cmp.fast_forward else [shlex.join(["git", "merge", cmp.target_ref])]


def fix_command(
    cmp: Comparison, ec: EnvComparison, cwd: str, before: Sequence[str] | None = None
) -> str:
    """The exact commands that join the heads the merge would leave, from this branch.

    ``before``: the commands to run first, instead of ``git merge TARGET`` (a pull
    request from a fork fetches its base elsewhere; a hook switches branch first).
    """
    merge_heads = (
        merge_heads_command(ec.merged, cwd)
        if ec.merged
        else command_line(ec.env, cwd, "merge-heads")
    )
    return " && ".join([*(merge_in(cmp) if before is None else before), merge_heads])


def fixes(
    cmp: Comparison, ec: EnvComparison, cwd: str, before: Sequence[str] | None = None
) -> list[str]:
    """What to do, one line each: for the heads, then for each other problem."""
    conflicts = ec.merged and ec.merged.conflicts
    heads = [fix_command(cmp, ec, cwd, before)] if conflicts else []
    return list(dict.fromkeys([*heads, *(p.fix for p in ec.problems)]))


def _side(ec: EnvComparison, head: str) -> str:
    origin = ec.origins.get(head)
    if origin is None:
        return ""
    side = "on both sides" if origin.side == BOTH else origin.side
    if origin.commit:
        return f"{side}, added in {origin.commit[:10]}"
    if origin.side != BOTH:
        return f"{side}, uncommitted"
    return side


def env_text(
    cmp: Comparison, ec: EnvComparison, cwd: str, before: Sequence[str] | None = None
) -> str:
    what = f"merging {cmp.ours_label} into {cmp.target_ref}"
    if ec.error:
        return log_line(f"error: {ec.env.name}: {what}: {ec.error}")
    lines = []
    for problem in ec.problems:
        lines.append(f"conflict: {ec.env.name}: {problem.message}")
    merged = ec.merged
    for c in merged.conflicts if merged is not None else ():
        assert merged is not None
        scope = f" under branch label {', '.join(c.labels)}" if c.labels else ""
        header = (
            f"conflict: {ec.env.name}: {what} gives {len(c.heads)} heads{scope} "
            f"(`alembic upgrade {upgrade_target(c)}` would fail: multiple head revisions)"
        )
        lines += group_lines(merged.graph, c, header, lambda h: _side(ec, h))
    warnings = overlap_lines(ec, THIS_BRANCH, cmp.target_ref)
    if lines or (ec.strict_overlaps and ec.overlaps):
        lines.extend(f"fix: {fix}" for fix in fixes(cmp, ec, cwd, before) if lines)
        return log_lines(lines + warnings)
    assert merged is not None
    state = heads_state(merged.graph)
    added = f", adds {len(ec.new_revisions)} revision(s)" if ec.new_revisions else ""
    return log_lines([f"ok: {ec.env.name}: {what} keeps {state}{added}", *warnings])


def overlap_lines(ec: EnvComparison, ours: str, theirs: str) -> list[str]:
    """One line per pair of revisions that touch the same objects from both sides, and
    one per revision whose touches cannot be read."""
    kind = "conflict" if ec.strict_overlaps else "warning"
    lines = []
    for o in ec.overlaps:
        a, b = o.revisions
        first = o.objects[0]
        more = f" (and {', '.join(o.objects[1:])})" if len(o.objects) > 1 else ""
        acts_a = "/".join(ec.touch_sets[a].actions_on(first)) or "uses"
        acts_b = "/".join(ec.touch_sets[b].actions_on(first)) or "uses"
        lines.append(
            f"{kind}: {ec.env.name}: both touch {first}{more}: {a} ({ours}) {acts_a} it, "
            f"{b} ({theirs}) {acts_b} it; the order they run in matters"
        )
    for rev, touches in ec.touch_sets.items():
        if touches.unknown:
            lines.append(
                f"note: {ec.env.name}: cannot tell what {rev} touches ({touches.unknown[0]})"
            )
    return lines


def comparison_text(cmp: Comparison, cwd: str, before: Sequence[str] | None = None) -> str:
    header = f"target: {cmp.target_ref} ({cmp.target_how})"
    return "\n".join([log_line(header), *(env_text(cmp, ec, cwd, before) for ec in cmp.envs)])


def problem_record(p: MergeProblem) -> dict[str, Any]:
    """A conflict that is not a second head, as every JSON output shows it."""
    return {"kind": p.kind, "revision": p.revision, "message": p.message, "fix": p.fix}


def env_json(cmp: Comparison, ec: EnvComparison, cwd: str) -> dict[str, Any]:
    data: dict[str, Any] = {"environment": ec.env.name, "status": str(ec.status)}
    if ec.error:
        data["error"] = ec.error
    data["new_revisions"] = ec.new_revisions
    data["problems"] = [problem_record(p) for p in ec.problems]
    if ec.merged is not None:
        g = ec.merged.graph
        heads = []
        for h in g.heads:
            record = head_record(g, h)
            origin = ec.origins.get(h)
            if origin is not None:
                record["side"] = origin.side
                record["commit"] = origin.commit
            heads.append(record)
        data["heads"] = heads
        data["conflicts"] = [
            {"heads": list(c.heads), "labels": list(c.labels), "fork_points": list(c.fork_points)}
            for c in ec.merged.conflicts
        ]
    data["overlaps"] = [
        {"objects": list(o.objects), "revisions": list(o.revisions)} for o in ec.overlaps
    ]
    if ec.conflict and (ec.problems or (ec.merged and ec.merged.conflicts)):
        data["fix"] = fixes(cmp, ec, cwd)[0]
    return data


def comparison_json(cmp: Comparison, cwd: str, many: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "target": cmp.target_ref,
        "target_sha": cmp.target_sha,
        "target_chosen_by": cmp.target_how,
        "ours": cmp.ours_label,
        "ours_sha": cmp.ours,
        "merge_base": cmp.merge_base,
        "status": str(Status.of(cmp.conflict, cmp.error)),
    }
    envs = [env_json(cmp, ec, cwd) for ec in cmp.envs]
    if many or len(envs) != 1:
        data["environments"] = envs
    else:
        env = envs[0]
        env.pop("status")
        data.update(env)
    return data


def comparison_annotations(cmp: Comparison, cwd: str, before: Sequence[str] | None = None) -> str:
    """GitHub ``::error`` lines for the heads the merge would leave, with the full fix."""
    merged = [ec.merged for ec in cmp.envs if ec.merged is not None]
    return github_annotations(
        merged, cwd, {ec.env.name: fix_command(cmp, ec, cwd, before) for ec in cmp.envs}
    )
