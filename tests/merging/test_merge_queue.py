"""check --against in a merge queue (GitHub merge_group) or merge train (GitLab): the
checked-out commit is already the merged result, and its own graph decides."""

from __future__ import annotations

import json
from pathlib import Path

from support.queue import github_event, queue_repo
from support.repo import git, run_cli


def test_a_queue_of_two_colliding_requests_fails_naming_both(tmp_path: Path) -> None:
    repo, base = queue_repo(tmp_path, (12, 13))
    result = run_cli(repo, "check", "--against", env=github_event(repo, base))
    assert result.returncode == 1, result.stderr
    assert "merge queue (merge_group on refs/heads/main)" in result.stdout
    assert "12cccccccccc came in with #12" in result.stdout
    assert "13cccccccccc came in with #13" in result.stdout


def test_a_clean_queue_commit_passes_and_says_what_it_adds(tmp_path: Path) -> None:
    repo, base = queue_repo(tmp_path, (12,))
    result = run_cli(repo, "check", "--against", "--format", "json", env=github_event(repo, base))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "ok" and data["event"] == "merge_group"
    assert data["environments"][0]["added"] == ["12cccccccccc"]


def test_a_shallow_queue_checkout_is_judged_by_its_own_graph(tmp_path: Path) -> None:
    repo, base = queue_repo(tmp_path, (12, 13))
    shallow = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "gh-readonly-queue/main/pr-queue",
        f"file://{repo}", str(shallow))
    result = run_cli(shallow, "check", "--against", env=github_event(shallow, base))
    assert result.returncode == 1, result.stderr
    assert "not in this shallow checkout" in result.stdout
    assert "12cccccccccc" in result.stdout and "13cccccccccc" in result.stdout


def test_a_gitlab_merge_train_names_the_merge_requests(tmp_path: Path) -> None:
    repo, base = queue_repo(tmp_path, (7, 8), gitlab=True)
    env = {
        "CI_MERGE_REQUEST_EVENT_TYPE": "merge_train",
        "CI_COMMIT_SHA": git(repo, "rev-parse", "HEAD"),
        "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": base,
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
    }
    result = run_cli(repo, "check", "--against", env=env)
    assert result.returncode == 1, result.stderr
    assert "merge_train on main" in result.stdout
    assert "came in with !7" in result.stdout and "came in with !8" in result.stdout


def test_a_hostile_payload_sha_is_not_used(tmp_path: Path) -> None:
    repo, base = queue_repo(tmp_path, (12,))
    event = github_event(repo, base, head="--output=/tmp/pwned")
    result = run_cli(repo, "check", "--against", env=event)
    assert result.returncode == 0, result.stderr  # the checked-out commit is checked
    assert not Path("/tmp/pwned").exists()


def test_outside_a_queue_check_against_still_compares_with_the_target(tmp_path: Path) -> None:
    repo, _ = queue_repo(tmp_path, (12, 13))
    result = run_cli(repo, "check", "--against", "main")
    assert result.returncode == 1
    assert "merge queue" not in result.stdout
