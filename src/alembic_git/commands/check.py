"""``alembic-git check``: exit 1 when an environment has conflicting heads.

With ``--against [TARGET]`` the graph checked is the one this branch (or
``--rev``, or the working tree) will have once merged into TARGET.
"""

from __future__ import annotations

from collections.abc import Callable
from json import dumps
from types import ModuleType
from typing import Any

import click

from alembic_git.against import Comparer, Comparison
from alembic_git.analysis import EnvResult
from alembic_git.errors import AlembicGitError
from alembic_git.report import check_text, github_annotations, results_json, stop_commands
from alembic_git.report_against import comparison_annotations, comparison_json, comparison_text
from alembic_git.targets import default_target
from alembic_git.workspace import Workspace


def run(ws: Workspace, rev: str | None, strict: bool, fmt: str, against: str | None) -> int:
    if against is not None:
        return _run_against(ws, rev, strict, fmt, against or None)
    source = ws.source(rev)
    results = [EnvResult.of(env, ws.graph(source, env), strict) for env in ws.environments(source)]
    _emit(
        fmt,
        json=lambda: results_json(results, ws.selection.all),
        markdown=lambda: _markdown().check_markdown(results, ws.cwd),
        annotations=lambda: github_annotations(results, ws.cwd),
        text=lambda: check_text(results, ws.cwd),
    )
    return 1 if any(r.conflicts for r in results) else 0


def _markdown() -> ModuleType:
    from alembic_git import report_markdown  # only this format needs it

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
            click.echo(text())
            return
        found = annotations()
        if found:
            click.echo(found)
        click.echo(stop_commands(text()))  # the report quotes the repository's text


def compare_current(ws: Workspace, rev: str | None, target: str | None, strict: bool) -> Comparison:
    """This branch (``rev``, else HEAD plus uncommitted revision files) against ``target``."""
    repo = ws.require_repo()
    if rev is not None or repo.is_bare:
        rev = rev or "HEAD"
        source = ws.commit(rev)
        comparer = Comparer(ws, target, ws.environments(source), strict, how="--against")
        return comparer.compare(source.treeish, rev)
    worktree = ws.worktree()
    envs = ws.environments(worktree)
    head = repo.resolve_commit("HEAD")
    if head is None:
        raise AlembicGitError("HEAD has no commit yet", hint="commit something first")
    branch = repo.current_branch()
    how = "--against"
    if target is None:
        target, how = default_target(repo, branch)
    label = branch or f"HEAD ({head[:10]})"
    folders = [worktree.display(loc) for env in envs for loc in env.version_locations]
    comparer = Comparer(ws, target, envs, strict, how=how)
    if repo.dirty_paths(folders):
        return comparer.compare(repo.snapshot_worktree(folders), f"{label} (working tree)", True)
    return comparer.compare(head, label)


def _run_against(ws: Workspace, rev: str | None, strict: bool, fmt: str, target: str | None) -> int:
    cmp = compare_current(ws, rev, target, strict)
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
