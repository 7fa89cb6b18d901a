"""Alembic's view of a project: the oracle every answer of ours is compared with.

Alembic is asked through its own API (``ScriptDirectory``, ``CommandLine``) or its real
command line; each helper leaves the current folder and ``sys.path`` as it found them
(Alembic chdirs nowhere, but ``prepend_sys_path`` and relative paths need the cwd).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def inside(cwd: Path) -> Iterator[None]:
    """Run in ``cwd``; afterwards the cwd, ``sys.path`` and an imported ``app`` are undone."""
    old_cwd, old_path = os.getcwd(), list(sys.path)
    os.chdir(cwd)
    # A relative prepend_sys_path (".") meets importlib's finder cache of the folder an
    # earlier test ran in (same path string, another folder): start from a clean cache.
    importlib.invalidate_caches()
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path  # Alembic prepends prepend_sys_path to sys.path
        sys.modules.pop("app", None)  # a package a test project imported through it


def alembic_script_directory(project: Path, config: str = "alembic.ini", section: str = "alembic"):  # type: ignore[no-untyped-def]
    """Alembic's ScriptDirectory for the project's config (the oracle)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(project / config), ini_section=section)
    old = os.getcwd()
    os.chdir(project)
    try:  # sys.path stays: the revision map loads later, and may need prepend_sys_path
        return ScriptDirectory.from_config(cfg)
    finally:
        os.chdir(old)


def alembic_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``alembic`` command line in ``project``."""
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def alembic_heads(cwd: Path, *args: str) -> str:
    """What ``alembic [args] heads`` prints from ``cwd``: Alembic's CommandLine, step by step."""
    from alembic.config import CommandLine, Config

    cl = CommandLine(prog="alembic")
    options = cl.parser.parse_args([*args, "heads"])
    out = io.StringIO()
    with inside(cwd), warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        toml, ini = cl._inis_from_config(options)
        cfg = Config(
            file_=ini, toml_file=toml, ini_section=options.name, cmd_opts=options, stdout=out
        )
        with contextlib.suppress(SystemExit):  # "FAILED: ..." then exit(-1)
            cl.run_cmd(cfg, options)
    return out.getvalue()


def alembic_head_ids(cwd: Path, config: str = "alembic.ini") -> list[str]:
    """Alembic's heads for ``config`` run from ``cwd`` (it resolves paths lazily), sorted."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    with inside(cwd):
        return sorted(ScriptDirectory.from_config(Config(config)).get_heads())


def alembic_heads_text(script: Any) -> str:
    """What ``alembic heads`` prints, computed in-process from the same ScriptDirectory."""
    lines = [
        rev.cmd_format(False, include_branches=True, tree_indicators=False)
        for rev in script.get_revisions(script.get_heads())
    ]
    return "".join(line + "\n" for line in lines)
