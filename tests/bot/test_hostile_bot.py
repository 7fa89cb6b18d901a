"""The bot against a hostile or broken API: redirects away from it, servers that trickle.

A pull request's job talks to the forge with a token.  The token must reach no
host but the configured API (redirects elsewhere are refused, in one line), and a
server that answers one byte at a time cannot hold the job past its deadlines.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fakeforge import FakeForge
from support.pulls import NUMBER, PullRequest, conflicting_pr
from support.repo import run_cli

REPO = "acme/shop"
GH_TOKEN = "ghp_S3cretT0kenNeverPrinted0123456789"
GL_TOKEN = "glpat-S3cretT0kenNeverPrinted0123"
COMMENTS = rf"/github/repos/{REPO}/issues/{NUMBER}/comments\?per_page=100"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge() as f:
        f.add_github_user(GH_TOKEN, "alembic-bot")
        f.add_gitlab_project("group/shop", 42)
        f.add_gitlab_user(GL_TOKEN, "project_42_bot")
        yield f


@pytest.fixture
def elsewhere() -> Iterator[FakeForge]:
    """A second server that would accept the token: it records whether it got it."""
    with FakeForge() as f:
        f.add_github_user(GH_TOKEN, "alembic-bot")
        f.add_gitlab_project("group/shop", 42)
        f.add_gitlab_user(GL_TOKEN, "project_42_bot")
        yield f


@pytest.fixture
def pr(tmp_path: Path) -> PullRequest:
    return conflicting_pr(tmp_path)


def github(pr: PullRequest, forge: FakeForge, **env: str) -> subprocess.CompletedProcess[str]:
    variables = {
        "GITHUB_ACTIONS": "true",
        "GITLAB_CI": "",
        "GITHUB_TOKEN": GH_TOKEN,
        "GITLAB_TOKEN": "",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": str(pr.event),
        "GITHUB_API_URL": forge.github_url,
        "GITHUB_STEP_SUMMARY": str(pr.summary),
        "ALEMBIC_GIT_BOT_LOGIN": "",
        **env,
    }
    result = run_cli(pr.repo, "comment", env=variables)
    assert "Traceback" not in result.stderr, result.stderr
    assert GH_TOKEN not in result.stdout + result.stderr
    return result


def gitlab(pr: PullRequest, forge: FakeForge) -> subprocess.CompletedProcess[str]:
    variables = {
        "GITLAB_CI": "true",
        "GITHUB_ACTIONS": "",
        "GITHUB_TOKEN": "",
        "GITLAB_TOKEN": GL_TOKEN,
        "CI_API_V4_URL": forge.gitlab_url,
        "CI_PROJECT_ID": "42",
        "CI_PROJECT_PATH": "group/shop",
        "ALEMBIC_GIT_BOT_LOGIN": "",
        **pr.gitlab_env(),
    }
    result = run_cli(pr.repo, "comment", env=variables)
    assert "Traceback" not in result.stderr, result.stderr
    assert GL_TOKEN not in result.stdout + result.stderr
    return result


def credentials(server: FakeForge) -> list[str]:
    """The credential headers ``server`` received, whatever their name's case."""
    got = []
    for request in server.requests:
        got += [
            v for k, v in request.headers.items() if k.lower() in ("authorization", "private-token")
        ]
    return got


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_port_gets_no_token(
    pr: PullRequest, forge: FakeForge, elsewhere: FakeForge, status: int
) -> None:
    moved = f"{elsewhere.github_url}/repos/{REPO}/issues/{NUMBER}/comments?per_page=100"
    forge.redirect(COMMENTS, status, moved)
    result = github(pr, forge)
    assert result.returncode == 2
    assert credentials(elsewhere) == [] and elsewhere.requests == []
    assert result.stderr.count("\n") == 1
    assert (
        f"answered {status}, a redirect to {elsewhere.url}; refusing to follow it: "
        f"the token goes only to {forge.url}"
    ) in result.stderr
    assert forge.github_comments(REPO, NUMBER) == []


def test_a_gitlab_redirect_to_another_host_gets_no_private_token(
    pr: PullRequest, forge: FakeForge, elsewhere: FakeForge
) -> None:
    notes = "/gitlab/api/v4/projects/42/merge_requests/7/notes"
    forge.redirect(
        rf"{notes}\?.*", 302, f"{elsewhere.gitlab_url}/projects/42/merge_requests/7/notes"
    )
    result = gitlab(pr, forge)
    assert result.returncode == 2
    assert credentials(elsewhere) == [] and elsewhere.requests == []
    assert "refusing to follow it" in result.stderr


def test_a_redirect_to_another_host_name_on_the_same_port_is_refused(
    pr: PullRequest, forge: FakeForge
) -> None:
    # localhost may be this very server, but it is not the host the token was given for.
    moved = forge.url.replace("127.0.0.1", "localhost") + f"/github/repos/{REPO}/issues/7/comments"
    forge.redirect(COMMENTS, 307, moved)
    result = github(pr, forge)
    assert result.returncode == 2
    assert "refusing to follow it" in result.stderr
    assert len(credentials(forge)) == 1  # the first request only


def test_a_redirect_within_the_api_is_followed(pr: PullRequest, forge: FakeForge) -> None:
    moved = f"{forge.github_url}/repos/{REPO}/issues/{NUMBER}/comments?per_page=100&page=1"
    forge.redirect(COMMENTS, 301, moved)
    result = github(pr, forge)
    assert result.returncode == 1, result.stderr
    assert len(forge.github_comments(REPO, NUMBER)) == 1
    assert any(r.query_string.endswith("page=1") for r in forge.requests)


def test_a_server_trickling_bytes_is_cut_off_at_the_request_timeout(
    pr: PullRequest, forge: FakeForge
) -> None:
    # One byte every 0.2 s never trips a 1 s socket timeout: only a deadline stops it.
    forge.trickle = 0.2
    start = time.monotonic()
    result = github(pr, forge, ALEMBIC_GIT_HTTP_TIMEOUT="1")
    took = time.monotonic() - start
    assert result.returncode == 2
    assert "no complete answer from 127.0.0.1" in result.stderr
    assert "within 1s (the time allowed for the request)" in result.stderr
    assert took < 4.5, took


def test_a_run_stops_at_its_total_deadline(pr: PullRequest, forge: FakeForge) -> None:
    forge.trickle = 0.2
    start = time.monotonic()
    result = github(pr, forge, ALEMBIC_GIT_HTTP_TIMEOUT="30", ALEMBIC_GIT_HTTP_RUN_TIMEOUT="1.5")
    took = time.monotonic() - start
    assert result.returncode == 2
    assert "within 1.5s (the time allowed for the run)" in result.stderr
    assert took < 5, took


def test_a_bad_timeout_setting_is_one_line(pr: PullRequest, forge: FakeForge) -> None:
    result = github(pr, forge, ALEMBIC_GIT_HTTP_TIMEOUT="soon")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: ALEMBIC_GIT_HTTP_TIMEOUT is 'soon', not a number of seconds above 0\n"
    )
