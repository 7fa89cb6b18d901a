"""What the pre-push and pre-receive hooks share: which environments to check, how
a failure of the check itself is reported (one line; the push goes on unless the
user opted into failing), and the verdict handed to the installed hook script."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from alembic_git import settings
from alembic_git.errors import EXIT_CONFLICT, EXIT_ERROR, AlembicGitError
from alembic_git.revisions.conflicts import EnvResult
from alembic_git.revisions.discovery import Environment, NoConfigFound, Selection, discover_all
from alembic_git.revisions.source import Source
from alembic_git.status import Status
from alembic_git.workspace import Workspace

EXIT_REFUSED = EXIT_CONFLICT
_BYPASS = {"pre-push": "; git push --no-verify skips the check"}
VERDICT_FD = "ALEMBIC_GIT_VERDICT_FD"


@dataclass(frozen=True)
class Outcome:
    """What a hook found (``ok``, ``conflict``, ``error``) and the exit code it chose."""

    verdict: Status
    code: int


def outcome(reports: list[str], errors: list[str], code: int) -> Outcome:
    return Outcome(Status.of(bool(reports), bool(errors)), code)


def hand_over(result: Outcome) -> int:
    """Write the verdict for the installed hook script, as the hook's last act.

    The script passes a file descriptor in ``ALEMBIC_GIT_VERDICT_FD`` and believes
    only what arrives there: an exit status alone may come from an interpreter that
    failed at start-up (exit 1, like a conflict in block mode).
    """
    fd = os.environ.get(VERDICT_FD, "")
    if fd.isdigit():
        sys.stdout.flush()
        sys.stderr.flush()
        # Not writable (run by hand with the variable set): no verdict, as from a crash.
        with contextlib.suppress(OSError):
            os.write(int(fd), f"{result.verdict.value} {result.code};".encode())
    return result.code


class NoEnvironment(AlembicGitError):
    """A commit in which the hook found no Alembic environment at all."""


def hook_environments(ws: Workspace, source: Source) -> list[Environment]:
    """The environments to check in ``source``.

    With global options (``-c``, ``--all``, ...) or ``ALEMBIC_CONFIG``: exactly those.
    Without: the config at the repository's root, else every environment in the tree
    (a monorepo).  Finding none is an error, never "nothing to check": a push that
    removes or moves the config must not pass the gate in silence.
    """
    try:
        return ws.environments(source)
    except NoConfigFound:
        if ws.selection != Selection() or os.environ.get("ALEMBIC_CONFIG"):
            raise
    try:
        envs = discover_all(source)
    except AlembicGitError as exc:
        if "found no Alembic environment" not in exc.message:
            raise  # a config that cannot be read: its own message says where
        envs = []
    if not envs:
        raise NoEnvironment(
            f"no Alembic environment in {source.label} (no alembic.ini with a script_location "
            "nor pyproject.toml with [tool.alembic] anywhere in it): nothing was checked",
            hint="if the config is built in code, install the hook with -c FILE or "
            "--version-location DIR",
        )
    return envs


def check_alone(ws: Workspace, sha: str, label: str) -> tuple[list[EnvResult], list[str]]:
    """Each environment of commit ``sha`` with the plain conflict rule; (results, errors)."""
    source = ws.commit(sha, label)
    results, errors = [], []
    for env in hook_environments(ws, source):
        try:
            results.append(EnvResult.of(env, ws.graph(source, env)))
        except AlembicGitError as exc:
            errors.append(f"{env.name}: {label}: {exc}")
    return results, errors


def guarded(
    hook: str,
    ws: Workspace,
    fail_flag: bool | None,
    body: Callable[[settings.RawSettings], Outcome],
) -> Outcome:
    """Run ``body``; any failure is one line on stderr and lets the push through, unless
    fail-on-error is set (flag, ``git config alembic-git.failOnError``, pyproject)."""
    raw: settings.RawSettings | None = None
    try:
        raw = settings.RawSettings.read(ws.require_repo())
        result = body(raw)
        ws.close()
        return result
    except Exception as exc:  # a broken tool must not lock people out
        if os.environ.get("ALEMBIC_GIT_DEBUG"):
            traceback.print_exc()
        detail = str(exc) if isinstance(exc, AlembicGitError) else f"{type(exc).__name__}: {exc}"
        detail = " ".join(detail.split())
        if settings.fail_on_error(raw, fail_flag):
            print(
                f"alembic-git: error: the {hook} check failed: {detail}; push refused "
                f"(alembic-git.failOnError is set{_BYPASS.get(hook, '')})",
                file=sys.stderr,
            )
            return Outcome(Status.ERROR, EXIT_ERROR)
        print(
            f"alembic-git: warning: the {hook} check failed, the push goes on: {detail}",
            file=sys.stderr,
        )
        return Outcome(Status.ERROR, 0)


def one_line_errors(hook: str, errors: list[str], strict: bool) -> int:
    """Report check errors (broken revision files, a broken target) like ``guarded`` does."""
    for error in errors:
        error = " ".join(error.split())
        if strict:
            print(f"alembic-git: error: the {hook} check failed: {error}", file=sys.stderr)
        else:
            print(
                f"alembic-git: warning: the {hook} check failed, the push goes on: {error}",
                file=sys.stderr,
            )
    if errors and strict:
        print(
            f"alembic-git: push refused (alembic-git.failOnError is set{_BYPASS.get(hook, '')})",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return 0
