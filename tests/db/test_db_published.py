""""Published" includes databases: merge-heads never rebases a revision a listed
database ran; auto merges instead, and --strategy rebase says which database ran what."""

from __future__ import annotations

from pathlib import Path

from support.dbproject import sqlite_rows, upgrade
from support.repo import add_revision, commit_all, git, init_project, run_cli


def _merged_feature(tmp_path: Path) -> tuple[Path, Path]:
    """feature (f1, run on the staging database) merged with main (m1): two heads."""
    project = init_project(tmp_path / "proj", commit=False)
    (project / ".gitignore").write_text("*.db\n", encoding="utf-8")
    add_revision(project, "aaaa0001", None, "base", table="base_t")
    commit_all(project, "base")
    git(project, "switch", "-q", "-c", "feature")
    add_revision(project, "ffff0001", "aaaa0001", "feature", table="feature_t")
    commit_all(project, "feature")
    upgrade(project)
    staging = tmp_path / "staging.db"
    (project / "app.db").rename(staging)
    git(project, "switch", "-q", "main")
    add_revision(project, "eeee0001", "aaaa0001", "main", table="main_t")
    commit_all(project, "main")
    git(project, "switch", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    assert sqlite_rows(staging) == ["ffff0001"]
    return project, staging


def test_without_databases_auto_rebases_the_feature(tmp_path: Path) -> None:
    project, _ = _merged_feature(tmp_path)
    proc = run_cli(project, "merge-heads", "--onto", "main", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "  rebase (auto): ffff0001 is not on main" in proc.stdout


def test_auto_merges_when_a_listed_database_ran_the_revision(tmp_path: Path) -> None:
    project, staging = _merged_feature(tmp_path)
    url = f"sqlite:///{staging}"
    proc = run_cli(project, "merge-heads", "--onto", "main", "--dry-run", "--published-db", url)
    assert proc.returncode == 0, proc.stderr
    assert (
        f"  merge (auto): ffff0001 is already on the database {url}: a published revision "
        "is never rebased" in proc.stdout
    )


def test_rebase_is_refused_naming_the_database_without_its_password(tmp_path: Path) -> None:
    project, staging = _merged_feature(tmp_path)
    (project / "pyproject.toml").write_text(
        '[tool.alembic-git]\npublished-databases = ["$STAGING_DATABASE_URL"]\n', "utf-8"
    )
    env = {"STAGING_DATABASE_URL": f"sqlite:///{staging}"}
    before = staging.read_bytes()
    proc = run_cli(project, "merge-heads", "--onto", "main", "--strategy", "rebase", env=env)
    assert proc.returncode == 2
    assert "ffff0001 is already on the database " \
        f"sqlite:///{staging}: a published revision is never rebased" in proc.stderr
    assert staging.read_bytes() == before
    proc = run_cli(
        project, "merge-heads", "--onto", "main", "--strategy", "rebase",
        "--published-db", "postgresql://deploy:s3cret@127.0.0.1:1/staging", env=env,
    )
    assert proc.returncode == 2
    assert "s3cret" not in proc.stderr
    assert "cannot tell what the published database postgresql://deploy:***@127.0.0.1:1/" \
        "staging ran" in proc.stderr


def test_an_unset_variable_is_an_error(tmp_path: Path) -> None:
    project, _ = _merged_feature(tmp_path)
    proc = run_cli(
        project, "merge-heads", "--onto", "main", "--published-db", "$NOPE_URL",
        env={"NOPE_URL": ""},
    )
    assert proc.returncode == 2
    assert "--published-db '$NOPE_URL' names $NOPE_URL, which is not set" in proc.stderr
