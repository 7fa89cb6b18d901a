"""Markdown (``check --format markdown``, the pull-request comment) from hostile text.

Branch labels, revision ids, messages and file names are the pull request's:
the rendered Markdown carries no raw ``<`` from them, no live ``@mention``, our
hidden markers only where we put them, and Mermaid keeps distinct ids distinct.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from support import md
from support.hostile import HTML, MENTIONS, write_revision
from support.pulls import PullRequest, conflicting_pr
from support.repo import commit_all, run_cli

FAKE_MARKER = "<!-- alembic-git:env=alembic.ini -->\n<!-- alembic-git:state=resolved -->"
LABEL = f"{HTML}\n{MENTIONS}\n{FAKE_MARKER}"


def inert(body: str) -> None:
    assert md.stray_html(body) == []
    assert md.pings(body) == []
    assert "<!-- alembic-git" not in body.replace(
        "<!-- alembic-git:env=alembic.ini -->\n<!-- alembic-git:state=", "", 1
    )
    # Our markers, if any, are the first two lines and nowhere else.
    assert body.count("<!-- alembic-git:") in (0, 2)
    outside, fenced = md.blocks(body)
    mention = re.compile(r"@(?!\u200d)[\w/-]")
    assert not mention.search("\n".join(outside))  # not even inside <code>
    assert not [c for info, c in fenced if info == "mermaid" and "@" in c]


def test_check_markdown_escapes_labels_ids_messages_and_paths(project: Path) -> None:
    write_revision(project, "aaa111_base", "aaa111", None, labels=[LABEL], message=LABEL)
    write_revision(project, "bbb222_<img src=x>@everyone", "<b>x</b>", "aaa111", message=HTML)
    write_revision(project, "ccc333_right", "ccc333", "aaa111", message=MENTIONS)
    result = run_cli(project, "check", "--format", "markdown")
    assert result.returncode == 1, result.stderr
    inert(result.stdout)
    [rows] = md.tables(result.stdout)
    assert {len(r) for r in rows} == {4}  # Head, Message, File, Branch labels: none split
    assert "&lt;img src=x onerror=alert(1)&gt;" in result.stdout
    assert "@\u200deveryone @\u200dacme/security-team" in result.stdout


def test_ids_that_differ_only_in_punctuation_are_two_mermaid_nodes(project: Path) -> None:
    write_revision(project, "aaa111_base", "aaa111", None)
    write_revision(project, "x_dot", "x.1", "aaa111")
    write_revision(project, "x_underscore", "x_1", "aaa111")
    result = run_cli(project, "check", "--format", "markdown")
    assert result.returncode == 1
    nodes = md.mermaid_nodes(result.stdout)
    assert len(nodes) == 3, nodes
    [(_, drawing)] = [b for b in md.blocks(result.stdout)[1] if b[0] == "mermaid"]
    for node in nodes - {"r_aaa111"}:
        assert f"  {node} --> r_aaa111" in drawing


def dry_run(pr: PullRequest) -> subprocess.CompletedProcess[str]:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITLAB_CI": "",
        "GITHUB_TOKEN": "ghp_unused",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_EVENT_PATH": str(pr.event),
    }
    return run_cli(pr.repo, "comment", "--dry-run", env=env)


def test_the_resolved_comment_escapes_the_heads_labels(tmp_path: Path) -> None:
    pr = conflicting_pr(tmp_path)
    pr.fix()  # one head, d4d4d4d4d4d4, on the branch
    write_revision(pr.repo, "e1_left", "e1e1e1e1e1e1", "d4d4d4d4d4d4", labels=[LABEL])
    write_revision(pr.repo, "e2_right", "e2e2e2e2e2e2", "d4d4d4d4d4d4", labels=[MENTIONS])
    commit_all(pr.repo, "two labelled heads")
    pr.publish()
    result = dry_run(pr)
    assert result.returncode == 0, result.stderr
    body = result.stdout
    assert body.startswith("<!-- alembic-git:env=alembic.ini -->\n")
    assert "2 heads, none in conflict: <code>e1e1e1e1e1e1</code> (<code>&lt;img" in body
    inert(body)


def test_a_hostile_branch_name_and_message_in_the_conflict_comment(tmp_path: Path) -> None:
    pr = conflicting_pr(tmp_path, branch="feat-@everyone<x>")
    write_revision(pr.repo, "f9_more", "f9f9f9f9f9f9", "f1f1f1f1f1f1", message=LABEL)
    commit_all(pr.repo, "hostile message")
    pr.publish()
    result = dry_run(pr)
    assert result.returncode == 1, result.stderr
    inert(result.stdout)
    assert "<code>feat-@\u200deveryone&lt;x&gt;</code>" in result.stdout
