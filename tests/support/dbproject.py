"""Alembic projects whose branches ran migrations on a real database, for the db tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from support.repo import INI, add_revision, alembic_cli, commit_all, git, init_project


def sqlite_tables(db: Path) -> set[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


def sqlite_rows(db: Path, table: str = "alembic_version") -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute(f"SELECT version_num FROM {table}").fetchall()]


def upgrade(project: Path, target: str = "heads") -> None:
    proc = alembic_cli(project, "upgrade", target)
    assert proc.returncode == 0, proc.stderr


def switch_scene(
    tmp_path: Path, url: str | None = None, table: str | None = None, schema: str | None = None
) -> Path:
    """main: a (table base_t); feature: f1 (feature_t) -> f2 (feature2_t), run on the
    database; back on main, which then gains m1 (main_t, add_main_revision).  The
    database is orphaned against main before m1 is committed, diverged after.

    ``url``: the database (default: app.db beside alembic.ini); ``table``/``schema``:
    the version table env.py configures."""
    ini = INI if url is None else INI.replace("sqlite:///%(here)s/app.db", url)
    project = init_project(tmp_path / "proj", ini=ini, commit=False)
    if table is not None:
        set_version_table(project, table, schema)
    (project / ".gitignore").write_text("app.db\n__pycache__/\n", encoding="utf-8")
    add_revision(project, "aaaa0001", None, "create base", table="base_t")
    commit_all(project, "base")
    git(project, "switch", "-q", "-c", "feature")
    add_revision(project, "ffff0001", "aaaa0001", "add feature", table="feature_t")
    add_revision(project, "ffff0002", "ffff0001", "add feature two", table="feature2_t")
    commit_all(project, "feature")
    upgrade(project)
    git(project, "switch", "-q", "main")
    return project


def add_main_revision(project: Path) -> None:
    add_revision(project, "eeee0001", "aaaa0001", "add main table", table="main_t")
    commit_all(project, "main moves on")


def set_version_table(project: Path, table: str, schema: str | None = None) -> None:
    """Both ``context.configure(...)`` calls of env.py name the version table (and schema)."""
    env_py = project / "migrations" / "env.py"
    text = env_py.read_text(encoding="utf-8")
    assert text.count("context.configure(") == 2
    extra = f"version_table={table!r}, " + (f"version_table_schema={schema!r}, " if schema else "")
    env_py.write_text(text.replace("context.configure(", f"context.configure({extra}"), "utf-8")
