"""The merge revision: rendered from the environment's own ``script.py.mako``, as Alembic does.

The template gets what ``alembic merge`` gives it (see :func:`template.render_revision`),
plus ``config`` when the environment has a config file.  The file name follows
``file_template`` and ``truncate_slug_length``; the file goes into the version
location the heads live in (the first one when they are spread over several).
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Collection, Sequence
from configparser import ConfigParser
from dataclasses import dataclass
from typing import Any

from alembic_git.errors import AlembicGitError
from alembic_git.resolve.template import (
    UNSAFE_ID_HINT,
    TemplateConfig,
    TemplateError,
    UnknownTimezoneError,
    create_date_now,
    new_revision_id,
    render_revision,
    revision_filename,
    unsafe_in_source,
)
from alembic_git.revisions.discovery import Environment, read_tool_alembic
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.source import WorktreeSource


@dataclass(frozen=True)
class MergeFile:
    revision: str
    parents: tuple[str, ...]
    path: str  # absolute
    data: bytes


def default_message(heads: Sequence[str]) -> str:
    return f"merge heads {', '.join(heads)}"


def check_writable(graph: RevisionGraph, revisions: Sequence[str]) -> None:
    """Refuse, naming the file, any revision id that cannot go safely into a new file."""
    for rev in revisions:
        why = unsafe_in_source(rev)
        if why is not None:
            f = graph.revisions[rev]
            raise AlembicGitError(
                f"revision id {rev!r} cannot be written into a merge revision: {why}",
                path=f.display,
                line=f.line_of("revision"),
                hint=UNSAFE_ID_HINT,
            )


def check_message(message: str) -> None:
    """``-m`` goes into the docstring as is (as with ``alembic merge``): nothing that ends it."""
    bad = next((q for q in ('"""', "'''", "\\") if q in message), None)
    if bad is None and not message.isprintable():
        bad = next(ch for ch in message if not ch.isprintable())
    if bad is not None:
        raise AlembicGitError(
            f"-m {message!r} cannot be written into the revision's docstring: it contains {bad!r}",
            hint="write the message on one line without backslashes or triple quotes",
        )


def check_rev_id(rev_id: str, taken: Collection[str]) -> None:
    # Stricter than Alembic (which bans only @ - + :): the id also names the file.
    if not re.fullmatch(r"\w+", rev_id):
        raise AlembicGitError(
            f"--rev-id {rev_id!r} is not a usable revision id",
            hint="use letters, digits and underscores",
        )
    if rev_id in taken:
        raise AlembicGitError(
            f"--rev-id {rev_id!r} is already a revision of this environment",
            hint="choose another id, or leave --rev-id out for a new one",
        )


def target_folder(env: Environment, paths: Sequence[str]) -> str:
    """The version location holding every one of ``paths``, else the first location."""

    def location_of(path: str) -> str | None:
        owners = [loc for loc in env.version_locations if path.startswith(f"{loc}/")]
        return max(owners, key=len) if owners else None

    found = {location_of(p) for p in paths}
    if len(found) == 1 and None not in found:
        folder = found.pop()
        assert folder is not None
        return folder
    return env.version_locations[0]


def _template_config(env: Environment) -> TemplateConfig | None:
    toml: dict[str, Any] | None = None
    if env.toml_file is not None:
        toml = read_tool_alembic(WorktreeSource(os.path.dirname(env.toml_file)), env.toml_file)
    if env.config_file is not None:
        return TemplateConfig.from_ini(
            env.config_file, config_ini_section=env.section, toml_alembic_config=toml
        )
    if toml is not None:
        return TemplateConfig(ConfigParser(), toml_alembic_config=toml)
    return None


def render_merge(
    env: Environment,
    graph: RevisionGraph,
    heads: tuple[str, ...],
    message: str | None,
    rev_id: str | None,
    taken: Collection[str],
    now: datetime.datetime | None = None,
) -> MergeFile:
    """The merge revision over ``heads`` (all of them, versioned heads included)."""
    template = env.template_file
    if template is None or not os.path.isfile(template):
        where = template or "no script_location"
        raise AlembicGitError(
            f"cannot write a merge revision for {env.name}: no script.py.mako ({where})",
            hint="select the environment with -c CONFIG, or use --strategy rebase",
        )
    check_writable(graph, heads)
    if message is not None:
        check_message(message)
    with open(template, "rb") as f:
        source = f.read()
    revision = rev_id if rev_id is not None else new_revision_id()
    while rev_id is None and revision in taken:  # as unlikely as Alembic's own collision
        revision = new_revision_id()
    text = message if message is not None else default_message(heads)
    try:
        create_date = now if now is not None else create_date_now(env.timezone)
    except UnknownTimezoneError as exc:
        raise AlembicGitError(str(exc), path=env.name, hint="fix the timezone setting") from None
    config = _template_config(env)
    try:
        data = render_revision(
            source,
            template_path=template,
            up_revision=revision,
            down_revision=heads,
            message=text,
            create_date=create_date,
            output_encoding=env.output_encoding,
            template_args={"config": config} if config is not None else None,
        )
    except TemplateError as exc:
        raise AlembicGitError(str(exc).splitlines()[0], hint="fix the template") from None
    name = revision_filename(
        env.file_template, revision, text, create_date, env.truncate_slug_length
    )
    folder = target_folder(env, [graph.revisions[h].path for h in heads])
    path = os.path.normpath(os.path.join(folder, name)).replace(os.sep, "/")
    if os.path.exists(path):
        raise AlembicGitError(f"{path} already exists", hint="pass another --rev-id or -m")
    return MergeFile(revision, heads, path, data)
