"""Our view of a project: alembic-git's graph and heads, as the tests compare them with Alembic's.

One place builds "our graph of a project" from the working tree (or a commit), the way
the commands do: select the one environment, load its revision files, build the graph.
"""

from __future__ import annotations

import json
from pathlib import Path

from alembic_git.revisions.cache import ParseCache
from alembic_git.revisions.discovery import Selection
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.loader import RevisionFile, load_revision_files
from alembic_git.revisions.selection import select_environments
from alembic_git.revisions.source import Source, WorktreeSource


def our_revision_files(project: Path, source: Source | None = None) -> list[RevisionFile]:
    """The revision files of the project's one environment, read as the commands read them
    (no parse cache: every test reads the files afresh)."""
    source = source or WorktreeSource(str(project))
    (env,) = select_environments(source, str(project), Selection())
    return list(load_revision_files(source, env, ParseCache(None)))


def our_graph(project: Path, source: Source | None = None) -> RevisionGraph:
    """The project's revision graph, from the working tree unless ``source`` says otherwise."""
    return RevisionGraph(our_revision_files(project, source))


def heads_by_environment(json_stdout: str) -> dict[str, list[str]]:
    """``heads --format json`` (or ``check``'s JSON): environment name -> its heads, in order."""
    data = json.loads(json_stdout)
    envs = data.get("environments", [data])
    return {e["environment"]: [h["revision"] for h in e["heads"]] for e in envs}


def sorted_heads(json_stdout: str) -> list[str]:
    """The heads of the first (or only) environment in JSON output, sorted."""
    data = json.loads(json_stdout)
    env = data["environments"][0] if "environments" in data else data
    return sorted(h["revision"] for h in env["heads"])
