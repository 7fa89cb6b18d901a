from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.branches import advance_main, branch_with, published_project, state
from support.repo import add_revision, commit_all, git, run_cli


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main (a1 -> a2 -> a3 on origin) and five pushed branches of every kind."""
    repo = published_project(tmp_path)
    branch_with(repo, "stale", "c1c1c1c1c1c1", "a1a1a1a1a1a1")  # forks below main's head
    branch_with(repo, "left", "d1d1d1d1d1d1", "a2a2a2a2a2a2")  # fine alone ...
    branch_with(repo, "right", "e1e1e1e1e1e1", "a2a2a2a2a2a2")  # ... and so is this: together not
    branch_with(repo, "on-left", "d2d2d2d2d2d2", "d1d1d1d1d1d1", start="left")  # stacks on left
    git(repo, "checkout", "-q", "-b", "broken", "main")
    add_revision(repo, "x1x1x1x1x1x1", "nonexistent", "points nowhere")
    commit_all(repo, "broken")
    git(repo, "checkout", "-q", "main")
    for name in ("stale", "left", "right", "on-left", "broken"):
        git(repo, "push", "-q", "origin", name)
    return repo


def test_forecast_reports_every_branch_and_the_colliding_pairs(repo: Path) -> None:
    before = state(repo)
    result = run_cli(repo, "forecast", "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["target"] == "origin/main"
    statuses = {b["ref"]: b["status"] for b in data["branches"]}
    assert statuses == {
        "origin/stale": "conflict",
        "origin/left": "ok",
        "origin/right": "ok",
        "origin/on-left": "ok",
        "origin/broken": "error",
    }
    broken = next(b for b in data["branches"] if b["ref"] == "origin/broken")
    assert "down_revision 'nonexistent'" in broken["error"]
    pairs = {frozenset(p["refs"]): p for p in data["pairs"]}
    left_right = frozenset({"origin/left", "origin/right"})
    assert set(pairs) == {left_right, frozenset({"origin/right", "origin/on-left"})}
    assert pairs[left_right]["attaches_to"] == ["a2a2a2a2a2a2"]
    assert state(repo) == before


def test_forecast_text_is_a_table_with_the_pairs(repo: Path) -> None:
    out = run_cli(repo, "forecast").stdout.splitlines()
    assert out[0] == "target: origin/main (the default branch of remote 'origin')"
    assert any(line.split()[:2] == ["origin/stale", "conflict"] for line in out)
    assert "branches that are fine alone but collide with each other:" in out
    assert any(
        line.startswith("  origin/left + origin/right: both add a head on a2a2a2a2a2a2")
        for line in out
    )


def test_patterns_choose_branches(repo: Path) -> None:
    data = json.loads(run_cli(repo, "forecast", "--format", "json", "origin/l*", "right").stdout)
    assert [b["ref"] for b in data["branches"]] == ["origin/left", "right"]
    assert data["pairs"][0]["refs"] == ["origin/left", "right"]


def test_all_clean_exits_zero(repo: Path) -> None:
    result = run_cli(repo, "forecast", "origin/left", "origin/on-left")
    assert result.returncode == 0, result.stdout
    assert "collide" not in result.stdout


def test_a_branch_that_landed_is_skipped_and_one_merged_later_conflicts(repo: Path) -> None:
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    data = json.loads(run_cli(repo, "forecast", "--format", "json", "origin/left").stdout)
    assert data["branches"][0]["status"] == "conflict"
    heads = data["branches"][0]["heads"]  # objects, as `heads --format json` prints them
    assert sorted(h["revision"] for h in heads) == ["b3b3b3b3b3b3", "d1d1d1d1d1d1"]
    assert {h["environment"] for h in heads} == {"alembic.ini"}


def test_an_unknown_pattern_is_an_error(repo: Path) -> None:
    result = run_cli(repo, "forecast", "nope/*")
    assert result.returncode == 2
    assert "'nope/*' matches no branch" in result.stderr


def test_a_run_with_only_broken_branches_says_error(repo: Path) -> None:
    result = run_cli(repo, "forecast", "--format", "json", "origin/broken", "origin/left")
    assert result.returncode == 2  # an error, as check --against says for each of them
    assert json.loads(result.stdout)["status"] == "error"
