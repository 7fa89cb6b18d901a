"""``published``: refs besides the target whose revisions merge-heads never moves."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.branches import branch_with, published_project
from support.repo import alembic_script_directory, commit_all, git, run_cli

V = "migrations/versions"


def files(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((repo / V).glob("*.py"))}


@pytest.fixture
def hotfixed(tmp_path: Path) -> Path:
    """feature adds f1 on a2, then merges origin/release/1, which adds the hotfix h1 on a2.
    h1 is on the release branch but not on main: the target does not have it."""
    repo = published_project(tmp_path)
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    branch_with(repo, "hotfix", "h1h1h1h1h1h1", "a2a2a2a2a2a2")
    git(repo, "push", "-q", "origin", "hotfix:release/1")
    git(repo, "fetch", "-q", "origin")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--no-edit", "origin/release/1")
    return repo


def declare(repo: Path, *published: str) -> None:
    listed = ", ".join(f'"{p}"' for p in published)
    (repo / "pyproject.toml").write_text(
        f"[tool.alembic-git]\npublished = [{listed}]\n", encoding="utf-8"
    )
    commit_all(repo, "declare what is published")


def test_without_published_a_release_branch_revision_counts_as_movable(hotfixed: Path) -> None:
    # what the setting is for: the target alone does not know about the release branch
    result = run_cli(hotfixed, "merge-heads", "--strategy", "rebase", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "h1h1h1h1h1h1" in result.stdout.split("rebase (--strategy rebase): ")[1]


def test_rebase_refuses_to_move_a_revision_of_a_published_release_branch(hotfixed: Path) -> None:
    declare(hotfixed, "origin/main", "origin/release/*")
    before = files(hotfixed)
    result = run_cli(hotfixed, "merge-heads", "--strategy", "rebase")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "alembic-git: error: cannot rebase heads f1f1f1f1f1f1, h1h1h1h1h1h1: h1h1h1h1h1h1 is "
        "already on origin/release/1: a published revision is never rebased (a database may "
        "have run it); join them with a merge revision instead: --strategy merge\n"
    )
    assert files(hotfixed) == before


def test_auto_merges_instead_and_leaves_the_release_revision_untouched(hotfixed: Path) -> None:
    declare(hotfixed, "origin/main", "origin/release/*")
    before = files(hotfixed)
    result = run_cli(hotfixed, "merge-heads")
    assert result.returncode == 0, result.stderr
    assert (
        "  merge (auto): h1h1h1h1h1h1 is already on origin/release/1: a published revision "
        "is never rebased (a database may have run it)\n"
    ) in result.stdout
    after = files(hotfixed)
    assert {k: v for k, v in after.items() if k in before} == before
    script = alembic_script_directory(hotfixed)
    (head,) = script.get_heads()
    assert set(script.get_revision(head).down_revision) == {"f1f1f1f1f1f1", "h1h1h1h1h1h1"}


def test_git_config_published_is_multi_valued_and_adds_up(hotfixed: Path) -> None:
    git(hotfixed, "config", "--add", "alembic-git.published", "origin/main")
    git(hotfixed, "config", "--add", "alembic-git.published", "refs/remotes/origin/release/*")
    result = run_cli(hotfixed, "merge-heads", "--strategy", "rebase", "--dry-run")
    assert result.returncode == 2
    assert "h1h1h1h1h1h1 is already on origin/release/1" in result.stderr


def test_an_annotated_tag_publishes_what_it_tags(hotfixed: Path) -> None:
    git(hotfixed, "tag", "-a", "-m", "hotfix release", "v1.0.1", "origin/release/1")
    declare(hotfixed, "refs/tags/*")
    result = run_cli(hotfixed, "merge-heads", "--strategy", "rebase", "--dry-run")
    assert result.returncode == 2
    assert "h1h1h1h1h1h1 is already on v1.0.1: a published revision" in result.stderr


def test_a_revision_on_no_published_ref_still_moves(hotfixed: Path) -> None:
    declare(hotfixed, "origin/main", "origin/release/2.*")  # matches no branch: fine
    result = run_cli(hotfixed, "merge-heads", "--strategy", "rebase", "--dry-run")
    assert result.returncode == 0, result.stderr


def test_a_published_ref_that_is_not_here_keeps_everything_in_place(hotfixed: Path) -> None:
    declare(hotfixed, "origin/stable")
    refused = run_cli(hotfixed, "merge-heads", "--strategy", "rebase", "--dry-run")
    assert refused.returncode == 2
    assert refused.stderr == (
        "alembic-git: error: cannot rebase heads f1f1f1f1f1f1, h1h1h1h1h1h1: 'origin/stable' "
        "(pyproject.toml [tool.alembic-git] published) is not a commit here: cannot tell "
        "whether f1f1f1f1f1f1, h1h1h1h1h1h1 are published; join them with a merge revision "
        "instead: --strategy merge\n"
    )
    merged = run_cli(hotfixed, "merge-heads", "--dry-run")
    assert merged.returncode == 0, merged.stderr
    assert "  merge (auto): 'origin/stable'" in merged.stdout


def test_an_ambiguous_or_malformed_published_entry_is_an_error(hotfixed: Path) -> None:
    git(hotfixed, "tag", "origin/main", "main~1")
    declare(hotfixed, "origin/main")
    ambiguous = run_cli(hotfixed, "merge-heads", "--dry-run")
    assert ambiguous.returncode == 2
    assert ambiguous.stderr.startswith(
        "alembic-git: error: pyproject.toml [tool.alembic-git] published: 'origin/main' is "
        "ambiguous: it names both refs/tags/origin/main and refs/remotes/origin/main"
    )
    (hotfixed / "pyproject.toml").write_text("[tool.alembic-git]\npublished = [1]\n")
    malformed = run_cli(hotfixed, "merge-heads", "--dry-run")
    assert malformed.returncode == 2
    assert malformed.stderr == (
        "alembic-git: error: pyproject.toml [tool.alembic-git] published must be a list of "
        "refs or patterns, not [1]; e.g. published = "
        '["origin/main", "origin/release/*", "refs/tags/*"]\n'
    )
