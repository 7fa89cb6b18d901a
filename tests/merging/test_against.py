from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.branches import advance_main, branch_with, published_project, state
from support.repo import add_revision, alembic_cli, commit_all, git, run_cli


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return published_project(tmp_path)


def test_a_branch_built_on_the_target_head_stays_clean(repo: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    result = run_cli(repo, "check", "--against")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "target: origin/main (the default branch of remote 'origin')",
        "ok: alembic.ini: merging feature into origin/main keeps one head (f1f1f1f1f1f1), "
        "adds 1 revision(s)",
    ]


def test_a_fork_with_the_target_is_found_before_the_merge(repo: Path) -> None:
    ours = branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    theirs = advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    before = state(repo)
    result = run_cli(repo, "check", "--against", "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "conflict"
    assert data["target"] == "origin/main"
    sides = {h["revision"]: (h["side"], h["commit"]) for h in data["heads"]}
    assert sides == {
        "b3b3b3b3b3b3": ("origin/main", theirs),
        "f1f1f1f1f1f1": ("this branch", ours),
    }
    assert data["conflicts"][0]["fork_points"] == ["a2a2a2a2a2a2"]
    assert data["fix"] == "git merge origin/main && alembic-git merge-heads"
    assert state(repo) == before
    # What the check predicts is what git and Alembic then do.
    git(repo, "merge", "-q", "--no-edit", "origin/main")
    heads = alembic_cli(repo, "heads").stdout.split()
    assert {"b3b3b3b3b3b3", "f1f1f1f1f1f1"} <= set(heads)


def test_the_text_report_names_sides_commits_and_the_fix(repo: Path) -> None:
    ours = branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    out = run_cli(repo, "check", "--against", "origin/main").stdout
    assert "target: origin/main (--against)" in out
    assert "merging feature into origin/main gives 2 heads" in out
    assert f"[this branch, added in {ours[:10]}]" in out
    assert "they fork from a2a2a2a2a2a2 (create posts)" in out
    assert out.rstrip().endswith("fix: git merge origin/main && alembic-git merge-heads")


def test_uncommitted_revision_files_count(repo: Path) -> None:
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "-b", "feature", "HEAD~1")
    add_revision(repo, "f1f1f1f1f1f1", "a2a2a2a2a2a2", "not committed yet")
    before = state(repo)
    result = run_cli(repo, "check", "--against", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["ours"] == "feature (working tree)"
    ours = next(h for h in data["heads"] if h["revision"] == "f1f1f1f1f1f1")
    assert ours["side"] == "this branch" and ours["commit"] is None
    assert state(repo) == before


def test_rev_reads_a_branch_without_checking_it_out(repo: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a1a1a1a1a1a1")
    before = state(repo)
    result = run_cli(repo, "check", "--rev", "feature", "--against", "main")
    assert result.returncode == 1
    assert "merging feature into main gives 2 heads" in result.stdout
    assert state(repo) == before


def test_a_bare_repository_is_read_from_objects(repo: Path, tmp_path: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a1a1a1a1a1a1")
    git(repo, "push", "-q", "origin", "feature")
    bare = tmp_path / "origin.git"
    result = run_cli(
        tmp_path, "--git-dir", str(bare), "check", "--rev", "feature", "--against", "main"
    )
    assert result.returncode == 1, result.stderr
    assert "2 heads" in result.stdout
    heads = run_cli(bare, "heads", "--rev", "main")
    assert heads.stdout == "a2a2a2a2a2a2 (head)\n"


def test_a_linked_worktree_and_a_detached_head_work(repo: Path, tmp_path: Path) -> None:
    sha = branch_with(repo, "feature", "f1f1f1f1f1f1", "a1a1a1a1a1a1")
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "--detach", str(wt), sha)
    result = run_cli(wt, "check", "--against", "origin/main")
    assert result.returncode == 1, result.stderr
    assert f"merging HEAD ({sha[:10]}) into origin/main gives 2 heads" in result.stdout


def test_a_shallow_clone_without_the_merge_base_says_how_to_fetch(
    repo: Path, tmp_path: Path
) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "push", "-q", "origin", "feature")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    clone = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        f"file://{tmp_path / 'origin.git'}",
        str(clone),
    )
    git(clone, "checkout", "-q", "feature")
    result = run_cli(clone, "check", "--against")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "shallow clone" in result.stderr and "fetch-depth: 0" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    git(clone, "fetch", "-q", "--unshallow")
    assert run_cli(clone, "check", "--against").returncode == 1


def test_commits_are_traced_through_renames(repo: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    added = git(repo, "rev-parse", "HEAD")
    versions = repo / "migrations/versions"
    old = next(versions.glob("f1f1f1f1f1f1_*.py"))
    git(repo, "mv", str(old), str(versions / "f1f1f1f1f1f1_renamed.py"))
    commit_all(repo, "rename")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    data = json.loads(run_cli(repo, "check", "--against", "--format", "json").stdout)
    ours = next(h for h in data["heads"] if h["revision"] == "f1f1f1f1f1f1")
    assert ours["path"] == "migrations/versions/f1f1f1f1f1f1_renamed.py"
    assert ours["commit"] == added


def test_the_same_id_added_on_both_sides_is_a_conflict(repo: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "main")
    add_revision(repo, "f1f1f1f1f1f1", "a2a2a2a2a2a2", "same id other file")
    commit_all(repo, "main takes the same id")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "feature")
    result = run_cli(repo, "check", "--against")
    assert result.returncode == 1, result.stderr
    assert "revision id f1f1f1f1f1f1 is added on both sides in different files" in result.stdout
    assert "fix: give the revision in migrations/versions/f1f1f1f1f1f1_add_feature.py a new id" in (
        result.stdout
    )


def test_re_pointing_a_published_revision_is_a_conflict(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    path = next((repo / "migrations/versions").glob("a2a2a2a2a2a2_*.py"))
    path.write_text(path.read_text().replace("= 'a1a1a1a1a1a1'", "= None"), encoding="utf-8")
    commit_all(repo, "re-point a published revision")
    result = run_cli(repo, "check", "--against")
    assert result.returncode == 1
    assert (
        "revision a2a2a2a2a2a2 has down_revision None on this branch but a1a1a1a1a1a1 on the target"
        in result.stdout
    )


def test_a_textual_conflict_in_a_revision_file_is_a_conflict(repo: Path) -> None:
    path = next((repo / "migrations/versions").glob("a2a2a2a2a2a2_*.py"))
    git(repo, "checkout", "-q", "-b", "feature")
    path.write_text(path.read_text().replace("create posts", "create posts here"), encoding="utf-8")
    commit_all(repo, "edit")
    git(repo, "checkout", "-q", "main")
    path.write_text(
        path.read_text().replace("create posts", "create posts there"), encoding="utf-8"
    )
    commit_all(repo, "edit")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "feature")
    result = run_cli(repo, "check", "--against")
    assert result.returncode == 1
    assert f"git cannot merge migrations/versions/{path.name} cleanly" in result.stdout


def test_the_default_target_falls_back_to_origin_main_then_local_main(repo: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    git(repo, "remote", "set-head", "origin", "--delete")
    out = run_cli(repo, "check", "--against").stdout
    assert out.startswith("target: origin/main (the default branch of remote 'origin')")
    git(repo, "remote", "remove", "origin")
    out = run_cli(repo, "check", "--against").stdout
    assert out.startswith("target: main (local branch 'main')")


def test_git_config_names_the_target(repo: Path) -> None:
    git(repo, "branch", "develop", "main")
    git(repo, "config", "alembic-git.target", "develop")
    out = run_cli(repo, "check", "--against").stdout
    assert out.startswith("target: develop (git config alembic-git.target)")


def test_an_unknown_target_is_one_line(repo: Path) -> None:
    result = run_cli(repo, "check", "--against", "nope")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: target 'nope' is not a commit in this repository; "
        "fetch it first (git fetch), or name another with --against/--target\n"
    )


def test_version_locations_without_a_config(repo: Path) -> None:
    (repo / "alembic.ini").unlink()
    commit_all(repo, "config built in code")
    git(repo, "push", "-q", "origin", "main")
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a1a1a1a1a1a1")
    git(repo, "checkout", "-q", "feature")
    result = run_cli(repo, "--version-location", "migrations/versions", "check", "--against")
    assert result.returncode == 1, result.stderr
    assert (
        "conflict: migrations/versions: merging feature into origin/main gives 2 heads"
        in result.stdout
    )


def test_the_three_way_fallback_agrees_with_git_merge_tree(repo: Path) -> None:
    from alembic_git.merging.against import Comparer
    from alembic_git.revisions.discovery import Selection
    from alembic_git.workspace import Workspace

    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    # A revision deleted on one side must stay deleted, as git merges it.
    git(repo, "rm", "-q", str(next((repo / "migrations/versions").glob("f1f1*"))))
    add_revision(repo, "f2f2f2f2f2f2", "a2a2a2a2a2a2", "replacement")
    sha = commit_all(repo, "replace")
    ws = Workspace(cwd=str(repo), selection=Selection())
    views = []
    for use_merge_tree in (True, False):
        cmp = Comparer(ws, "origin/main", merge_tree=use_merge_tree).compare(sha, "feature")
        merged = cmp.envs[0].merged
        assert merged is not None
        views.append((set(merged.graph.revisions), merged.graph.heads))
    ws.close()
    assert views[0] == views[1]
    assert set(views[0][1]) == {"b3b3b3b3b3b3", "f2f2f2f2f2f2"}


def test_check_against_leaves_no_trace_in_a_clean_clone(repo: Path, tmp_path: Path) -> None:
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)
    git(clone, "checkout", "-q", "feature")
    add_revision(clone, "f2f2f2f2f2f2", "f1f1f1f1f1f1", "uncommitted")  # taken via a temp index
    before = (state(clone), git(clone, "for-each-ref"), git(clone, "stash", "list"))
    result = run_cli(clone, "check", "--against")
    assert result.returncode == 1
    assert "merging feature (working tree) into origin/main gives 2 heads" in result.stdout
    assert (state(clone), git(clone, "for-each-ref"), git(clone, "stash", "list")) == before


def test_pyproject_names_the_target(repo: Path) -> None:
    git(repo, "branch", "develop", "main")
    (repo / "pyproject.toml").write_text(
        '[tool.alembic-git]\ntarget = "develop"\n', encoding="utf-8"
    )
    out = run_cli(repo, "check", "--against").stdout
    assert out.startswith("target: develop (pyproject.toml [tool.alembic-git] target)")
