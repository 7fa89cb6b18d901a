"""Refs are resolved unambiguously: the target is kept as a full ref, a name git would find
ambiguous is an error naming both refs, and a tag never stands in for a branch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.branches import advance_main, branch_with, published_project
from support.repo import add_revision, alembic_script_directory, commit_all, git, run_cli

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo

MISSING = "1234567890" * 4


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return published_project(tmp_path)


def forked_behind_a_tag(repo: Path) -> tuple[str, str]:
    """feature adds f1 on a2 while origin/main gains b3 on a2; a tag ``origin/main`` points
    at main before b3, where the feature would look clean.  Returns (feature, origin/main)."""
    old_main = git(repo, "rev-parse", "main")
    ours = branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    theirs = advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "tag", "origin/main", old_main)
    git(repo, "checkout", "-q", "feature")
    return ours, theirs


def test_full_ref_names_the_one_ref_or_refuses_naming_both(repo: Path) -> None:
    git(repo, "branch", "solo")
    git(repo, "tag", "main")
    found = Repo.discover(repo)
    assert found is not None
    assert found.full_ref("solo") == "refs/heads/solo"
    assert found.full_ref("origin/main") == "refs/remotes/origin/main"
    assert found.full_ref("origin") == "refs/remotes/origin/HEAD"
    assert found.full_ref("nothing") is None
    with pytest.raises(AlembicGitError) as caught:
        found.resolve_commit("main~0")
    assert str(caught.value) == (
        "'main' is ambiguous: it names both refs/tags/main and refs/heads/main; "
        "name the one you mean in full (e.g. refs/heads/main)"
    )
    assert found.resolve_commit("refs/heads/main~0") == git(repo, "rev-parse", "main")
    assert found.short_ref("refs/heads/main") == "heads/main"
    assert found.short_ref("refs/remotes/origin/main") == "origin/main"


def test_a_tag_beside_a_branch_of_the_same_name_is_an_error_naming_both(repo: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "tag", "main", "feature")  # git alone would take the tag for `main`
    message = (
        "alembic-git: error: 'main' is ambiguous: it names both refs/tags/main and "
        "refs/heads/main; name the one you mean in full (e.g. refs/heads/main)\n"
    )
    for args in (("check", "--against", "main"), ("heads", "--rev", "main")):
        result = run_cli(repo, *args)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", message), args
    spelled_out = run_cli(repo, "heads", "--rev", "refs/heads/main")
    assert (spelled_out.returncode, spelled_out.stdout) == (0, "a2a2a2a2a2a2 (head)\n")


def test_a_tag_named_like_the_remote_branch_never_redirects_the_default_target(
    repo: Path,
) -> None:
    forked_behind_a_tag(repo)
    # git itself takes the tag: the old main, where the feature merges cleanly
    branch = git(repo, "rev-parse", "refs/remotes/origin/main")
    assert git(repo, "rev-parse", "origin/main") != branch
    result = run_cli(repo, "check", "--against")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    # the report names the branch so that its `git merge` takes the branch, not the tag
    assert lines[0] == "target: remotes/origin/main (the default branch of remote 'origin')"
    assert "merging feature into remotes/origin/main gives 2 heads" in lines[1]
    assert lines[-1] == "fix: git merge remotes/origin/main && alembic-git merge-heads"


def test_a_user_given_name_that_is_also_a_tag_is_an_error(repo: Path) -> None:
    forked_behind_a_tag(repo)
    result = run_cli(repo, "check", "--against", "origin/main")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: 'origin/main' is ambiguous: it names both refs/tags/origin/main "
        "and refs/remotes/origin/main; name the one you mean in full "
        "(e.g. refs/remotes/origin/main)\n"
    )
    git(repo, "config", "alembic-git.target", "origin/main")
    configured = run_cli(repo, "check", "--against")
    assert configured.returncode == 2
    assert configured.stderr.startswith(
        "alembic-git: error: git config alembic-git.target: 'origin/main' is ambiguous"
    )
    git(repo, "config", "alembic-git.target", "refs/remotes/origin/main")
    assert run_cli(repo, "check", "--against").returncode == 1


def test_a_tag_never_lets_merge_heads_rewrite_a_published_revision(repo: Path) -> None:
    forked_behind_a_tag(repo)  # f1 is committed before b3 landed: rebase would stack b3 on f1
    git(repo, "merge", "-q", "--no-edit", "refs/remotes/origin/main")
    published = next((repo / "migrations/versions").glob("b3b3b3b3b3b3_*.py")).read_bytes()
    refused = run_cli(repo, "merge-heads", "--onto", "origin/main")
    assert refused.returncode == 2
    assert "'origin/main' is ambiguous" in refused.stderr
    result = run_cli(repo, "merge-heads", "--strategy", "rebase")
    assert result.returncode == 0, result.stderr
    assert "f1f1f1f1f1f1 is not on remotes/origin/main" in result.stdout
    assert next((repo / "migrations/versions").glob("b3b3b3b3b3b3_*.py")).read_bytes() == published
    script = alembic_script_directory(repo)
    assert script.get_heads() == ["f1f1f1f1f1f1"]
    assert script.get_revision("f1f1f1f1f1f1").down_revision == "b3b3b3b3b3b3"


def test_a_commit_id_that_does_not_exist_is_one_clear_line(repo: Path) -> None:
    against = run_cli(repo, "check", "--against", MISSING)
    assert (against.returncode, against.stdout) == (2, "")
    assert against.stderr == (
        f"alembic-git: error: target {MISSING!r} is not a commit in this repository; "
        "fetch it first (git fetch), or name another with --against/--target\n"
    )
    rev = run_cli(repo, "heads", "--rev", MISSING)
    assert rev.returncode == 2
    assert rev.stderr == (
        f"alembic-git: error: {MISSING!r} is not a commit in this repository; "
        "check the name (git branch -a), or fetch it first\n"
    )


def test_pre_receive_given_a_commit_that_does_not_exist_says_so(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "origin.git"
    line = f"{git(remote, 'rev-parse', 'main')} {MISSING} refs/heads/main\n"

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "alembic_git", "hook", "pre-receive"],
            cwd=remote,
            input=line,
            capture_output=True,
            text=True,
            check=False,
        )

    warned = hook()
    assert warned.returncode == 0
    assert f"main: {MISSING!r} is not a commit in this repository" in warned.stderr
    git(remote, "config", "alembic-git.failOnError", "true")
    refused = hook()
    assert refused.returncode != 0
    assert f"main: {MISSING!r} is not a commit in this repository" in refused.stderr


def test_the_target_falls_back_to_the_local_branch_in_full(repo: Path) -> None:
    git(repo, "remote", "remove", "origin")
    git(repo, "tag", "main", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    add_revision(repo, "f1f1f1f1f1f1", "a2a2a2a2a2a2", "feature")
    commit_all(repo, "feature")
    result = run_cli(repo, "check", "--against")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "target: heads/main (local branch 'main')"
