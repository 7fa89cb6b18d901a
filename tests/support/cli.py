"""The one way tests run ``alembic-git``: in this process by default, as a real process on request.

In-process runs are ~20x cheaper than starting Python and importing the package, and
they go through the same ``alembic_git.cli.main`` the console script calls (its exit
codes, its one-line errors). What a process has that this one does not is isolated
here: the current folder, the environment (click's ``CliRunner`` isolation swaps
``os.environ``, stdin, stdout and stderr), ``sys.path`` and the signal handlers.

Pass ``process=True`` where a real process is the point: hooks git runs, signals, an
exit status seen by a shell, output written straight to a file descriptor.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from click.testing import CliRunner

_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGPIPE", "SIGINT", "SIGTERM", "SIGHUP")
    if hasattr(signal, name)
)


def run_cli(
    cwd: Path,
    *args: str,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    process: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``alembic-git ARGS`` in ``cwd`` with ``env`` added to the environment.

    The result looks like ``subprocess.run``'s either way (returncode, stdout, stderr).
    """
    if process:
        return run_process(cwd, *args, input=input, env=env)
    return run_in_process(cwd, *args, input=input, env=env)


def run_process(
    cwd: Path, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m alembic_git ARGS`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "alembic_git", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def run_in_process(
    cwd: Path, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``alembic_git.cli.main(ARGS)`` here, isolated as a process would be."""
    from alembic_git.cli import main

    runner = CliRunner()
    with _process_state(cwd), runner.isolation(input=input, env=dict(env or {})) as streams:
        stdout, stderr, _ = streams
        try:
            code = main(list(args))
        except SystemExit as exc:  # what a process would exit with
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        out = stdout.getvalue().decode("utf-8", "replace")
        err = stderr.getvalue().decode("utf-8", "replace")
    return subprocess.CompletedProcess(["alembic-git", *args], code, out, err)


@contextlib.contextmanager
def _process_state(cwd: Path) -> Iterator[None]:
    """What a process gets fresh and must not leak back: cwd, sys.path, signal handlers."""
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    old_handlers = {s: signal.getsignal(s) for s in _SIGNALS}
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        for s, handler in old_handlers.items():
            if handler is not None:
                signal.signal(s, handler)
        _clear_module_caches()


def _clear_module_caches() -> None:
    """A process starts with empty ``functools`` caches; so does the next in-process run."""
    for name, module in list(sys.modules.items()):
        if name == "alembic_git" or name.startswith("alembic_git."):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()
