"""Reports for a merge-queue check: which commit was checked, and for each conflicting
head the pull request it came in with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alembic_git.merging.queue import QueueHead, QueueResult
from alembic_git.report.check import check_text, env_json, github_annotations
from alembic_git.status import Status


def _where(q: QueueResult) -> str:
    on = f" on {q.event.base_ref}" if q.event.base_ref else ""
    return f"{q.event.kind}{on}"


def _fix(q: QueueResult) -> str:
    requests = [h.request for heads in q.heads.values() for h in heads if h.request]
    which = f"of {', '.join(dict.fromkeys(requests))}, the one queued last" if requests else (
        "the pull request queued last among these"
    )
    base = (q.event.base_ref or "its base").removeprefix("refs/heads/")
    return f"{which} must merge {base} and run alembic-git merge-heads; it leaves the queue"


def _came_with(head: QueueHead) -> str:
    if head.request:
        return f"came in with {head.request}"
    if head.commit:
        return f"added by commit {head.commit[:12]}"
    return "(where it came from is not known here)"


def queue_text(q: QueueResult, cwd: str) -> str:
    lines = [f"merge queue ({_where(q)}): checked commit {q.sha[:12]}"]
    if q.base_missing:
        lines.append(
            "  (the base commit is not in this shallow checkout: the commit's own graph "
            "decides; fetch the base to see what the queue adds)"
        )
    # The plain check's "fix: alembic-git merge-heads" would be run on the queue's own
    # commit, which nobody can push to: the queue's fix line replaces it.
    lines += [ln for ln in check_text(q.results, cwd).splitlines() if not ln.startswith("fix: ")]
    for env, heads in q.heads.items():
        for head in heads:
            lines.append(f"  {env}: {head.revision} {_came_with(head)}")
    if q.conflict:
        lines.append(f"fix: {_fix(q)}")
    for name, added in q.added.items():
        if added:
            lines.append(f"{name}: the queue adds {len(added)} revision(s) over its base")
    return "\n".join(line for line in lines if line)


def queue_json(q: QueueResult) -> dict[str, Any]:
    return {
        "event": q.event.kind,
        "provider": q.event.provider,
        "commit": q.sha,
        "base_sha": q.event.base_sha,
        "base_ref": q.event.base_ref,
        "base_missing": q.base_missing,
        "status": str(Status.of(q.conflict, bool(q.errors))),
        "errors": q.errors,
        "environments": [
            {
                **env_json(r),
                "added": q.added.get(r.env.name),
                "heads_from": {
                    h.revision: {"commit": h.commit, "request": h.request}
                    for h in q.heads.get(r.env.name, [])
                },
            }
            for r in q.results
        ],
        "fix": _fix(q) if q.conflict else None,
    }


def queue_annotations(q: QueueResult, cwd: str) -> str:
    fixes: Mapping[str, str] = {r.env.name: _fix(q) for r in q.results}
    return github_annotations(q.results, cwd, fixes)
