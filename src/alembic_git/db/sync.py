"""``alembic-git db sync``: bring the developer's database to this branch.

Orphaned revisions are downgraded with their *own* ``downgrade()``: their files are
taken from the git objects of the branch that has them and written to a temporary
version folder beside the project's, so the project's ``env.py`` runs them through
Alembic's API (no checkout of the other branch).  One step per revision, newest first,
each ``<rev>@-1`` (only that revision: this branch's own revisions stay); then an
upgrade to this branch's heads with the project's own version folders only.

This runs migration code, as ``alembic upgrade`` does: only on this explicit command.
"""

from __future__ import annotations

import ast
import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from alembic_git.db.report import EnvStatus
from alembic_git.db.status import Orphan
from alembic_git.db.url import DEFAULT_URL_ENV, scrub
from alembic_git.db.version_table import read_versions
from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import Environment

_SEPARATORS = {"os": os.pathsep, "space": " ", "newline": "\n", ":": ":", ";": ";"}


@dataclass(frozen=True)
class Step:
    action: str  # "downgrade" or "upgrade"
    target: str  # what Alembic is given
    text: str  # how the plan shows it
    orphan: Orphan | None = None


def plan(es: EnvStatus) -> list[Step]:
    """The steps, or [] when the database is up to date."""
    steps: list[Step] = []
    for o in es.status.orphans:
        if o.where is None or o.path is None:
            raise AlembicGitError(
                f"the database ran {o.revision}, which no branch, remote ref or recent "
                "commit has: its downgrade() cannot be found",
                hint="fetch the branch that has it, or downgrade by hand",
            )
        message = f"  {o.message}" if o.message else ""
        text = f"downgrade {o.revision}{message}  (its file from {o.file_from})"
        steps.append(Step("downgrade", _downgrade_target(o, es), text, o))
    if es.status.pending or steps:
        heads = ", ".join(es.status.heads)
        steps.append(Step("upgrade", "heads", f"upgrade to this branch's heads: {heads}"))
    return steps


def _downgrade_target(o: Orphan, es: EnvStatus) -> str:
    """What Alembic downgrades to so that only ``o`` goes: ``o@-1`` (one step on its
    own branch); for a merge revision, where ``@-1`` is ambiguous, one of its parents
    (another orphan first), which unmerges it and leaves both parents applied."""
    if len(o.down_revisions) <= 1:
        return f"{o.revision}@-1"
    orphaned = {x.revision for x in es.status.orphans}
    return next((p for p in o.down_revisions if p in orphaned), o.down_revisions[0])


def check_downgrades(steps: list[Step]) -> None:
    """Refuse before anything runs when an orphan has no module-level downgrade()."""
    for step in steps:
        o = step.orphan
        if o is None:
            continue
        data = o.where.read(o.path) or b""
        try:
            tree = ast.parse(data)
        except SyntaxError as exc:
            raise AlembicGitError(
                f"revision {o.revision} in {o.file_from} cannot be parsed ({exc.msg}); "
                "nothing was run",
                path=o.where.display(o.path),
                line=exc.lineno,
            ) from None
        if not any(
            isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "downgrade"
            for n in tree.body
        ):
            raise AlembicGitError(
                f"revision {o.revision} has no downgrade() in {o.found_in[0]}, so it "
                "cannot be undone; nothing was run",
                path=o.where.display(o.path),
                hint="downgrade it by hand, or restore the database",
            )


def run(es: EnvStatus, steps: list[Step], say: Callable[[str], None]) -> list[str]:
    """Run the steps; returns what ran.  A failing step raises, saying what ran before."""
    command = _alembic()
    env = es.env
    if env.config_file is None and env.toml_file is None:
        raise AlembicGitError(
            f"{env.name}: db sync runs the project's env.py through an Alembic config, "
            "and this environment has none",
            hint="declare the environment with config = \"alembic.ini\"",
        )
    done: list[str] = []
    with _materialised(env, steps) as folder, _database_env(env, es.db.url):
        for step in steps:
            cfg = _config(env, es.db.url, folder if step.action == "downgrade" else None)
            say(f"alembic-git: {step.text}")
            try:
                with _cwd(env.base or os.getcwd()):
                    getattr(command, step.action)(cfg, step.target)
            except Exception as exc:  # the project's migration code: anything can fail
                raise _failed(es, step, done, exc) from None
            done.append(step.text)
    return done


def _failed(es: EnvStatus, step: Step, done: list[str], exc: Exception) -> AlembicGitError:
    try:
        rows = read_versions(es.db, es.table)
        now = "no version table" if rows is None else ", ".join(rows) or "no revision"
    except AlembicGitError as read_error:
        now = f"unknown ({read_error})"
    ran = "; ".join(done) if done else "nothing"
    detail = scrub(" ".join(f"{type(exc).__name__}: {exc}".split()), es.db.url)
    return AlembicGitError(
        f"{step.text.split('  ')[0]} failed: {detail[:500]}; what ran before: {ran}; "
        f"the database is now at: {now}",
        hint="fix the migration, then run alembic-git db sync again",
    )


def _alembic() -> Any:
    try:
        from alembic import command
    except ImportError:
        raise AlembicGitError(
            "db sync runs the migrations with Alembic, which is not installed here",
            hint="pip install alembic (in the environment of your application)",
        ) from None
    return command


def _config(env: Environment, url: str, extra: str | None) -> Any:
    from alembic.config import Config

    cfg = Config(file_=env.config_file, toml_file=env.toml_file, ini_section=env.section)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if extra is not None:
        sep_name = cfg.get_main_option("path_separator") or cfg.get_main_option(
            "version_path_separator"
        )
        sep = _SEPARATORS.get(sep_name or "", " ")  # no separator: Alembic splits on spaces
        locations = sep.join([*env.version_locations, extra])
        cfg.set_main_option("version_locations", locations.replace("%", "%%"))
    return cfg


@contextlib.contextmanager
def _materialised(env: Environment, steps: list[Step]) -> Iterator[str]:
    """The orphans' files, from git objects, in a temporary folder beside the project's
    version folders; deleted afterwards."""
    parent = env.script_location or os.path.dirname(env.version_locations[0])
    folder = tempfile.mkdtemp(prefix=".alembic-git-sync-", dir=parent)
    try:
        for step in steps:
            o = step.orphan
            if o is not None and o.path is not None:
                data = o.where.read(o.path)
                assert data is not None  # read by check_downgrades already
                with open(os.path.join(folder, os.path.basename(o.path)), "wb") as out:
                    out.write(data)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _database_env(env: Environment, url: str) -> Iterator[None]:
    """The URL in the variable env.py may read it from, for the run only."""
    var = env.database_url_env or DEFAULT_URL_ENV
    old = os.environ.get(var)
    os.environ[var] = url
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = old


@contextlib.contextmanager
def _cwd(path: str) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
