"""forecast over many branches: colliding pairs are summarised, not listed one by one."""

from __future__ import annotations

import json
from pathlib import Path

from support.repo import add_revision, commit_all, git, init_project, run_cli


def many_branches(root: Path, count: int) -> Path:
    repo = init_project(root / "work")
    add_revision(repo, "a1a1a1a1a1a1", None, "base")
    commit_all(repo, "base")
    for i in range(count):
        git(repo, "checkout", "-q", "-b", f"feature/{i:02d}", "main")
        add_revision(repo, f"b{i:02d}{'0' * 9}", "a1a1a1a1a1a1", f"feature {i}")
        commit_all(repo, f"feature {i}")
    git(repo, "checkout", "-q", "main")
    return repo


def test_thirty_branches_on_one_head_are_one_group_in_text(tmp_path: Path) -> None:
    repo = many_branches(tmp_path, 30)
    result = run_cli(repo, "forecast", "--target", "main")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "  435 colliding pairs in 1 group(s):" in lines
    group = [line for line in lines if "branches each add a head" in line]
    assert len(group) == 1
    assert "alembic.ini, no label: 30 branches each add a head" in group[0]
    assert "(+22 more)" in group[0]
    assert not any(" + " in line for line in lines)  # no pair listed one by one


def test_json_counts_every_pair_and_lists_the_groups(tmp_path: Path) -> None:
    repo = many_branches(tmp_path, 30)
    result = run_cli(repo, "forecast", "--target", "main", "--format", "json")
    data = json.loads(result.stdout)
    assert data["pair_count"] == 435 == len(data["pairs"])
    assert [len(g["refs"]) for g in data["collision_groups"]] == [30]
    assert data["collision_groups"][0]["label"] is None


def test_a_few_pairs_are_still_listed_one_by_one(tmp_path: Path) -> None:
    repo = many_branches(tmp_path, 3)
    result = run_cli(repo, "forecast", "--target", "main")
    assert result.returncode == 1
    assert sum(" + " in line for line in result.stdout.splitlines()) == 3
