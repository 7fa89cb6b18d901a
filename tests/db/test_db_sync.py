"""``alembic-git db sync`` end to end on SQLite: the orphans' own downgrade() from the
branch that has them, then this branch's upgrade; tables really dropped and created."""

from __future__ import annotations

import json
from pathlib import Path

from support.dbproject import (
    add_main_revision,
    sqlite_rows,
    sqlite_tables,
    switch_scene,
)
from support.repo import add_revision, commit_all, git, run_cli

_ENV = {"DATABASE_URL": ""}


def test_sync_downgrades_the_orphans_and_upgrades_this_branch(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    add_main_revision(project)
    db = project / "app.db"
    assert {"feature_t", "feature2_t"} <= sqlite_tables(db)
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        f"database sqlite:///{db} (sqlalchemy.url in alembic.ini): diverged",
        "  plan (runs the project's migration code, as alembic upgrade does):",
        "    1. downgrade ffff0002  add feature two  (its file from feature)",
        "    2. downgrade ffff0001  add feature  (its file from feature)",
        "    3. upgrade to this branch's heads: eeee0001",
        f"database sqlite:///{db} (sqlalchemy.url in alembic.ini): up-to-date",
    ]
    tables = sqlite_tables(db)
    assert "feature_t" not in tables and "feature2_t" not in tables
    assert {"base_t", "main_t"} <= tables
    assert sqlite_rows(db) == ["eeee0001"]
    status = run_cli(project, "db", "status", "--format", "json", env=_ENV)
    assert (status.returncode, json.loads(status.stdout)["status"]) == (0, "up-to-date")
    # nothing of the other branch was left in the project
    assert git(project, "status", "--porcelain") == ""
    assert [p.name for p in (project / "migrations").iterdir() if p.name.startswith(".")] == []


def test_sync_back_on_the_feature_branch_recreates_its_tables(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    db = project / "app.db"
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sqlite_tables(db) >= {"base_t"} and "feature_t" not in sqlite_tables(db)
    git(project, "switch", "-q", "feature")
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {"feature_t", "feature2_t"} <= sqlite_tables(db)
    assert sqlite_rows(db) == ["ffff0002"]


def test_dry_run_and_a_refused_prompt_change_nothing(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    db = project / "app.db"
    before = db.read_bytes()
    proc = run_cli(project, "db", "sync", "--dry-run", env=_ENV)
    assert proc.returncode == 1, proc.stderr
    assert "    1. downgrade ffff0002  add feature two  (its file from feature)" in proc.stdout
    proc = run_cli(project, "db", "sync", input="n\n", env=_ENV)
    assert proc.returncode == 2
    assert "aborted" in proc.stderr
    assert db.read_bytes() == before


def test_up_to_date_has_nothing_to_do(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    git(project, "switch", "-q", "feature")
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert (proc.returncode, proc.stdout.splitlines()[-1]) == (0, "  nothing to do")


def test_a_missing_downgrade_is_refused_before_anything_runs(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    git(project, "switch", "-q", "feature")
    path = next((project / "migrations" / "versions").glob("ffff0002_*.py"))
    text = path.read_text("utf-8")
    path.write_text(text[: text.index("def downgrade")], "utf-8")
    commit_all(project, "no downgrade")
    git(project, "switch", "-q", "main")
    before = (project / "app.db").read_bytes()
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert proc.returncode == 2
    assert "revision ffff0002 has no downgrade() in feature, so it cannot be undone; " \
        "nothing was run" in proc.stderr
    assert (project / "app.db").read_bytes() == before


def test_a_failing_downgrade_says_what_ran_and_where_the_database_is(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    git(project, "switch", "-q", "feature")
    path = next((project / "migrations" / "versions").glob("ffff0001_*.py"))
    text = path.read_text("utf-8")
    path.write_text(
        text.replace("op.drop_table('feature_t')", "raise RuntimeError('cannot drop it')"),
        "utf-8",
    )
    commit_all(project, "a downgrade that fails")
    git(project, "switch", "-q", "main")
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == (
        "alembic-git: error: downgrade ffff0001 failed: RuntimeError: cannot drop it; "
        "what ran before: downgrade ffff0002  add feature two  (its file from feature); "
        "the database is now at: ffff0001; "
        "fix the migration, then run alembic-git db sync again"
    )
    assert "feature2_t" not in sqlite_tables(project / "app.db")


def test_a_revision_no_branch_has_cannot_be_synced(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    git(project, "branch", "-D", "feature")
    git(project, "reflog", "expire", "--expire=now", "--all")
    git(project, "gc", "-q", "--prune=now")
    add_revision(project, "eeee0001", "aaaa0001", "main", table="main_t")
    proc = run_cli(project, "db", "status", env=_ENV)
    assert "    ffff0002  (in no branch or recent commit)" in proc.stdout
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert proc.returncode == 2
    assert "the database ran ffff0002, which no branch, remote ref or recent commit has" \
        in proc.stderr


def test_a_merge_revision_is_unmerged_and_files_come_from_the_branch_that_ran_them(
    tmp_path: Path,
) -> None:
    """Like the demo: 'merged' joined feature's x and main's e by merge revision M and ran
    it; feature's own x was rebased onto e since.  Back on main, x must be downgraded with
    the file the database ran (from 'merged'), M unmerged, main's e kept."""
    from support.dbproject import upgrade
    from support.repo import init_project

    project = init_project(tmp_path / "proj", commit=False)
    (project / ".gitignore").write_text("app.db\n__pycache__/\n", encoding="utf-8")
    add_revision(project, "aaaa0001", None, "base", table="base_t")
    commit_all(project, "base")
    git(project, "switch", "-q", "-c", "feature")
    add_revision(project, "0bbb0001", "aaaa0001", "x", table="x_t")
    commit_all(project, "x")
    git(project, "switch", "-q", "main")
    add_revision(project, "eeee0001", "aaaa0001", "e", table="e_t")
    commit_all(project, "e")
    git(project, "switch", "-q", "-c", "merged")
    git(project, "merge", "-q", "--no-edit", "feature")
    add_revision(project, "cccc0001", ("eeee0001", "0bbb0001"), "join")
    commit_all(project, "join")
    upgrade(project)
    git(project, "switch", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    add_revision(project, "0bbb0001", "eeee0001", "x")  # rebased: same id, new parent
    commit_all(project, "rebase x")
    git(project, "switch", "-q", "main")
    db = project / "app.db"
    status = run_cli(project, "db", "status", env=_ENV)
    assert "    0bbb0001  x  (in feature, merged)" in status.stdout
    assert "     or:" not in status.stdout  # one plain downgrade cannot do it
    proc = run_cli(project, "db", "sync", "--yes", env=_ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "    1. downgrade cccc0001  join  (its file from merged)" in proc.stdout
    assert "    2. downgrade 0bbb0001  x  (its file from merged)" in proc.stdout
    assert sqlite_rows(db) == ["eeee0001"]
    assert "x_t" not in sqlite_tables(db) and "e_t" in sqlite_tables(db)
