"""``alembic-git hook pre-push | pre-receive | install | uninstall``.

The hooks print nothing when all is well.  On a conflict they explain it on
stderr (git shows a pre-receive's as ``remote: ...``); pre-push then lets the
push through (warn mode, the default) or refuses it (block mode), pre-receive
refuses it.  A failure of the check itself is one line and never refuses a push
unless fail-on-error is set.
"""

from __future__ import annotations

import os
import sys

import click

from alembic_git import settings
from alembic_git.errors import AlembicGitError
from alembic_git.hooks.common import EXIT_REFUSED, guarded, one_line_errors
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

    def body(raw: settings.RawSettings) -> int:
        conf = settings.resolve(raw, mode=mode, target=target)
        if remote is None:
            name, where, refs = prepush.from_pre_commit(os.environ, ws)
        else:
            name, where, refs = remote, url, prepush.parse_push_lines(text)
        reports, errors = prepush.PrePush(ws, raw, conf, name, where).check(refs)
        for report in reports:
            print(report, file=sys.stderr)
        code = one_line_errors("pre-push", errors, settings.fail_on_error(raw, fail_on_error))
        if not reports:
            return code
        if conf.mode == "block":
            print(
                f"alembic-git: push refused (block mode, from {conf.mode_from}): merge the "
                "heads as shown and push again, or push anyway with: git push --no-verify",
                file=sys.stderr,
            )
            return EXIT_REFUSED
        print(
            "alembic-git: the push goes on (warn mode); to refuse such pushes: "
            "git config alembic-git.mode block",
            file=sys.stderr,
        )
        return code

    return guarded("pre-push", ws, fail_on_error, body)


def pre_receive(ws: Workspace, protect: tuple[str, ...], fail_on_error: bool | None) -> int:
    from alembic_git.hooks import prereceive

    text = _stdin()

    def body(raw: settings.RawSettings) -> int:
        conf = settings.resolve(raw, protect=protect)
        updates = prereceive.parse_receive_lines(text)
        reports, errors = prereceive.check_updates(ws, conf, updates)
        for report in reports:
            print(report, file=sys.stderr)
        code = one_line_errors("pre-receive", errors, settings.fail_on_error(raw, fail_on_error))
        return EXIT_REFUSED if reports else code

    return guarded("pre-receive", ws, fail_on_error, body)


def post_checkout(ws: Workspace, prev: str | None, new: str | None, flag: str | None) -> int:
    from alembic_git.hooks import postcheckout

    return postcheckout.run(ws, prev, new, flag)


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
    if hook == "pre-push":
        try:
            conf = settings.resolve(settings.RawSettings.read(repo), mode=mode)
        except AlembicGitError as exc:
            click.echo(f"alembic-git: warning: {exc}", err=True)
        else:
            click.echo(f"alembic-git: {conf.mode} mode ({conf.mode_from}): {_MODES[conf.mode]}")
    return 0


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
