"""action.yml and docs/ci.md: valid YAML, the documented shape, and the action's script run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.fakeforge import FakeForge
from support.paths import ROOT
from support.pulls import NUMBER, PullRequest, conflicting_pr
from support.queue import github_event, queue_repo

yaml = pytest.importorskip("yaml")

TOKEN = "ghp_ActionT0kenNeverPrinted0123456789"


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return data


def test_the_action_is_a_composite_that_installs_itself() -> None:
    data = action()
    assert set(data["inputs"]) == {
        "config",
        "target",
        "mode",
        "python-version",
        "working-directory",
        "token",
    }
    assert data["runs"]["using"] == "composite"
    setup, install, check = data["runs"]["steps"]
    assert setup["uses"].startswith("actions/setup-python@")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH"' in install["run"]
    # No input is pasted into a script: they arrive as environment variables.
    for step in (install, check):
        assert "${{" not in step["run"]
    assert check["working-directory"] == "${{ inputs.working-directory }}"


def run_action(pr: PullRequest, forge: FakeForge, tmp_path: Path, **inputs: str) -> Any:
    """The action's last step, run by bash as the runner would, against the fake API."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "alembic-git"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m alembic_git "$@"\n')
    shim.chmod(0o755)
    script = action()["runs"]["steps"][2]["run"]
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "GITLAB_CI": "",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_EVENT_PATH": str(pr.event),
        "GITHUB_API_URL": forge.github_url,
        "GITHUB_STEP_SUMMARY": str(pr.summary),
        "GITHUB_BASE_REF": "main",
        "PR_HEAD_SHA": pr.head,
        "INPUT_CONFIG": "",
        "INPUT_TARGET": "",
        "INPUT_MODE": "comment",
        **inputs,
    }
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=pr.repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_action_comments_on_the_pull_request(tmp_path: Path) -> None:
    pr = conflicting_pr(tmp_path)
    with FakeForge() as forge:
        forge.add_github_user(TOKEN, "alembic-bot")
        result = run_action(pr, forge, tmp_path, INPUT_CONFIG="alembic.ini")
        assert result.returncode == 1, result.stderr
        [made] = forge.github_comments("acme/shop", NUMBER)
        assert made["body"].startswith("<!-- alembic-git:env=alembic.ini -->")
        assert TOKEN not in result.stdout + result.stderr


def test_the_action_in_check_mode_only_annotates(tmp_path: Path) -> None:
    pr = conflicting_pr(tmp_path)
    with FakeForge() as forge:
        result = run_action(pr, forge, tmp_path, INPUT_MODE="check")
        assert result.returncode == 1, result.stderr
        assert forge.requests == []
    assert re.search(r"^::error file=migrations/versions/f1f1f1f1f1f1_", result.stdout, re.M)
    assert "merging " in result.stdout and " into origin/main gives 2 heads" in result.stdout


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    pr = conflicting_pr(tmp_path)
    with FakeForge() as forge:
        result = run_action(pr, forge, tmp_path, INPUT_MODE="post")
    assert result.returncode == 2
    assert result.stdout == "::error title=alembic-git::mode must be comment or check\n"


def test_in_a_merge_group_the_action_checks_the_queue_commit_without_commenting(
    tmp_path: Path,
) -> None:
    repo, base = queue_repo(tmp_path, (12, 13))
    pr = conflicting_pr(tmp_path / "unused")  # only for the environment the runner sets
    pr.repo = repo
    event = github_event(repo, base)
    with FakeForge() as forge:
        result = run_action(pr, forge, tmp_path, **event)
        assert forge.requests == []  # the queue shows the failure: no comment
    assert result.returncode == 1, result.stderr
    assert re.search(r"^::error file=migrations/versions/12cccccccccc_", result.stdout, re.M)
    assert "came in with #12" in result.stdout


def yaml_blocks(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S)]


def test_the_documented_workflows_are_valid() -> None:
    workflow, steps, queue, gitlab, train = yaml_blocks(ROOT / "docs" / "ci.md")
    assert workflow[True] == "pull_request"  # YAML 1.1 reads the key `on` as true
    assert workflow["permissions"]["pull-requests"] == "write"
    [job] = workflow["jobs"].values()
    checkout, ours = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0
    assert ours["uses"].endswith("alembic-git@REF")
    assert steps["steps"][-1]["run"] == "alembic-git comment"
    job = gitlab["alembic-heads"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["variables"]["GIT_DEPTH"] == 0
    assert job["script"][-1] == "alembic-git comment"
    assert set(queue[True]) == {"pull_request", "merge_group"}
    assert queue["jobs"]["alembic-heads"]["steps"][-1]["uses"].endswith("alembic-git@REF")
    assert train["alembic-heads-train"]["rules"] == [
        {"if": '$CI_MERGE_REQUEST_EVENT_TYPE == "merge_train"'}
    ]
    assert train["alembic-heads-train"]["script"][-1] == "alembic-git check --against"
