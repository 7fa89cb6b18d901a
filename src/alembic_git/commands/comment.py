"""``alembic-git comment``: check a pull request against its base, keep a sticky comment.

One comment per environment, created on the first conflict, updated in place
on later runs, turned to "resolved" after the fix; clean pull requests get no
comment.  A token that may not comment (a pull request from a fork) makes it
write the report to the job summary and emit annotations instead.  Exit 1
while there is a conflict, 0 when clean, 2 on errors; the token is never
printed.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from functools import partial

import click

from alembic_git import bot
from alembic_git.bot import sticky
from alembic_git.bot.http import HttpError, scrub
from alembic_git.errors import AlembicGitError
from alembic_git.merging.against import Comparer, Comparison
from alembic_git.report.against import comparison_annotations, comparison_text, merge_in
from alembic_git.report.check import escape_workflow_command, log_line, stop_commands
from alembic_git.report.markdown import env_comparison, footer
from alembic_git.report.markdown_text import mono
from alembic_git.workspace import Workspace

_TOKENS = ("GITHUB_TOKEN", "GITLAB_TOKEN")
_HISTORY = "check out the full history: actions/checkout with fetch-depth: 0 (GitLab: GIT_DEPTH: 0)"


def run(
    ws: Workspace, provider: str | None, dry_run: bool, target: str | None, strict: bool
) -> int:
    environ = os.environ
    hidden = tuple(environ[n] for n in _TOKENS if environ.get(n))
    try:
        return _run(ws, environ, provider or bot.detect(environ), dry_run, target, strict)
    except AlembicGitError as exc:
        raise AlembicGitError(scrub(str(exc), hidden)) from None
    except Exception as exc:  # no traceback can carry the token out either
        raise RuntimeError(scrub(f"{type(exc).__name__}: {exc}", hidden)) from None


def _run(
    ws: Workspace,
    environ: Mapping[str, str],
    provider: str,
    dry_run: bool,
    target: str | None,
    strict: bool,
) -> int:
    from alembic_git.bot.github import GitHub, pull_request
    from alembic_git.bot.gitlab import GitLab, merge_request

    github = provider == "github"
    pr = pull_request(environ) if github else merge_request(environ)
    cmp = _compare(ws, pr, target, strict)
    before = _fix_steps(ws, pr, cmp)
    _echo_untrusted(comparison_text(cmp, ws.cwd), github, err=dry_run)
    foot = footer(cmp)
    posts = [
        sticky.Post(
            ec.env.name,
            sticky.body(
                ec.env.name,
                env_comparison(cmp, ec, ws.cwd, before=before, resolved=True),
                foot,
                ec.conflict or bool(ec.error),
            ),
            ec.conflict or bool(ec.error),
        )
        for ec in cmp.envs
    ]
    if dry_run:
        click.echo("\n\n".join(p.body for p in posts), nl=False)
    else:
        forge = GitHub(environ, pr) if github else GitLab(environ, pr)
        try:
            steps = sticky.plan(posts, forge.comments(), forge.me(), partial(_retired, cmp, foot))
            for step, comment in sticky.apply(forge, steps):
                _say(step, comment)
        except HttpError as exc:
            if exc.status != 403:
                raise
            _fallback(ws, cmp, exc, github, environ, before)
    return _exit(cmp)


def _compare(ws: Workspace, pr: bot.PullRequest, target: str | None, strict: bool) -> Comparison:
    """This pull request's head merged into its base (``origin/<base>``, else ``<base>``,
    else the base commit CI names)."""
    repo = ws.require_repo()
    ours = repo.resolve_commit(pr.head_sha) if pr.head_sha else repo.resolve_commit("HEAD")
    if ours is None:
        raise AlembicGitError(
            f"the head of {pr.where} ({pr.head_sha or 'HEAD'}) is not in this clone",
            hint=_HISTORY,
        )
    how = "--target"
    if target is None:
        how = f"the base of {pr.where}"
        candidates = [f"origin/{pr.base_ref}", pr.base_ref] if pr.base_ref else []
        candidates += [pr.base_sha] if pr.base_sha else []
        target = next((c for c in candidates if repo.resolve_commit(c)), None)
        if target is None:
            tried = ", ".join(candidates) or "unknown"
            raise AlembicGitError(
                f"the base of {pr.where} ({tried}) is not in this clone", hint=_HISTORY
            )
    label = pr.head_ref or ours[:10]
    comparer = Comparer(ws, target, ws.environments(ws.commit(ours, label)), strict, how=how)
    return comparer.compare(ours, label)


def _fix_steps(ws: Workspace, pr: bot.PullRequest, cmp: Comparison) -> list[str]:
    """What the author runs, in a clone of the branch, before ``alembic-git merge-heads``."""
    steps = []
    top = ws.require_repo().toplevel
    rel = os.path.relpath(ws.cwd, top).replace(os.sep, "/") if top else "."
    if rel != ".":
        steps.append(shlex.join(["cd", rel]))
    if cmp.fast_forward:
        return steps
    if pr.base_ref and pr.fork and pr.base_url:
        # A fork's "origin" is the fork: fetch the base from where it lives.
        steps.append(
            shlex.join(["git", "pull", "--no-rebase", "--no-edit", pr.base_url, pr.base_ref])
        )
    else:
        if pr.base_ref and cmp.target_ref == f"origin/{pr.base_ref}":
            steps.append(shlex.join(["git", "fetch", "origin", pr.base_ref]))
        steps += merge_in(cmp)
    return steps


def _retired(cmp: Comparison, foot: str, env: str) -> str:
    """The body for our open comment of an environment this head no longer has."""
    section = (
        f"### ✅ Alembic heads · {mono(env)}\n\n✅ {mono(cmp.ours[:10])} no longer has this "
        "environment: nothing left to merge here."
    )
    return sticky.body(env, section, foot, False)


def _echo_untrusted(text: str, github: bool, err: bool) -> None:
    """Print report text; on GitHub, revision text cannot be read as workflow commands."""
    click.echo(stop_commands(text) if github else text, err=err)


def _say(step: sticky.Step, comment: sticky.Comment | None) -> None:
    where = f" {comment.url or comment.id}" if comment is not None else ""
    done = {
        "create": f"created comment{where}",
        "update": f"updated comment{where}",
        "unchanged": f"comment{where} is up to date",
        "skip": "no conflict, no comment",
    }[step.action]
    click.echo(log_line(f"{step.env}: {done}"), err=True)


def _fallback(
    ws: Workspace,
    cmp: Comparison,
    exc: HttpError,
    github: bool,
    environ: Mapping[str, str],
    before: list[str],
) -> None:
    """The token may not comment (a fork's read-only token): summary and annotations."""
    why = f"cannot comment ({exc}); the token is read-only, as for pull requests from forks"
    if not github:
        click.echo(log_line(f"alembic-git: {why}"), err=True)
        return
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        sections = [env_comparison(cmp, ec, ws.cwd, before=before) for ec in cmp.envs]
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write("\n\n".join(sections) + "\n")
        why += "; the report is in the job summary"
    annotations = comparison_annotations(cmp, ws.cwd, before)
    lines = [annotations] if annotations else []
    lines.append(f"::warning title=alembic-git::{escape_workflow_command(why)}")
    click.echo("\n".join(lines))


def _exit(cmp: Comparison) -> int:
    if cmp.conflict:
        return 1
    errors: Sequence[str] = [f"{ec.env.name}: {ec.error}" for ec in cmp.envs if ec.error]
    if errors:
        raise AlembicGitError(errors[0])
    return 0
