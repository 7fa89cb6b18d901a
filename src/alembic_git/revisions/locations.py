"""What an environment's locations hold, beyond its own revision files: the external
locations of a declared environment, and the loud error when nothing is there.

A gate that reads an empty folder and says "ok" is worse than no gate (CKAN's
``script_location = .`` read from the wrong folder, Neutron's revisions in
sub-folders read without ``recursive_version_locations``), so an environment with
no revision at all is an error that says what was looked at and what to do.
"""

from __future__ import annotations

from dataclasses import replace

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.cache import ParseCache
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.limits import SizeLimit
from alembic_git.revisions.loader import FileMemo, RevisionFile, load_revision_files
from alembic_git.revisions.source import Source, WorktreeSource

EXTERNAL_MARK = " (external)"


class NothingToRead(AlembicGitError):
    """An environment whose locations hold no revision file."""


def external_revision_files(
    env: Environment, cache: ParseCache, memo: FileMemo, size_limit: SizeLimit | None = None
) -> list[RevisionFile]:
    """The revisions of the environment's external locations, read from the file system
    whatever commit is being read, and marked external in every report."""
    if not env.external_locations:
        return []
    file_system = WorktreeSource("/")
    for folder in env.external_locations:
        if not file_system.is_dir(folder):
            raise AlembicGitError(
                f"external version location {folder} is not a folder on this machine",
                hint=f"install the package that provides it, or fix external-version-locations "
                f"of environment {env.name!r}",
            )
    outside = replace(env, version_locations=env.external_locations, external_locations=())
    return [
        replace(f, display=f.display + EXTERNAL_MARK)
        for f in load_revision_files(file_system, outside, cache, memo, size_limit)
    ]


def nothing_to_read(source: Source, env: Environment) -> NothingToRead:
    """Why the environment yields no revision, and what to do about it."""
    config = env.config_file or env.toml_file
    where = source.display(config) if config else None
    name = "" if env.name == where else f"{env.name}: "
    looked = ", ".join(source.display(folder) for folder in env.version_locations)
    origin = f" (from {env.locations_from})" if env.locations_from else ""
    below = _files_below(source, env) if not env.recursive else None
    if below is not None:
        return NothingToRead(
            f"{name}no revision file directly in {looked}{origin} in {source.label}, "
            f"but sub-folders hold some ({source.display(below)}); Alembic reads only the "
            "top folder unless recursive_version_locations = true",
            path=where,
            hint="set recursive_version_locations = true in the Alembic config, "
            "recursive = true in a declared environment, or pass --recursive",
        )
    existing = [f for f in env.version_locations if source.is_dir(f)]
    if not existing:
        relative = (
            f"; relative paths start from the folder Alembic runs in, here "
            f"{source.display(env.base)}"
            if env.base
            else ""
        )
        return NothingToRead(
            f"{name}no revisions to read: {looked}{origin} is not a folder in "
            f"{source.label}{relative}",
            path=where,
            hint="run from the folder Alembic runs in, write %(here)s in the config, pass -c, "
            "or declare the environment in [[tool.alembic-git.environments]] "
            "(docs/configuration.md)",
        )
    return NothingToRead(
        f"{name}no revision file in {looked}{origin} in {source.label}",
        path=where,
        hint="create the first revision (alembic revision -m ...), or point the config "
        "(-c, version_locations, a declared environment) at the folder that holds them",
    )


def unrelated_graphs_note(source: Source, env: Environment, graph: RevisionGraph) -> str | None:
    """A note when several folders given with --version-location hold graphs that share no
    ancestor: two environments joined into one (Prefect's postgresql and sqlite folders)
    would otherwise read as one environment with several heads."""
    if env.locations_from != "--version-location" or len(env.version_locations) < 2:
        return None
    import networkx as nx  # only on this path: the hot paths never import networkx

    parts = list(nx.weakly_connected_components(graph.to_networkx()))
    if len(parts) < 2:
        return None
    folders = ", ".join(source.display(f) for f in env.version_locations)
    return (
        f"note: --version-location {folders}: the revisions form {len(parts)} graphs that "
        "share no ancestor; if these are separate environments, check them one at a time "
        "or declare them in [[tool.alembic-git.environments]]"
    )


def _files_below(source: Source, env: Environment) -> str | None:
    """A revision file in a sub-folder of a version location, if there is one."""
    for folder in env.version_locations:
        if source.is_dir(folder):
            found = source.revision_files(folder, recursive=True)
            if found:
                return found[0][0]
    return None
