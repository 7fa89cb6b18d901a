"""A pull request in a real repository: a published main, a branch, and what CI is told.

``publish()`` writes what GitHub puts in GITHUB_EVENT_PATH; ``gitlab_env()``
gives the variables a GitLab merge request pipeline sets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from support.branches import advance_main, branch_with, published_project
from support.repo import add_revision, commit_all, git, run_cli
from support.templates import copy_of

NUMBER = 7


@dataclass
class PullRequest:
    repo: Path
    event: Path
    summary: Path
    branch: str
    head: str = ""
    base: str = ""
    fork: str = ""  # the head repository, when it is not the base's

    def publish(self) -> None:
        """What GitHub writes to GITHUB_EVENT_PATH for this pull request now."""
        self.head = git(self.repo, "rev-parse", self.branch)
        base_repo = {"full_name": "acme/shop", "clone_url": "https://github.com/acme/shop.git"}
        head_repo = {"full_name": self.fork or "acme/shop"}
        pr = {
            "number": NUMBER,
            "base": {"ref": "main", "sha": self.base, "repo": base_repo},
            "head": {"ref": self.branch, "sha": self.head, "repo": head_repo},
        }
        self.event.write_text(json.dumps({"action": "synchronize", "pull_request": pr}))

    def push(self, rev: str, down: str | tuple[str, ...], message: str) -> None:
        add_revision(self.repo, rev, down, message)
        commit_all(self.repo, message)
        self.publish()

    def fix(self) -> None:
        """What the comment tells the author to do: merge the base, merge the heads."""
        git(self.repo, "merge", "-q", "--no-edit", "origin/main")
        heads = run_cli(self.repo, "heads").stdout.split()
        revs = tuple(h for h in heads if not h.startswith("("))
        self.push("d4d4d4d4d4d4", revs, "merge heads")

    def gitlab_env(self) -> dict[str, str]:
        return {
            "CI_MERGE_REQUEST_IID": str(NUMBER),
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
            "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "",
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": self.base,
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": self.branch,
            "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "",
            "CI_COMMIT_SHA": self.head,
            "CI_MERGE_REQUEST_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "43" if self.fork else "42",
            "CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.example/group/shop",
        }


def conflicting_pr(tmp_path: Path, branch: str = "feature") -> PullRequest:
    """``branch`` adds f1 on a2 while origin/main gained b3 on a2: checked out, published."""
    copy_of(f"conflicting_pr-{branch}", lambda root: _build_conflicting(root, branch), tmp_path)
    repo = tmp_path / "work"
    base = git(repo, "rev-parse", "origin/main")
    pr = PullRequest(repo, tmp_path / "event.json", tmp_path / "summary.md", branch, base=base)
    pr.publish()
    return pr


def _build_conflicting(root: Path, branch: str) -> None:
    repo = published_project(root)
    branch_with(repo, branch, "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", branch)
