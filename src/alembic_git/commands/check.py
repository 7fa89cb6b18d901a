"""``alembic-git check``: exit 1 when an environment has conflicting heads.

With ``--against [TARGET]`` the graph checked is the one this branch (or
``--commit``, or the working tree) will have once merged into TARGET.
"""

from __future__ import annotations

from collections.abc import Callable
from json import dumps
from types import ModuleType
from typing import Any

import click

from alembic_git.commands import colour
from alembic_git.errors import AlembicGitError
from alembic_git.merging import queue
from alembic_git.merging.against import Comparer, Comparison
from alembic_git.merging.targets import default_target
from alembic_git.report.against import comparison_annotations, comparison_json, comparison_text
from alembic_git.report.check import (
    check_text,
    error_annotation,
    github_annotations,
    results_json,
    stop_commands,
)
from alembic_git.resolve import journal
from alembic_git.revisions.conflicts import EnvResult
from alembic_git.revisions.discovery import Environment, NoConfigFound, NoScriptFolder, Selection
from alembic_git.revisions.source import Source
from alembic_git.workspace import Workspace


def run(
    ws: Workspace,
    rev: str | None,
    strict: bool,
    fmt: str,
    against: str | None,
    strict_overlaps: bool = False,
) -> int:
    if ws.repo is None or not ws.repo.is_bare:  # a merge-heads cut off mid-write: undo it first
        for line in journal.recover(journal.journal_path(ws.repo, ws.cwd)):
            click.echo(line, err=True)
    if against is not None:
        return _run_against(ws, rev, strict, fmt, against or None, strict_overlaps)
    try:
        source = ws.source(rev)
        results, errors = _check_each(ws, source, strict)
    except AlembicGitError as exc:
        results, errors = [], [(None, exc)]
    _emit(
        fmt,
        json=lambda: results_json(results, ws.selection.all, errors),
        markdown=lambda: _markdown().check_markdown(results, ws.cwd),
        annotations=lambda: "\n".join(
            [github_annotations(results, ws.cwd), *(error_annotation(e) for _, e in errors)]
        ).strip(),
        text=lambda: check_text(results, ws.cwd) if results else "",
    )
    if any(r.conflicts for r in results):
        for env, error in errors:  # the conflict decides the exit code; say these too
            click.echo(f"alembic-git: error: {env.name + ': ' if env else ''}{error}", err=True)
        return 1
    if errors:
        raise errors[0][1]
    return 0


def _check_each(
    ws: Workspace, source: Source, strict: bool
) -> tuple[list[EnvResult], list[tuple[Environment | None, AlembicGitError]]]:
    """Every environment, each on its own: one that cannot be read does not hide
    another's conflict."""
    results: list[EnvResult] = []
    errors: list[tuple[Environment | None, AlembicGitError]] = []
    for env in ws.environments(source):
        try:
            results.append(EnvResult.of(env, ws.graph(source, env), strict))
        except AlembicGitError as exc:
            errors.append((env, exc))
    return results, errors


def _markdown() -> ModuleType:
    from alembic_git.report import markdown as report_markdown  # only this format needs it

    return report_markdown


def _emit(
    fmt: str,
    json: Callable[[], dict[str, Any]],
    markdown: Callable[[], str],
    annotations: Callable[[], str],
    text: Callable[[], str],
) -> None:
    """Print the report in the format asked for; ``github`` is annotations, then the text."""
    if fmt == "json":
        click.echo(dumps(json(), indent=2))
    elif fmt == "markdown":
        click.echo(markdown())
    else:
        if fmt != "github":
            report = text()
            if report:  # nothing to say (every environment errored): no blank line
                colour.echo(report)
            return
        found = annotations()
        if found:
            click.echo(found)
        report = text()
        if report:
            click.echo(stop_commands(report))  # the report quotes the repository's text


def compare_current(
    ws: Workspace,
    rev: str | None,
    target: str | None,
    strict: bool,
    strict_overlaps: bool = False,
) -> Comparison:
    """This branch (``rev``, else HEAD plus uncommitted revision files) against ``target``."""
    repo = ws.require_repo()
    if rev is not None or repo.is_bare:
        rev = rev or "HEAD"
        source = ws.commit(rev)
        comparer = Comparer(
            ws, target, ws.environments(source), strict, how="--against",
            strict_overlaps=strict_overlaps,
        )
        return comparer.compare(source.treeish, rev)
    worktree = ws.worktree()
    envs = _environments_to_merge(ws, worktree)
    head = repo.resolve_commit("HEAD")
    if head is None:
        raise AlembicGitError("HEAD has no commit yet", hint="commit something first")
    branch = repo.current_branch()
    how = "--against"
    if target is None:
        target, how = default_target(repo, branch)
    label = branch or f"HEAD ({head[:10]})"
    comparer = Comparer(ws, target, envs, strict, how=how, strict_overlaps=strict_overlaps)
    folders = [worktree.display(loc) for env in comparer.envs for loc in env.version_locations]
    if repo.dirty_paths(folders):
        return comparer.compare(repo.snapshot_worktree(folders), f"{label} (working tree)", True)
    return comparer.compare(head, label)


def _run_queue(ws: Workspace, event: queue.QueueEvent, strict: bool, fmt: str) -> int:
    """In a merge queue the checked-out commit already is the merged result: its own graph
    decides (never "no pull request", never skipped: a required check must report)."""
    from alembic_git.report import queue as report_queue

    q = queue.check_queue(ws, event, strict)
    _emit(
        fmt,
        json=lambda: report_queue.queue_json(q),
        markdown=lambda: _markdown().check_markdown(q.results, ws.cwd),
        annotations=lambda: report_queue.queue_annotations(q, ws.cwd),
        text=lambda: report_queue.queue_text(q, ws.cwd),
    )
    if q.conflict:
        return 1
    if q.errors:
        raise AlembicGitError(q.errors[0])
    return 0


def _environments_to_merge(ws: Workspace, worktree: Source) -> list[Environment] | None:
    """The branch's environments; a branch without its own readable config (older than
    the environment, or with the folder removed) is merged with the target's, as
    ``forecast`` does, so both give one verdict for one branch."""
    try:
        return ws.environments(worktree)
    except (NoConfigFound, NoScriptFolder):
        if ws.selection != Selection():
            raise  # the options named the environment: its error is the answer
        return None


def _run_against(
    ws: Workspace,
    rev: str | None,
    strict: bool,
    fmt: str,
    target: str | None,
    strict_overlaps: bool = False,
) -> int:
    event = queue.from_environment() if target is None and rev is None else None
    if event is not None:
        return _run_queue(ws, event, strict, fmt)
    cmp = compare_current(ws, rev, target, strict, strict_overlaps)
    _emit(
        fmt,
        json=lambda: comparison_json(cmp, ws.cwd, ws.selection.all),
        markdown=lambda: _markdown().comparison_markdown(cmp, ws.cwd),
        annotations=lambda: comparison_annotations(cmp, ws.cwd),
        text=lambda: comparison_text(cmp, ws.cwd),
    )
    if cmp.conflict:
        return 1
    if cmp.error:
        errors = [f"{ec.env.name}: {ec.error}" for ec in cmp.envs if ec.error]
        raise AlembicGitError(errors[0])
    return 0
