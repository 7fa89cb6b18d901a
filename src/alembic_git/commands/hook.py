"""``alembic-git hook pre-push | pre-receive | install | uninstall``.

The hooks print nothing when all is well.  On a conflict they explain it on
stderr (git shows a pre-receive's as ``remote: ...``); pre-push then lets the
push through (warn mode, the default) or refuses it (block mode), pre-receive
refuses it.  A failure of the check itself is one line and never refuses a push
unless fail-on-error is set.  The verdict goes to the installed hook script too
(``common.hand_over``), which trusts nothing else.
"""

from __future__ import annotations

import os
import sys

import click

from alembic_git import settings
from alembic_git.commands import colour
from alembic_git.errors import AlembicGitError
from alembic_git.hooks.common import (
    EXIT_REFUSED,
    Outcome,
    guarded,
    hand_over,
    one_line_errors,
    outcome,
)
from alembic_git.status import Status
from alembic_git.workspace import Workspace


def _stdin() -> str:
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")


def pre_push(
    ws: Workspace,
    remote: str | None,
    url: str | None,
    mode: str | None,
    target: str | None,
    fail_on_error: bool | None,
) -> int:
    from alembic_git.hooks import prepush

    text = _stdin() if remote is not None else ""

    def body(raw: settings.RawSettings) -> Outcome:
        conf = settings.resolve(raw, mode=mode, target=target)
        if remote is None:
            name, where, refs = prepush.from_pre_commit(os.environ, ws)
        else:
            name, where, refs = remote, url, prepush.parse_push_lines(text)
        reports, errors = prepush.PrePush(ws, raw, conf, name, where).check(refs)
        paint = colour.painter(err=True)
        for report in reports:
            print(paint(report), file=sys.stderr)
        code = one_line_errors("pre-push", errors, settings.fail_on_error(raw, fail_on_error))
        if not reports:
            return outcome(reports, errors, code)
        if conf.mode == "block":
            print(
                f"alembic-git: push refused (block mode, from {conf.mode_from}): merge the "
                "heads as shown and push again, or push anyway with: git push --no-verify",
                file=sys.stderr,
            )
            return outcome(reports, errors, EXIT_REFUSED)
        print(
            "alembic-git: the push goes on (warn mode); to refuse such pushes: "
            "git config alembic-git.mode block",
            file=sys.stderr,
        )
        return outcome(reports, errors, code)

    return hand_over(guarded("pre-push", ws, fail_on_error, body))


def pre_receive(ws: Workspace, protect: tuple[str, ...], fail_on_error: bool | None) -> int:
    from alembic_git.hooks import prereceive

    text = _stdin()

    def body(raw: settings.RawSettings) -> Outcome:
        conf = settings.resolve(raw, protect=protect)
        updates = prereceive.parse_receive_lines(text)
        reports, errors = prereceive.check_updates(ws, conf, updates)
        paint = colour.painter(err=True)
        for report in reports:
            print(paint(report), file=sys.stderr)
        code = one_line_errors("pre-receive", errors, settings.fail_on_error(raw, fail_on_error))
        return outcome(reports, errors, EXIT_REFUSED if reports else code)

    return hand_over(guarded("pre-receive", ws, fail_on_error, body))


def post_checkout(ws: Workspace, prev: str | None, new: str | None, flag: str | None) -> int:
    from alembic_git.hooks import postcheckout

    # A verdict like the other hooks' (the installed script trusts nothing else); a
    # post-checkout hook only ever warns.
    return hand_over(Outcome(Status.OK, postcheckout.run(ws, prev, new, flag)))


def install(ws: Workspace, hook: str | None, mode: str | None) -> int:
    from alembic_git.hooks import install as inst

    repo = ws.require_repo()
    hook = hook or inst.default_hook(repo)
    if mode is not None and hook != "pre-push":
        raise AlembicGitError("--mode applies to the pre-push hook only")
    root = repo.toplevel or repo.git_dir
    global_args = inst.selection_args(ws.selection, ws.cwd, root)
    hook_args = ["--mode", mode] if mode else []
    text = inst.script(hook, inst.interpreter(), global_args, hook_args)
    for message in inst.install(repo, hook, text):
        click.echo(f"alembic-git: {message}")
    try:
        conf = settings.resolve(settings.RawSettings.read(repo), mode=mode)
    except AlembicGitError as exc:
        click.echo(f"alembic-git: warning: {exc}", err=True)
        return 0
    if hook == "pre-push":
        click.echo(f"alembic-git: {conf.mode} mode ({conf.mode_from}): {_MODES[conf.mode]}")
    click.echo(f"alembic-git: {_protects(ws, hook, conf)}")
    return 0


def _protects(ws: Workspace, hook: str, conf: settings.HookSettings) -> str:
    """One line: which branches the hook guards, and which environments it reads today."""
    from alembic_git.hooks.common import NoEnvironment, hook_environments
    from alembic_git.hooks.prereceive import describe_protection, head_branches
    from alembic_git.merging.targets import remote_default

    repo = ws.require_repo()
    if hook == "pre-receive":
        what = f"protects {describe_protection(repo, conf)}"
    elif conf.target:
        what = f"checks each pushed branch merged into {conf.target} ({conf.target_from})"
    else:
        found = remote_default(repo, "origin")
        now = f" (origin: {found})" if found else ""
        what = f"checks each pushed branch merged into the default branch of the remote{now}"
    # What the pushes will be read like: the protected branch on a server, else HEAD.
    heads = head_branches(repo)[0] if hook == "pre-receive" else []
    ref = next((h for h in heads if repo.ref_exists(h)), "HEAD")
    if repo.resolve_commit(ref) is None:
        return f"{what}; no commit yet: each push is read for its Alembic environments"
    name = ref.removeprefix("refs/heads/")
    try:
        envs = hook_environments(ws, ws.commit(ref, name))
    except NoEnvironment:
        return (
            f"note: no Alembic environment in this repository ({name}) yet: the hook is installed "
            "and each push says, in one warning, that nothing was checked until one is added "
            "(a config built in code: install with -c FILE or --version-location DIR)"
        )
    except AlembicGitError as exc:
        return f"{what}; warning: the environments cannot be read in {name}: {exc}"
    return f"{what}; environments (in {name}): {', '.join(e.name for e in envs)}"


_MODES = {
    "warn": "a conflicting push goes on with a warning; to refuse it: "
    "git config alembic-git.mode block",
    "block": "a conflicting push is refused (git push --no-verify bypasses the hook)",
}


def uninstall(ws: Workspace, hook: str | None) -> int:
    from alembic_git.hooks import install as inst

    repo = ws.require_repo()
    for message in inst.uninstall(repo, hook or inst.default_hook(repo)):
        click.echo(f"alembic-git: {message}")
    return 0
