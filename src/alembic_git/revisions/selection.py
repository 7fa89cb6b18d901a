"""Which environments a command reads: the global options' choice, else the environments
the repository declares, else Alembic's own config found the way Alembic finds it."""

from __future__ import annotations

import os

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.declared import declared_environments, pick
from alembic_git.revisions.discovery import (
    Environment,
    Selection,
    discover_all,
    from_version_locations,
    load_environment,
    locate_config,
)
from alembic_git.revisions.source import Source


def select_environments(source: Source, cwd: str, selection: Selection) -> list[Environment]:
    """The environments the global options name; without options, the environments the
    repository declares in ``[[tool.alembic-git.environments]]``, else Alembic's config."""
    if selection.version_locations:
        return [
            from_version_locations(source, cwd, selection.version_locations, selection.recursive)
        ]
    env_config = os.environ.get("ALEMBIC_CONFIG")
    explicit = bool(selection.config or env_config)
    declared = None if explicit else declared_environments(source)
    if selection.envs and declared is None:
        raise AlembicGitError(
            f"--env {selection.envs[0]!r}: no environment is declared in "
            f"{source.display(source.root + '/pyproject.toml')}"
            + (" (-c/ALEMBIC_CONFIG given, so declarations are not read)" if explicit else ""),
            hint="declare it in [[tool.alembic-git.environments]], or drop --env",
        )
    if selection.all:
        return _with_declared(declared or [], discover_all(source, allow_none=bool(declared)))
    if declared is not None:
        # -n names a section of an ini; with declared environments, one of those.
        names = selection.envs or ((selection.name,) if selection.name != "alembic" else ())
        return pick(declared, names, source.display(source.root + "/pyproject.toml"))
    ini, toml = locate_config(source, cwd, selection.config, env_config)
    here = os.path.dirname(ini or toml or cwd)
    # Alembic resolves relative paths against the folder it runs in; when we
    # found the config by searching upward, that folder is the config's.
    base = cwd if explicit else here
    return [load_environment(source, ini, toml, selection.name, base)]


def _with_declared(declared: list[Environment], found: list[Environment]) -> list[Environment]:
    """Declared environments, then each discovered one that reads other folders."""
    covered = {loc for env in declared for loc in env.version_locations}
    return declared + [e for e in found if not covered.intersection(e.version_locations)]
