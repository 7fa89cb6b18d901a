"""Merge queues (GitHub ``merge_group``) and merge trains (GitLab): the commit CI checked
out already is the base plus every pull request queued ahead, so its own graph is the
verdict; diffing it against ``origin/main`` would miss the pull requests ahead of it.

The event is read from the environment CI sets; nothing is asked of the forge.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.kinds import QueueKind
from alembic_git.revisions.conflicts import EnvResult
from alembic_git.workspace import Workspace

_GITHUB_PR = re.compile(r"(?:^Merge pull request #(\d+)\b|\(#(\d+)\)\s*$)")
_GITLAB_MR = re.compile(r"(?:See merge request \S*!(\d+)|\(!(\d+)\)\s*$)", re.MULTILINE)


@dataclass(frozen=True)
class QueueEvent:
    provider: str  # "github" or "gitlab"
    kind: QueueKind
    head_sha: str | None  # the queue's commit (None: the checked-out HEAD)
    base_sha: str | None
    base_ref: str | None


@dataclass
class QueueHead:
    revision: str
    commit: str | None  # the commit that added its file since the base, when known
    request: str | None  # "#12" (GitHub) or "!12" (GitLab), when the messages say so


@dataclass
class QueueResult:
    event: QueueEvent
    sha: str
    results: list[EnvResult]
    errors: list[str] = field(default_factory=list)
    added: dict[str, list[str]] = field(default_factory=dict)  # env -> revisions over base
    heads: dict[str, list[QueueHead]] = field(default_factory=dict)  # env -> conflicting
    base_missing: bool = False  # a shallow checkout: the base's objects are not here

    @property
    def conflict(self) -> bool:
        return any(r.conflicts for r in self.results)


def detect(environ: Mapping[str, str]) -> QueueEvent | None:
    """The merge-queue event CI is running for, if any."""
    if environ.get("GITHUB_EVENT_NAME") == "merge_group":
        group = _github_payload(environ).get("merge_group") or {}
        if not isinstance(group, dict):
            group = {}
        base_ref = group.get("base_ref")
        return QueueEvent(
            "github",
            "merge_group",
            _sha(group.get("head_sha")) or _sha(environ.get("GITHUB_SHA")),
            _sha(group.get("base_sha")),
            base_ref if isinstance(base_ref, str) else None,
        )
    if environ.get("CI_MERGE_REQUEST_EVENT_TYPE") == "merge_train":
        return QueueEvent(
            "gitlab",
            "merge_train",
            _sha(environ.get("CI_COMMIT_SHA")),
            _sha(environ.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA"))
            or _sha(environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")),
            environ.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        )
    return None


def _github_payload(environ: Mapping[str, str]) -> dict[str, object]:
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, "rb") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise AlembicGitError(
            f"cannot read the merge_group event payload: {exc}", path=path
        ) from None
    return data if isinstance(data, dict) else {}


def _sha(value: object) -> str | None:
    """A full commit id, or None: payload values are untrusted text."""
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", value):
        return value
    return None


def check_queue(ws: Workspace, event: QueueEvent, strict: bool) -> QueueResult:
    """The queue commit's own graph decides; what it adds over the base is reported
    when the base's objects are present (CI's shallow checkout may lack them)."""
    repo = ws.require_repo()
    sha = repo.resolve_commit(event.head_sha or "HEAD")
    if sha is None:
        raise AlembicGitError(
            f"the {event.kind} commit {(event.head_sha or 'HEAD')[:12]} is not in this clone",
            hint="check out the queue's commit (actions/checkout does by default)",
        )
    source = ws.commit(sha, f"the {event.kind} commit {sha[:12]}")
    base = repo.resolve_commit(event.base_sha) if event.base_sha else None
    out = QueueResult(event, sha, [], base_missing=event.base_sha is not None and base is None)
    for env in ws.environments(source):
        try:
            graph = ws.graph(source, env)
        except AlembicGitError as exc:
            out.errors.append(f"{env.name}: {exc}")
            continue
        result = EnvResult.of(env, graph, strict)
        out.results.append(result)
        if base is not None:
            before = ws.target_graph(ws.commit(base, f"base {base[:12]}"), env)
            out.added[env.name] = [r for r in graph.revisions if r not in before.revisions]
        out.heads[env.name] = [
            _origin(repo, event, rev, graph.revisions[rev].display, sha, base)
            for group in result.conflicts
            for rev in group.heads
        ]
    return out


def _origin(
    repo: Repo, event: QueueEvent, rev: str, path: str, sha: str, base: str | None
) -> QueueHead:
    commit = repo.added_in(sha, path, base) if base else None
    if commit is None:
        return QueueHead(rev, None, None)
    return QueueHead(rev, commit, _request_of(repo, event, commit, sha))


def _request_of(repo: Repo, event: QueueEvent, commit: str, sha: str) -> str | None:
    """The pull/merge request a commit came in with: the first merge commit on its way to
    the queue commit says so ("Merge pull request #12", "See merge request g/p!12"), or
    its own subject does when it was squashed ("Title (#12)")."""
    merges = repo.out(
        "log", "--ancestry-path", "--merges", "--reverse", "--format=%B%x00", f"{commit}..{sha}"
    )
    messages = [m for m in merges.split("\0") if m.strip()][:1]
    messages.append(repo.out("log", "-1", "--format=%B", commit))
    pattern = _GITHUB_PR if event.provider == "github" else _GITLAB_MR
    sign = "#" if event.provider == "github" else "!"
    for message in messages:
        for line in message.strip().splitlines() or [""]:
            found = pattern.search(line)
            if found:
                return sign + next(g for g in found.groups() if g)
    return None


def from_environment() -> QueueEvent | None:
    return detect(os.environ)
