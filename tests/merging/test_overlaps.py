"""Overlaps: revisions of both sides that touch the same schema objects; a warning in
check --against (the exit code unchanged), a conflict with --strict-overlaps."""

from __future__ import annotations

import json
from pathlib import Path

from support.repo import commit_all, git, init_project, revision_source, run_cli

ADD = "op.add_column('users', sa.Column('email', sa.String()))"
ALTER = "op.alter_column('users', 'email', nullable=False)"
AGE = "op.add_column('users', sa.Column('age', sa.Integer()))"


def write_revision(
    repo: Path, rev: str, down: str | None, body: str, label: str | None = None
) -> None:
    text = revision_source(rev, down, f"change {rev}", branch_labels=label).replace(
        "def upgrade() -> None:\n    pass", "def upgrade() -> None:\n    " + body
    )
    (repo / "migrations/versions" / f"{rev}_change.py").write_text(text)


def two_sides(tmp_path: Path, ours: str, theirs: str, labelled: bool) -> Path:
    """main: a1, and (labelled) e1 (expand) and k1 (contract) on it. feature/x adds one
    revision, main another: on one parent (a fork), or one per label (no head conflict)."""
    repo = init_project(tmp_path / "work")
    write_revision(repo, "a1a1a1a1a1a1", None, "pass")
    if labelled:
        write_revision(repo, "e1e1e1e1e1e1", "a1a1a1a1a1a1", "pass", label="expand")
        write_revision(repo, "b1b1b1b1b1b1", "a1a1a1a1a1a1", "pass", label="contract")
    commit_all(repo, "base")
    git(repo, "checkout", "-q", "-b", "feature/x")
    write_revision(repo, "f1f1f1f1f1f1", "e1e1e1e1e1e1" if labelled else "a1a1a1a1a1a1", ours)
    commit_all(repo, "feature")
    git(repo, "checkout", "-q", "main")
    write_revision(repo, "c1c1c1c1c1c1", "b1b1b1b1b1b1" if labelled else "a1a1a1a1a1a1", theirs)
    commit_all(repo, "main")
    git(repo, "checkout", "-q", "feature/x")
    return repo


def test_a_fork_that_touches_one_column_from_both_sides_says_so(tmp_path: Path) -> None:
    repo = two_sides(tmp_path, ADD, ALTER, labelled=False)
    result = run_cli(repo, "check", "--against", "main")
    assert result.returncode == 1  # two heads: the conflict decides
    assert (
        "warning: alembic.ini: both touch users.email: f1f1f1f1f1f1 (this branch) adds it, "
        "c1c1c1c1c1c1 (main) alters it; the order they run in matters"
    ) in result.stdout.splitlines()
    data = json.loads(run_cli(repo, "check", "--against", "main", "--format", "json").stdout)
    assert data["overlaps"] == [
        {"objects": ["users.email"], "revisions": ["f1f1f1f1f1f1", "c1c1c1c1c1c1"]}
    ]


def test_one_head_per_label_with_an_overlap_warns_and_strict_fails(tmp_path: Path) -> None:
    repo = two_sides(tmp_path, ADD, ALTER, labelled=True)
    result = run_cli(repo, "check", "--against", "main")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[1].startswith("ok: alembic.ini: merging feature/x")
    assert "warning: alembic.ini: both touch users.email" in result.stdout
    strict = run_cli(repo, "check", "--against", "main", "--strict-overlaps")
    assert strict.returncode == 1
    assert "conflict: alembic.ini: both touch users.email" in strict.stdout


def test_different_columns_of_one_table_do_not_overlap(tmp_path: Path) -> None:
    repo = two_sides(tmp_path, ADD, AGE, labelled=True)
    result = run_cli(repo, "check", "--against", "main", "--strict-overlaps", "--format", "json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["overlaps"] == []


def test_a_dropped_table_overlaps_with_a_column_of_it(tmp_path: Path) -> None:
    repo = two_sides(tmp_path, ADD, "op.drop_table('users')", labelled=True)
    result = run_cli(repo, "check", "--against", "main")
    assert "both touch users: f1f1f1f1f1f1 (this branch) adds it" not in result.stdout
    assert "both touch users: " in result.stdout and "c1c1c1c1c1c1 (main) drops it" in result.stdout


def test_a_revision_that_cannot_be_read_is_said_not_ignored(tmp_path: Path) -> None:
    repo = two_sides(tmp_path, ADD, "op.execute('UPDATE users SET email = NULL')", labelled=True)
    result = run_cli(repo, "check", "--against", "main")
    assert result.returncode == 0
    assert "note: alembic.ini: cannot tell what c1c1c1c1c1c1 touches (op.execute at line" in (
        result.stdout
    )


def test_strict_overlaps_needs_against(tmp_path: Path) -> None:
    repo = two_sides(tmp_path, ADD, ALTER, labelled=True)
    result = run_cli(repo, "check", "--strict-overlaps")
    assert result.returncode == 2
    assert "--strict-overlaps goes with --against" in result.stderr


def test_forecast_names_two_branches_that_touch_one_column(tmp_path: Path) -> None:
    repo = two_sides(tmp_path, ADD, ALTER, labelled=True)
    git(repo, "checkout", "-q", "-b", "feature/y", "main~1")
    write_revision(repo, "d1d1d1d1d1d1", "b1b1b1b1b1b1", "op.drop_table('users')")
    commit_all(repo, "feature/y drops users")
    git(repo, "checkout", "-q", "-b", "feature/z", "main~1")
    write_revision(repo, "a9a9a9a9a9a9", "b1b1b1b1b1b1", AGE.replace("users", "posts"))
    commit_all(repo, "feature/z: another table")
    git(repo, "checkout", "-q", "main")
    git(repo, "reset", "-q", "--hard", "HEAD~1")  # main without c1: the three branches only
    result = run_cli(repo, "forecast", "--target", "main", "--format", "json")
    data = json.loads(result.stdout)
    found = {tuple(o["refs"]): o["objects"] for o in data["overlaps"]}
    assert found == {("feature/x", "feature/y"): ["users"]}
    text = run_cli(repo, "forecast", "--target", "main")
    assert "  feature/x + feature/y: both touch users (f1f1f1f1f1f1, d1d1d1d1d1d1)" in text.stdout
