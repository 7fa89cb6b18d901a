"""``alembic-git comment`` on GitLab: merge request notes, paginated, newest-first by default."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fakeforge import FakeForge
from support.pulls import NUMBER, PullRequest, conflicting_pr
from support.repo import run_cli

PROJECT, PROJECT_ID = "group/shop", 42
TOKEN = "glpat-S3cretT0kenNeverPrinted0123"
MARKER = "<!-- alembic-git:env=alembic.ini -->"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge() as f:
        f.add_gitlab_project(PROJECT, PROJECT_ID)
        f.add_gitlab_user(TOKEN, "project_42_bot")
        f.add_gitlab_user("glpat-reader", "reader", permission="read")
        yield f


def comment(
    pr: PullRequest, forge: FakeForge, *args: str, token: str = TOKEN
) -> subprocess.CompletedProcess[str]:
    env = {
        "GITLAB_CI": "true",
        "GITHUB_ACTIONS": "",
        "GITHUB_TOKEN": "",
        "GITLAB_TOKEN": token,
        "CI_API_V4_URL": forge.gitlab_url,
        "CI_PROJECT_ID": str(PROJECT_ID),
        "CI_PROJECT_PATH": PROJECT,
        "ALEMBIC_GIT_BOT_LOGIN": "",
        **pr.gitlab_env(),
    }
    result = run_cli(pr.repo, "comment", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert not [r.path for r in forge.requests if r.leaks(TOKEN)]
    assert "::stop-commands::" not in result.stdout  # GitHub's syntax only on GitHub
    return result


def notes(forge: FakeForge) -> list[dict[str, object]]:
    return forge.gitlab_notes(PROJECT, NUMBER)


def test_a_note_is_created_updated_and_resolved_past_the_first_page(
    pr: PullRequest, forge: FakeForge
) -> None:
    forge.add_gitlab_note(PROJECT, NUMBER, "opened the merge request", system=True)
    for i in range(130):
        forge.add_gitlab_note(PROJECT, NUMBER, f"review remark {i}", user="reviewer")
    first = comment(pr, forge)
    assert first.returncode == 1, first.stderr
    created = notes(forge)[-1]
    assert created["author"]["username"] == "project_42_bot"  # type: ignore[index]
    assert str(created["body"]).startswith(MARKER + "\n<!-- alembic-git:state=open -->\n### ❌")
    # Oldest first is asked for, every page is read: our note is on the second.
    pr.push("f2f2f2f2f2f2", "f1f1f1f1f1f1", "add tags")
    forge.clear_requests()
    assert comment(pr, forge).returncode == 1
    lists = [r for r in forge.requests if r.method == "GET" and r.path.endswith("/notes")]
    assert [r.query.get("page", ["1"])[0] for r in lists] == ["1", "2"]
    assert all(r.query["sort"] == ["asc"] and r.query["per_page"] == ["100"] for r in lists)
    assert [r.method for r in forge.requests if r.method != "GET"] == ["PUT"]
    assert len(notes(forge)) == 132
    assert "f2f2f2f2f2f2" in str(notes(forge)[-1]["body"])
    # The fix: the same note, resolved.
    pr.fix()
    assert comment(pr, forge).returncode == 0
    last = notes(forge)[-1]
    assert last["id"] == created["id"]
    assert "### ✅ Alembic heads resolved" in str(last["body"])
    assert all(r.header("PRIVATE-TOKEN") == TOKEN for r in forge.requests)


def test_another_users_note_with_our_marker_is_never_edited(
    pr: PullRequest, forge: FakeForge
) -> None:
    forge.add_gitlab_user("glpat-mallory", "mallory")
    decoy = forge.add_gitlab_note(PROJECT, NUMBER, f"{MARKER}\nnot yours", user="mallory")
    assert comment(pr, forge).returncode == 1
    assert comment(pr, forge).returncode == 1
    assert notes(forge)[0] == decoy
    assert [n["author"]["username"] for n in notes(forge)] == ["mallory", "project_42_bot"]  # type: ignore[index]
    assert not [r for r in forge.requests if r.method == "PUT"]


def test_a_clean_merge_request_gets_no_note(tmp_path: Path, forge: FakeForge) -> None:
    pr = conflicting_pr(tmp_path)
    pr.fix()
    result = comment(pr, forge)
    assert result.returncode == 0
    assert notes(forge) == []


def test_a_read_only_token_reports_in_the_job_log(pr: PullRequest, forge: FakeForge) -> None:
    result = comment(pr, forge, token="glpat-reader")
    assert result.returncode == 1
    assert notes(forge) == []
    assert "conflict: alembic.ini: merging feature into origin/main gives 2 heads" in result.stdout
    assert "alembic-git: cannot comment (GitLab API: POST" in result.stderr
    assert "returned 403" in result.stderr


def test_dry_run_needs_no_token(pr: PullRequest, forge: FakeForge) -> None:
    result = comment(pr, forge, "--dry-run", token="")
    assert result.returncode == 1
    assert result.stdout.count(MARKER) == 1
    assert forge.requests == []


def test_without_a_merge_request_it_says_how_to_run(pr: PullRequest, forge: FakeForge) -> None:
    env = {"GITLAB_CI": "true", "GITHUB_ACTIONS": "", "CI_MERGE_REQUEST_IID": ""}
    result = run_cli(pr.repo, "comment", env=env)
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: CI_MERGE_REQUEST_IID is not set; run it in a merge request "
        'pipeline (rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event")\n'
    )
