"""Environments declared in ``[[tool.alembic-git.environments]]`` of the repository's
``pyproject.toml``: for projects whose Alembic config is built in code (Prefect,
Neutron, Keystone, Redash), where no ini describes where the revisions live.

Each entry names its version folders (relative to the pyproject's folder) or an
Alembic config file to read as Alembic would from ``working-directory``::

    [[tool.alembic-git.environments]]
    name = "postgresql"
    version-locations = ["src/prefect/server/database/_migrations/versions/postgresql"]
    script-template = "src/prefect/server/database/_migrations/script.py.mako"

    [[tool.alembic-git.environments]]
    name = "ckan"
    config = "ckan/migration/alembic.ini"
    working-directory = "ckan/migration"

The declaration is read from the source being checked, so a commit's environments
are the ones that commit declares.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import (
    Environment,
    load_environment,
    resolve_location,
    tool_table,
)
from alembic_git.revisions.source import Source, WorktreeSource, norm

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_KEYS = frozenset(
    {
        "name",
        "version-locations",
        "recursive",
        "script-template",
        "external-version-locations",
        "config",
        "section",
        "working-directory",
    }
)
_HINT = "see docs/configuration.md, 'Declared environments'"


def declared_environments(source: Source) -> list[Environment] | None:
    """The environments the repository's pyproject.toml declares; None when it declares none."""
    path = f"{source.root}/pyproject.toml"
    data = source.read(path)
    if data is None or b"environments" not in data:
        return None
    where = source.display(path)
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AlembicGitError(f"cannot parse TOML: {exc}", path=where) from None
    table = tool_table(document, "alembic-git")
    if not isinstance(table, dict) or "environments" not in table:
        return None
    entries = table["environments"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise AlembicGitError(
            "[tool.alembic-git] environments must be an array of tables "
            "([[tool.alembic-git.environments]])",
            path=where,
            hint=_HINT,
        )
    if not entries:
        raise AlembicGitError(
            "[tool.alembic-git] environments is empty", path=where, hint=_HINT
        )
    envs = [_environment(source, entry, i, where) for i, entry in enumerate(entries, 1)]
    seen: set[str] = set()
    for env in envs:
        if env.name in seen:
            raise AlembicGitError(
                f"two declared environments are named {env.name!r}", path=where, hint=_HINT
            )
        seen.add(env.name)
    return envs


def pick(envs: Sequence[Environment], names: Sequence[str], where: str) -> list[Environment]:
    """The declared environments named (all of them when no name is given)."""
    if not names:
        return list(envs)
    by_name = {env.name: env for env in envs}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise AlembicGitError(
            f"no declared environment is named {unknown[0]!r} in {where}",
            hint="declared: " + ", ".join(by_name),
        )
    return [by_name[n] for n in dict.fromkeys(names)]


def _environment(source: Source, entry: dict[str, Any], index: int, where: str) -> Environment:
    what = f"environment #{index}"
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise AlembicGitError(
            f"{what}: unknown key {unknown[0]!r}",
            path=where,
            hint="known keys: " + ", ".join(sorted(_KEYS)),
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AlembicGitError(f"{what} needs a name (a string)", path=where, hint=_HINT)
    what = f"environment {name!r}"
    folder = os.path.dirname(f"{source.root}/pyproject.toml")
    locations = _paths(entry, "version-locations", what, where)
    config = entry.get("config")
    if (config is None) == (locations is None):
        raise AlembicGitError(
            f"{what} needs exactly one of 'version-locations' or 'config'", path=where, hint=_HINT
        )
    recursive = entry.get("recursive", False)
    if not isinstance(recursive, bool):
        raise AlembicGitError(f"{what}: 'recursive' must be true or false", path=where)
    template = entry.get("script-template")
    if template is not None and not isinstance(template, str):
        raise AlembicGitError(f"{what}: 'script-template' must be a path", path=where)
    if config is not None:
        env = _from_config(source, entry, config, folder, what, where)
        if "recursive" in entry:
            env = replace(env, recursive=recursive)
    else:
        assert locations is not None
        folders = tuple(dict.fromkeys(norm(os.path.join(folder, p)) for p in locations))
        env = Environment(
            name=name,
            version_locations=folders,
            recursive=recursive,
            search_path=(folder, source.root, f"{source.root}/src"),
            base=folder,
            locations_from=f"version-locations of {what} in {where}",
        )
    key = "external-version-locations"
    externals = _paths(entry, key, what, where) or []
    file_system = WorktreeSource("/")  # external locations: always the file system
    search = [p for p in sys.path if p and os.path.isabs(p)]
    return replace(
        env,
        name=name,
        declared=True,
        script_template=norm(os.path.join(folder, template)) if template else env.script_template,
        external_locations=tuple(
            resolve_location(file_system, p, folder, search, key, where) for p in externals
        ),
    )


def _from_config(
    source: Source, entry: dict[str, Any], config: Any, folder: str, what: str, where: str
) -> Environment:
    section = entry.get("section", "alembic")
    cwd = entry.get("working-directory", ".")
    if not isinstance(config, str) or not isinstance(section, str) or not isinstance(cwd, str):
        raise AlembicGitError(
            f"{what}: 'config', 'section' and 'working-directory' must be strings", path=where
        )
    path = norm(os.path.join(folder, config))
    ini, toml = (None, path) if os.path.basename(path) == "pyproject.toml" else (path, None)
    if source.read(path) is None:
        raise AlembicGitError(
            f"{what}: config file {source.display(path)} not found in {source.label}",
            path=where,
        )
    return load_environment(source, ini, toml, section, norm(os.path.join(folder, cwd)))


def _paths(entry: dict[str, Any], key: str, what: str, where: str) -> list[str] | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise AlembicGitError(f"{what}: {key!r} must be a list of paths", path=where, hint=_HINT)
    return list(value)
