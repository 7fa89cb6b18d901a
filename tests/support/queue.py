"""A repository whose checked-out branch is a merge queue's commit: the base plus the pull
requests queued ahead, merged in order as the forge's queue merges them."""

from __future__ import annotations

import json
from pathlib import Path

from support.repo import add_revision, commit_all, git, init_project


def queue_repo(root: Path, requests: tuple[int, ...], gitlab: bool = False) -> tuple[Path, str]:
    """main with one revision; one branch per request, each adding a head on it; a queue
    branch that merges them in order, as the forge's queue does. (repo, base sha)"""
    repo = init_project(root / "work")
    add_revision(repo, "a1a1a1a1a1a1", None, "base")
    base = commit_all(repo, "base")
    for n in requests:
        git(repo, "checkout", "-q", "-b", f"feature/{n}", "main")
        add_revision(repo, f"{n:02d}{'c' * 10}", "a1a1a1a1a1a1", f"request {n}")
        commit_all(repo, f"the change of request {n}")
    git(repo, "checkout", "-q", "-b", "gh-readonly-queue/main/pr-queue", "main")
    for n in requests:
        message = (
            f"Merge branch 'feature/{n}' into 'main'\n\nSee merge request acme/shop!{n}"
            if gitlab
            else f"Merge pull request #{n} from acme/feature-{n}"
        )
        git(repo, "merge", "-q", "--no-ff", "-m", message, f"feature/{n}")
    return repo, base


def github_event(repo: Path, base: str, head: str | None = None) -> dict[str, str]:
    payload = repo.parent / "event.json"
    payload.write_text(
        json.dumps(
            {
                "merge_group": {
                    "head_sha": head or git(repo, "rev-parse", "HEAD"),
                    "base_sha": base,
                    "base_ref": "refs/heads/main",
                }
            }
        )
    )
    return {"GITHUB_EVENT_NAME": "merge_group", "GITHUB_EVENT_PATH": str(payload)}
