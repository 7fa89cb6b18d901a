"""The version table: its name and schema as the environment configures them, and what
a database has in it, read without writing anything.

The name comes from the ``version_table=`` / ``version_table_schema=`` literals of the
``context.configure(...)`` calls in the environment's ``env.py`` (read with ``ast``;
nothing is imported), or from ``version-table`` / ``version-table-schema`` of a
declared environment; Alembic's default is ``alembic_version`` in the default schema.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from alembic_git.db.url import DatabaseUrl, scrub
from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.source import Source

DEFAULT_TABLE = "alembic_version"
_KEYS = ("version_table", "version_table_schema")


@dataclass(frozen=True)
class VersionTable:
    name: str = DEFAULT_TABLE
    schema: str | None = None
    origin: str = "Alembic's default"

    @property
    def shown(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


class Unreachable(AlembicGitError):
    """The database could not be connected to (down, refused, timed out)."""


def version_table(source: Source, env: Environment) -> VersionTable:
    """The environment's version table, from its declaration or its env.py."""
    if env.version_table or env.version_table_schema:
        return VersionTable(
            env.version_table or DEFAULT_TABLE,
            env.version_table_schema,
            f"the declaration of environment {env.name!r}",
        )
    if env.script_location is None:
        return VersionTable()
    path = f"{env.script_location}/env.py"
    data = source.read(path)
    if data is None:
        return VersionTable()
    return from_env_py(data, source.display(path))


def from_env_py(data: bytes, display: str) -> VersionTable:
    try:
        tree = ast.parse(data, filename=display)
    except SyntaxError as exc:
        raise AlembicGitError(
            f"cannot parse env.py: {exc.msg}", path=display, line=exc.lineno
        ) from None
    found: dict[str, tuple[str | None, int]] = {}
    for call in _configure_calls(tree):
        for kw in call.keywords:
            if kw.arg not in _KEYS:
                continue
            value = _literal(kw.value, kw.arg, display)
            earlier = found.get(kw.arg)
            if earlier is not None and earlier[0] != value:
                raise AlembicGitError(
                    f"{kw.arg} is {earlier[0]!r} at line {earlier[1]} and {value!r} here",
                    path=display,
                    line=kw.value.lineno,
                    hint="declare version-table / version-table-schema in "
                    "[[tool.alembic-git.environments]]",
                )
            found[kw.arg] = (value, kw.value.lineno)
    if not found:
        return VersionTable(origin=f"Alembic's default ({display} sets none)")
    name = found.get("version_table", (None, 0))[0] or DEFAULT_TABLE
    schema = found.get("version_table_schema", (None, 0))[0]
    return VersionTable(name, schema, f"context.configure(...) in {display}")


def _configure_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "configure"
        ):
            yield node


def _literal(node: ast.expr, key: str, display: str) -> str | None:
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
        return node.value
    raise AlembicGitError(
        f"{key}={ast.unparse(node)} cannot be read statically (not a string literal)",
        path=display,
        line=node.lineno,
        hint=f"declare {key.replace('_', '-')} in [[tool.alembic-git.environments]]",
    )


def read_versions(
    db: DatabaseUrl, table: VersionTable, timeout: float | None = None
) -> list[str] | None:
    """The ``version_num`` rows, in table order; None when the table does not exist.

    Read-only: SQLite is opened with ``mode=ro``; PostgreSQL runs in a read-only
    transaction; everywhere only a SELECT is issued, and the transaction rolls back.
    """
    sa = _sqlalchemy()
    engine = _engine(sa, db, timeout)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            if not sa.inspect(conn).has_table(table.name, schema=table.schema):
                return None
            t = sa.table(table.name, sa.column("version_num"), schema=table.schema)
            rows = conn.execute(sa.select(t.c.version_num)).scalars().all()
            conn.rollback()
            return [str(r) for r in rows]
    except sa.exc.OperationalError as exc:
        raise Unreachable(_describe(db, exc)) from None
    except sa.exc.SQLAlchemyError as exc:
        raise AlembicGitError(_describe(db, exc)) from None
    finally:
        engine.dispose()


def _describe(db: DatabaseUrl, exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    first = next((line for line in str(orig).splitlines() if line.strip()), type(orig).__name__)
    return f"cannot read database {db.shown} ({db.origin}): {scrub(first.strip(), db.url)}"


def _sqlalchemy() -> Any:
    try:
        import sqlalchemy
    except ImportError:
        raise AlembicGitError(
            "the db commands need SQLAlchemy", hint="pip install 'alembic-git[db]'"
        ) from None
    return sqlalchemy


def _engine(sa: Any, db: DatabaseUrl, timeout: float | None) -> Any:
    try:
        url = sa.engine.make_url(db.url)
    except sa.exc.ArgumentError:
        raise AlembicGitError(
            f"{db.origin} is not a database URL SQLAlchemy reads: {db.shown}"
        ) from None
    connect_args: dict[str, Any] = {}
    backend = url.get_backend_name()
    if backend == "sqlite":
        url = _sqlite_read_only(url)
    elif timeout is not None and backend in ("postgresql", "mysql", "mariadb"):
        connect_args["connect_timeout"] = max(1, round(timeout))
    try:
        return sa.create_engine(url, connect_args=connect_args, poolclass=sa.pool.NullPool)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise AlembicGitError(
            f"cannot open {db.shown} ({db.origin}): {exc}",
            hint="install the database driver SQLAlchemy names",
        ) from None


def _sqlite_read_only(url: Any) -> Any:
    """``sqlite:///path`` as ``file:path?mode=ro``: a missing file is an error, not a new
    empty database, and nothing can be written."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    return url.set(database=f"file:{database}", query={**url.query, "mode": "ro", "uri": "true"})


def rows_text(rows: Sequence[str]) -> str:
    return ", ".join(rows) if rows else "(none)"
