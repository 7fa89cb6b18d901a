"""``alembic-git db status`` on a real PostgreSQL server, with its own version table and
schema; the read-only promise checked with a user that may only SELECT."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from support.dbproject import add_main_revision, switch_scene
from support.postgres import PgServer, pg_fixture  # noqa: F401
from support.repo import run_cli


def _database(server: PgServer) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:10]}"
    url = server.create_database(name)
    server.execute("CREATE SCHEMA meta", name)
    return name, url


def _status(project: Path, *args: str) -> object:
    return run_cli(project, "db", "status", *args, env={"DATABASE_URL": ""})


def test_orphaned_then_diverged_with_own_table_and_schema(
    tmp_path: Path, pg: PgServer
) -> None:
    name, url = _database(pg)
    project = switch_scene(tmp_path, url, table="my_versions", schema="meta")
    rows = pg.execute("SELECT version_num FROM meta.my_versions", name)
    assert rows == [("ffff0002",)]
    proc = _status(project, "--format", "json")
    assert proc.returncode == 1, proc.stderr  # type: ignore[attr-defined]
    data = json.loads(proc.stdout)  # type: ignore[attr-defined]
    assert data["status"] == "orphaned"
    assert [(o["revision"], o["found_in"]) for o in data["orphans"]] == [
        ("ffff0002", ["feature"]),
        ("ffff0001", ["feature"]),
    ]
    add_main_revision(project)
    proc = _status(project)
    text = proc.stdout.splitlines()  # type: ignore[attr-defined]
    assert text[0] == (
        f"database postgresql+psycopg://postgres@127.0.0.1:{pg.port}/{name} "
        "(sqlalchemy.url in alembic.ini, table meta.my_versions): diverged"
    )
    assert "  pending, in upgrade order: eeee0001" in text


def test_a_select_only_user_reads_it_and_the_table_is_unchanged_byte_for_byte(
    tmp_path: Path, pg: PgServer
) -> None:
    name, url = _database(pg)
    project = switch_scene(tmp_path, url, table="my_versions", schema="meta")
    reader = f"reader_{name}"
    pg.execute(f"CREATE ROLE {reader} LOGIN PASSWORD 'pw-{name}'")
    pg.execute(f"GRANT USAGE ON SCHEMA meta TO {reader}", name)
    pg.execute(f"GRANT SELECT ON meta.my_versions TO {reader}", name)
    pg.execute("VACUUM FREEZE meta.my_versions", name)
    pg.execute("CHECKPOINT", name)
    (relpath,) = pg.execute("SELECT pg_relation_filepath('meta.my_versions')", name)[0]
    heap = pg.socket_dir / "data" / relpath
    rows_sql = "SELECT xmin::text, ctid::text, * FROM meta.my_versions"
    before = (heap.read_bytes(), pg.execute(rows_sql, name))
    reader_url = pg.url(name, user=f"{reader}:pw-{name}")
    proc = _status(project, "--url", reader_url)
    assert proc.returncode == 1, proc.stderr  # type: ignore[attr-defined]
    assert f"pw-{name}" not in proc.stdout + proc.stderr  # type: ignore[attr-defined]
    assert proc.stdout.startswith(  # type: ignore[attr-defined]
        f"database postgresql+psycopg://{reader}:***@127.0.0.1:{pg.port}/{name} (--url, "
    )
    pg.execute("CHECKPOINT", name)
    after = (heap.read_bytes(), pg.execute(rows_sql, name))
    assert after == before


def test_no_version_table_is_empty_and_nothing_is_created(
    tmp_path: Path, pg: PgServer
) -> None:
    _, ran_on = _database(pg)
    project = switch_scene(tmp_path, ran_on, table="my_versions", schema="meta")
    name, url = _database(pg)  # a new database: no version table
    proc = _status(project, "--url", url, "--format", "json")
    assert proc.returncode == 1, proc.stderr  # type: ignore[attr-defined]
    assert json.loads(proc.stdout)["status"] == "empty"  # type: ignore[attr-defined]
    tables = pg.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        name,
    )
    assert tables == []


def _tables(pg: PgServer, name: str) -> set[str]:
    rows = pg.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('public', 'meta')",
        name,
    )
    return {r[0] for r in rows}


def test_sync_drops_the_orphans_tables_and_upgrades_then_behind_after_a_new_revision(
    tmp_path: Path, pg: PgServer
) -> None:
    from support.repo import add_revision

    name, url = _database(pg)
    project = switch_scene(tmp_path, url, table="my_versions", schema="meta")
    add_main_revision(project)
    assert {"public.feature_t", "public.feature2_t"} <= _tables(pg, name)
    proc = run_cli(project, "db", "sync", "--yes", env={"DATABASE_URL": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tables = _tables(pg, name)
    assert "public.feature_t" not in tables and "public.feature2_t" not in tables
    assert {"public.base_t", "public.main_t", "meta.my_versions"} <= tables
    assert pg.execute("SELECT version_num FROM meta.my_versions", name) == [("eeee0001",)]
    assert _status(project).returncode == 0  # type: ignore[attr-defined]
    add_revision(project, "eeee0002", "eeee0001", "more", table="more_t")
    proc = _status(project, "--format", "json")
    assert proc.returncode == 1  # type: ignore[attr-defined]
    data = json.loads(proc.stdout)  # type: ignore[attr-defined]
    assert (data["status"], data["pending"]) == ("behind", ["eeee0002"])


def test_the_post_checkout_hook_warns_about_a_postgresql_database(
    tmp_path: Path, pg: PgServer
) -> None:
    import os
    import subprocess

    from support.repo import git

    name, url = _database(pg)
    project = switch_scene(tmp_path, url, table="my_versions", schema="meta")
    assert run_cli(project, "hook", "install", "--hook-type", "post-checkout").returncode == 0
    git(project, "switch", "-q", "feature")
    proc = subprocess.run(
        ["git", "switch", "main"], cwd=project, capture_output=True, text=True,
        env=dict(os.environ, DATABASE_URL=""), check=False,
    )
    assert proc.returncode == 0
    assert (
        f"alembic-git (post-checkout): your database postgresql+psycopg://postgres@127.0.0.1:"
        f"{pg.port}/{name} is orphaned" in proc.stderr
    ), proc.stderr
    assert "    ffff0002  add feature two  (in feature)" in proc.stderr
    assert pg.execute("SELECT version_num FROM meta.my_versions", name) == [("ffff0002",)]
