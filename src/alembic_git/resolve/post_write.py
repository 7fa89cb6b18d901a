"""Alembic's ``post_write_hooks``, run on the merge revisions ``merge-heads`` writes, as
``alembic merge`` runs them on the file it generates.

Mirrors alembic/script/write_hooks.py and ``Config.get_hooks_list`` (Alembic 1.16+):

* hooks come from the ini's ``[post_write_hooks]`` section (``hooks = black, ruff``,
  then ``black.type``, ``black.entrypoint``, ``black.options`` ...; ``%(here)s`` is the
  ini's folder), or, only when the ini has no such section, from
  ``[[tool.alembic.post_write_hooks]]`` tables (``name = "black"``, ``type`` ...) in
  pyproject.toml;
* ``type = console_scripts`` runs ``<python> -c "import MODULE; MODULE.ATTR()"`` for the
  entry point named ``entrypoint``, with the Python running alembic-git; ``exec`` runs
  ``executable``; ``module`` runs ``<python> -m MODULE``;
* ``options`` is split like a shell line; ``REVISION_SCRIPT_FILENAME`` in it becomes the
  file's path, and when the token is absent the path comes first; ``cwd`` sets the folder.

Where Alembic is weaker we are stricter: Alembic ignores a hook's exit status, a
hook that fails here fails the command (exit 2, its output shown, every file put back).
A hook ``type`` registered in Python code (``write_hooks.register`` in env.py) would
need that code run, which alembic-git never does: it is an error naming the way out.
"""

from __future__ import annotations

import configparser
import importlib.metadata
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import Environment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

TOKEN = "REVISION_SCRIPT_FILENAME"
_SPLIT = re.compile(r", *|(?: +)")  # Alembic's split of the ``hooks`` list
_SKIP = "pass --no-post-write-hooks to write without them"


@dataclass(frozen=True)
class Hook:
    name: str
    options: Mapping[str, str]
    origin: str  # where it is configured, for messages


def configured_hooks(env: Environment) -> list[Hook]:
    """The environment's hooks, in their order, as Alembic's ``get_hooks_list`` reads them."""
    if env.config_file is not None and os.path.isfile(env.config_file):
        here = Path(env.config_file).absolute().parent.as_posix()
        parser = configparser.ConfigParser({"here": here})
        try:
            parser.read(env.config_file, encoding="utf-8")
            if parser.has_section("post_write_hooks"):
                section = dict(parser.items("post_write_hooks"))
                return _from_ini(section, f"{env.config_file} [post_write_hooks]")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise AlembicGitError(
                f"cannot read [post_write_hooks]: {' '.join(str(exc).split())}",
                path=env.config_file,
                hint=_SKIP,
            ) from None
    if env.toml_file is not None and os.path.isfile(env.toml_file):
        return _from_toml(env.toml_file)
    return []


def _from_ini(section: Mapping[str, str], origin: str) -> list[Hook]:
    hooks = []
    for name in _SPLIT.split(section.get("hooks", "")):
        if name:
            prefix = f"{name}."
            options = {k[len(prefix) :]: v for k, v in section.items() if k.startswith(prefix)}
            hooks.append(Hook(name, options, origin))
    return hooks


def _from_toml(path: str) -> list[Hook]:
    try:
        with open(path, "rb") as f:
            data: Any = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AlembicGitError(f"cannot read it: {exc}", path=path, hint=_SKIP) from None
    tables = data.get("tool", {}).get("alembic", {}).get("post_write_hooks", [])
    here = Path(path).absolute().parent.as_posix()
    hooks = []
    for table in tables if isinstance(tables, list) else []:
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            raise AlembicGitError(
                "each [[tool.alembic.post_write_hooks]] needs a name", path=path, hint=_SKIP
            )
        options = {str(k): str(v) % {"here": here} for k, v in table.items() if k != "name"}
        hooks.append(Hook(table["name"], options, f"{path} [[tool.alembic.post_write_hooks]]"))
    return hooks


def _required(hook: Hook, key: str) -> str:
    value = hook.options.get(key)
    if not value:
        raise AlembicGitError(
            f"post-write hook {hook.name!r} has no {hook.name}.{key} (in {hook.origin})",
            hint=f"set it, or {_SKIP}",
        )
    return value


def _entry_point(hook: Hook) -> list[str]:
    name = _required(hook, "entrypoint")
    for entry in importlib.metadata.entry_points(group="console_scripts"):
        if entry.name == name:
            return [sys.executable, "-c", f"import {entry.module}; {entry.module}.{entry.attr}()"]
    raise AlembicGitError(
        f"post-write hook {hook.name!r}: no console script {name!r} is installed for "
        f"{sys.executable} (the Python running alembic-git, as Alembic uses its own)",
        hint=f"install it there, use type = exec with executable = {name}, or {_SKIP}",
    )


def command(hook: Hook, path: str) -> list[str]:
    """The command line Alembic would run for ``hook`` on the file ``path``."""
    kind = hook.options.get("type")
    if kind is None:
        raise AlembicGitError(
            f"post-write hook {hook.name!r} has no {hook.name}.type (in {hook.origin})",
            hint=f"set it to console_scripts, exec or module, or {_SKIP}",
        )
    if kind == "console_scripts":
        base = _entry_point(hook)
    elif kind == "exec":
        base = [_required(hook, "executable")]
    elif kind == "module":
        module = _required(hook, "module")
        if importlib.util.find_spec(module) is None:
            raise AlembicGitError(
                f"post-write hook {hook.name!r}: module {module!r} is not installed for "
                f"{sys.executable}",
                hint=f"install it there, or {_SKIP}",
            )
        base = [sys.executable, "-m", module]
    else:
        raise AlembicGitError(
            f"post-write hook {hook.name!r} has type {kind!r}, which only Python code can "
            f"register (in env.py); alembic-git never runs that code",
            hint=f"use type = exec or console_scripts, or {_SKIP} and run it yourself",
        )
    options = hook.options.get("options", "")
    if TOKEN not in options:
        options = f"{TOKEN} {options}"
    return [*base, *(o.replace(TOKEN, path) for o in shlex.split(options, posix=os.name != "nt"))]


def run(hook: Hook, path: str, display: str) -> None:
    """Run ``hook`` on ``path``; a failure raises, with the hook's output in the message."""
    argv = command(hook, path)
    try:
        proc = subprocess.run(
            argv,
            cwd=hook.options.get("cwd") or None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
    except OSError as exc:
        raise AlembicGitError(
            f"post-write hook {hook.name!r} could not start on {display}: {exc}",
            hint=f"check {hook.origin}, or {_SKIP}",
        ) from None
    if proc.returncode != 0:
        output = proc.stdout.decode("utf-8", "replace").rstrip()
        raise HookFailed(hook, display, proc.returncode, argv, output)


class HookFailed(AlembicGitError):
    """A post-write hook exited non-zero; ``output`` is what it printed."""

    def __init__(self, hook: Hook, display: str, code: int, argv: list[str], output: str) -> None:
        super().__init__(
            f"post-write hook {hook.name!r} failed on {display} (exit {code}: {shlex.join(argv)})",
            hint=f"fix the hook ({hook.origin}), or {_SKIP}",
        )
        self.output = output
