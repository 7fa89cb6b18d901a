"""``alembic-git comment`` on GitHub: real git repositories, a real HTTP fake of the API."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import md
from support.branches import branch_with, published_project
from support.fakeforge import GITHUB_ACTIONS_LOGIN, FakeForge
from support.pulls import NUMBER, PullRequest, conflicting_pr
from support.repo import INI, add_revision, commit_all, git, run_cli

REPO = "acme/shop"
TOKEN = "ghp_S3cretT0kenNeverPrinted0123456789"
MARKER = "<!-- alembic-git:env=alembic.ini -->"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge() as f:
        f.add_github_user(TOKEN, "alembic-bot")
        yield f


def comment(
    pr: PullRequest,
    forge: FakeForge,
    *args: str,
    before: tuple[str, ...] = (),
    token: str = TOKEN,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """``alembic-git [before...] comment [args...]`` as a GitHub Actions job runs it."""
    variables = {
        "GITHUB_ACTIONS": "true",
        "GITLAB_CI": "",
        "GITHUB_TOKEN": token,
        "GITLAB_TOKEN": "",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": str(pr.event),
        "GITHUB_API_URL": forge.github_url,
        "GITHUB_STEP_SUMMARY": str(pr.summary),
        "ALEMBIC_GIT_BOT_LOGIN": "",
        **env,
    }
    result = run_cli(pr.repo, *before, "comment", *args, env=variables)
    assert "Traceback" not in result.stderr, result.stderr
    for secret in {TOKEN, token} - {""}:  # the token this run used, not only the default
        assert secret not in result.stdout + result.stderr
        assert not [r.path for r in forge.requests if r.leaks(secret)]
    return result


def ours(forge: FakeForge) -> list[dict[str, object]]:
    return [c for c in forge.github_comments(REPO, NUMBER) if c["user"]["login"] != "someone"]


def test_first_run_creates_the_comment_later_runs_update_it(
    pr: PullRequest, forge: FakeForge
) -> None:
    first = comment(pr, forge)
    assert first.returncode == 1, first.stderr
    [created] = forge.github_comments(REPO, NUMBER)
    body = created["body"]
    assert body.startswith(MARKER + "\n<!-- alembic-git:state=open -->\n### ❌ ")
    assert created["user"]["login"] == "alembic-bot"
    assert "Merging <code>feature</code> into <code>origin/main</code> gives **2 heads**" in body
    assert md.mermaid_nodes(body) >= {"r_f1f1f1f1f1f1", "r_b3b3b3b3b3b3", "r_a2a2a2a2a2a2"}
    assert ("sh", "git fetch origin main && git merge origin/main && alembic-git merge-heads") in (
        md.blocks(body)[1]
    )
    assert f"created comment {created['html_url']}" in first.stderr
    assert "::stop-commands::" in first.stdout  # report text cannot act as workflow commands
    # The same state again: nothing to write.
    forge.clear_requests()
    assert comment(pr, forge).returncode == 1
    assert [r.method for r in forge.requests] == ["GET", "GET"]
    # A new push on the pull request: the same comment, edited in place.
    pr.push("f2f2f2f2f2f2", "f1f1f1f1f1f1", "add tags")
    assert comment(pr, forge).returncode == 1
    [updated] = forge.github_comments(REPO, NUMBER)
    assert updated["id"] == created["id"]
    assert "f2f2f2f2f2f2" in updated["body"] and pr.head[:10] in updated["body"]


def test_after_the_fix_the_comment_turns_resolved(pr: PullRequest, forge: FakeForge) -> None:
    assert comment(pr, forge).returncode == 1
    [before] = forge.github_comments(REPO, NUMBER)
    pr.fix()
    fixed = comment(pr, forge)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    [after] = forge.github_comments(REPO, NUMBER)
    assert after["id"] == before["id"]
    assert after["body"].startswith(MARKER + "\n<!-- alembic-git:state=resolved -->\n")
    assert "### ✅ Alembic heads resolved · <code>alembic.ini</code>" in after["body"]
    assert (
        "✅ Merging <code>feature</code> into <code>origin/main</code> now keeps one head "
        "(<code>d4d4d4d4d4d4</code>). The multiple heads reported earlier are merged."
    ) in after["body"]
    forge.clear_requests()
    assert comment(pr, forge).returncode == 0
    assert all(r.method == "GET" for r in forge.requests)


def test_a_clean_pull_request_gets_no_comment(tmp_path: Path, forge: FakeForge) -> None:
    repo = published_project(tmp_path)
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    pr = PullRequest(repo, tmp_path / "e.json", tmp_path / "s.md", "feature", base="")
    pr.base = git(repo, "rev-parse", "origin/main")
    pr.publish()
    result = comment(pr, forge)
    assert result.returncode == 0
    assert "alembic.ini: no conflict, no comment" in result.stderr
    assert forge.github_comments(REPO, NUMBER) == []
    assert not [r for r in forge.requests if r.method != "GET"]


def test_another_users_comment_with_our_marker_is_never_edited(
    pr: PullRequest, forge: FakeForge
) -> None:
    forge.add_github_user("ghp_mallory", "mallory")
    decoy = forge.add_github_comment(REPO, NUMBER, f"{MARKER}\nlooks like yours", "mallory")
    assert comment(pr, forge).returncode == 1
    pr.fix()
    assert comment(pr, forge).returncode == 0
    comments = forge.github_comments(REPO, NUMBER)
    assert comments[0] == decoy
    assert [c["user"]["login"] for c in comments] == ["mallory", "alembic-bot"]
    assert "resolved" in comments[1]["body"]
    assert not [r for r in forge.requests if r.path.endswith(f"/comments/{decoy['id']}")]


def test_our_comment_is_found_on_the_second_page(pr: PullRequest, forge: FakeForge) -> None:
    for i in range(150):
        forge.add_github_comment(REPO, NUMBER, f"review remark {i}")
    assert comment(pr, forge).returncode == 1
    pr.push("f2f2f2f2f2f2", "f1f1f1f1f1f1", "add tags")
    forge.clear_requests()
    assert comment(pr, forge).returncode == 1
    [mine] = ours(forge)
    assert "f2f2f2f2f2f2" in str(mine["body"])
    pages = [
        r.query.get("page", ["1"])[0] for r in forge.requests if r.path.endswith("/7/comments")
    ]
    assert pages == ["1", "2"]
    assert [r.method for r in forge.requests if r.method != "GET"] == ["PATCH"]


def test_an_actions_token_comments_as_github_actions(pr: PullRequest, forge: FakeForge) -> None:
    forge.add_github_user("ghs_actions", GITHUB_ACTIONS_LOGIN, actions_bot=True)
    forge.add_github_comment(REPO, NUMBER, f"{MARKER}\nby alembic-bot", "alembic-bot")
    assert comment(pr, forge, token="ghs_actions").returncode == 1
    pr.fix()
    assert comment(pr, forge, token="ghs_actions").returncode == 0
    mine = [
        c for c in forge.github_comments(REPO, NUMBER) if c["user"]["login"] == GITHUB_ACTIONS_LOGIN
    ]
    assert len(mine) == 1 and "resolved" in mine[0]["body"]


def test_a_read_only_token_falls_back_to_the_summary(pr: PullRequest, forge: FakeForge) -> None:
    forge.add_github_user("ghp_fork", "forkuser", permission="read")
    result = comment(pr, forge, token="ghp_fork")
    assert result.returncode == 1
    assert forge.github_comments(REPO, NUMBER) == []
    summary = pr.summary.read_text()
    assert summary.startswith("### ❌ Multiple Alembic heads after the merge")
    assert "```mermaid" in summary
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert errors and all("file=migrations/versions/" in e and ",line=" in e for e in errors)
    warning = next(line for line in result.stdout.splitlines() if line.startswith("::warning"))
    assert "returned 403" in warning and "job summary" in warning


def test_the_token_is_never_printed(pr: PullRequest, forge: FakeForge) -> None:
    bad = comment(pr, forge, token=TOKEN + "x")  # not a known token: 401
    assert bad.returncode == 2
    assert bad.stderr.startswith("alembic-git: error: GitHub API: GET /github/")
    assert bad.stderr.endswith(" returned 401: Bad credentials\n")
    unreachable = comment(pr, forge, GITHUB_API_URL=f"http://127.0.0.1:9/{TOKEN}")
    assert unreachable.returncode == 2
    assert (
        unreachable.stderr.count("\n") == 1
        and "GET /***/repos/acme/shop/issues/7/comments: cannot reach" in unreachable.stderr
    )


def test_dry_run_prints_the_body_and_posts_nothing(pr: PullRequest, forge: FakeForge) -> None:
    result = comment(pr, forge, "--dry-run", GITHUB_TOKEN="")
    assert result.returncode == 1
    assert MARKER in result.stdout and "```mermaid" in result.stdout
    assert forge.requests == []


def test_the_pull_requests_head_is_checked_not_the_merge_checkout(
    pr: PullRequest, forge: FakeForge
) -> None:
    # actions/checkout checks out refs/pull/N/merge: HEAD already contains the base.
    git(pr.repo, "checkout", "-q", "--detach", "origin/main")
    git(pr.repo, "merge", "-q", "--no-edit", pr.head)
    git(pr.repo, "update-ref", "-d", "refs/remotes/origin/main")  # only the event's sha left
    git(pr.repo, "branch", "-D", "main")
    assert comment(pr, forge).returncode == 1
    body = forge.github_comments(REPO, NUMBER)[0]["body"]
    assert f"into <code>{pr.base}</code>" in body
    assert f"git merge {pr.base} && alembic-git merge-heads" in body


def test_a_fork_is_told_to_pull_the_base_from_its_repository(
    pr: PullRequest, forge: FakeForge
) -> None:
    pr.fork = "contributor/shop"
    pr.publish()
    assert comment(pr, forge).returncode == 1
    body = forge.github_comments(REPO, NUMBER)[0]["body"]
    fix = "git pull --no-rebase --no-edit https://github.com/acme/shop.git main"
    assert ("sh", f"{fix} && alembic-git merge-heads") in md.blocks(body)[1]


def test_a_fork_with_a_read_only_token_gets_the_forks_fix_in_the_summary(
    pr: PullRequest, forge: FakeForge
) -> None:
    pr.fork = "contributor/shop"
    pr.publish()
    forge.add_github_user("ghp_fork", "forkuser", permission="read")
    result = comment(pr, forge, token="ghp_fork")
    assert result.returncode == 1
    fix = "git pull --no-rebase --no-edit https://github.com/acme/shop.git main"
    assert f"{fix} && alembic-git merge-heads" in pr.summary.read_text()
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert errors and all(f"fix with: {fix} && alembic-git merge-heads" in e for e in errors)


def test_from_a_subfolder_the_fix_starts_there(tmp_path: Path, forge: FakeForge) -> None:
    pr = conflicting_pr(tmp_path)
    (pr.repo / "api").mkdir()
    git(pr.repo, "mv", "alembic.ini", "migrations", "api")
    commit_all(pr.repo, "move the app into api/")
    pr.publish()
    pr.repo = pr.repo / "api"
    assert comment(pr, forge).returncode == 1
    body = forge.github_comments(REPO, NUMBER)[0]["body"]
    assert "api/migrations/versions/f1f1f1f1f1f1" in body
    cmd = "cd api && git fetch origin main && git merge origin/main && alembic-git merge-heads"
    assert ("sh", cmd) in md.blocks(body)[1]


def test_one_comment_per_environment(pr: PullRequest, forge: FakeForge) -> None:
    billing = pr.repo / "billing"
    (billing / "migrations/versions").mkdir(parents=True)
    (billing / "alembic.ini").write_text(INI)
    add_revision(billing, "b1b1b1b1b1b1", None, "billing base")
    add_revision(billing, "b2b2b2b2b2b2", "b1b1b1b1b1b1", "invoices")
    add_revision(billing, "b9b9b9b9b9b9", "b1b1b1b1b1b1", "refunds")
    commit_all(pr.repo, "billing, with two heads of its own")
    pr.publish()
    assert comment(pr, forge, before=("--all",)).returncode == 1
    bodies = [c["body"] for c in forge.github_comments(REPO, NUMBER)]
    assert [b.splitlines()[0] for b in bodies] == [
        MARKER,
        "<!-- alembic-git:env=billing/alembic.ini -->",
    ]
    pr.fix()
    assert comment(pr, forge, before=("--all",)).returncode == 1
    states = [c["body"].splitlines()[1] for c in forge.github_comments(REPO, NUMBER)]
    assert states == ["<!-- alembic-git:state=resolved -->", "<!-- alembic-git:state=open -->"]
    # The environment goes away: its comment is not left saying "conflict".
    git(pr.repo, "rm", "-q", "-r", "billing")
    commit_all(pr.repo, "drop billing")
    pr.publish()
    assert comment(pr, forge, before=("--all",)).returncode == 0
    comments = forge.github_comments(REPO, NUMBER)
    assert len(comments) == 2
    assert "no longer has this environment" in comments[1]["body"]
    assert comments[1]["body"].splitlines()[1] == "<!-- alembic-git:state=resolved -->"


def test_hostile_branch_names_and_messages_are_inert(tmp_path: Path, forge: FakeForge) -> None:
    pr = conflicting_pr(tmp_path, branch="fix|`x`@everyone")
    pr.push("f2f2f2f2f2f2", "f1f1f1f1f1f1", "@everyone <img src=x onerror=alert(1)> ```` |")
    assert comment(pr, forge).returncode == 1
    body = forge.github_comments(REPO, NUMBER)[0]["body"]
    assert md.stray_html(body) == [] and md.pings(body) == []
    [rows] = md.tables(body)
    assert {len(r) for r in rows} == {5}
    assert [info for info, _ in md.blocks(body)[1]] == ["mermaid", "sh"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GITHUB_ACTIONS": ""}, "cannot tell which forge this job runs on"),
        ({"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set"),
        ({"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set; pass it: env: GITHUB_TOKEN:"),
    ],
)
def test_missing_context_is_one_line(
    pr: PullRequest, forge: FakeForge, env: dict[str, str], message: str
) -> None:
    result = comment(pr, forge, **env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"alembic-git: error: {message}")
    assert result.stderr.count("\n") == 1


def test_a_push_event_or_a_missing_head_is_explained(pr: PullRequest, forge: FakeForge) -> None:
    pr.event.write_text(json.dumps({"ref": "refs/heads/main"}))
    push = comment(pr, forge, GITHUB_EVENT_NAME="push")
    assert push.returncode == 2
    assert (
        "the 'push' event has no pull request; trigger the workflow on: pull_request" in push.stderr
    )
    pr.head = "0" * 39 + "1"
    event = {"pull_request": {"number": 7, "base": {"ref": "main"}, "head": {"sha": pr.head}}}
    pr.event.write_text(json.dumps(event))
    missing = comment(pr, forge)
    assert missing.returncode == 2
    assert "is not in this clone; check out the full history" in missing.stderr


def test_a_huge_report_still_fits_in_one_comment(pr: PullRequest, forge: FakeForge) -> None:
    for i in range(250):
        add_revision(pr.repo, f"e{i:011d}", "f1f1f1f1f1f1", f"split {i} " + "|`<@x>" * 300)
    commit_all(pr.repo, "250 heads")
    pr.publish()
    assert comment(pr, forge).returncode == 1  # the fake API refuses bodies over 65,536
    [made] = forge.github_comments(REPO, NUMBER)
    assert len(made["body"]) < 65_536
    assert "more heads, not shown: the comment is full." in made["body"]
    # The drawing stays small: eight heads (main's among them) and a note for the rest.
    drawn = md.mermaid_nodes(made["body"])
    assert "r_b3b3b3b3b3b3" in drawn and len(drawn) <= 8 + 4
    assert '(["… 243 more heads"])' in made["body"]
    assert md.stray_html(made["body"]) == [] and md.pings(made["body"]) == []
