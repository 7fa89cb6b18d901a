"""The repository layer over GitPython: where it finds the repository, what a hook's
``GIT_*`` variables may not change, one line per git failure, no user text read as an
option, and the persistent cat-file ended with the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.repo import add_revision, commit_all, git, run_cli

from alembic_git.errors import AlembicGitError, GitError
from alembic_git.git import Repo


def discovered(start: Path, git_dir: str | None = None) -> Repo:
    repo = Repo.discover(start, git_dir)
    assert repo is not None
    return repo


def first_revision(project: Path) -> str:
    add_revision(project, "a1a1a1a1a1a1", None, "first")
    return commit_all(project, "first")


# -- where the repository is ------------------------------------------------------------------


def test_a_sub_folder_finds_the_work_tree_it_belongs_to(project: Path) -> None:
    repo = discovered(project / "migrations")
    assert (repo.toplevel, repo.git_dir, repo.common_dir) == (
        project.resolve(),
        (project / ".git").resolve(),
        (project / ".git").resolve(),
    )
    assert not repo.is_bare


def test_a_linked_worktree_has_its_own_git_dir_and_shares_the_common_one(
    project: Path, tmp_path: Path
) -> None:
    head = first_revision(project)
    git(project, "worktree", "add", "-q", str(tmp_path / "other"), "-b", "other")
    repo = discovered(tmp_path / "other")
    assert repo.toplevel == (tmp_path / "other").resolve()
    assert repo.git_dir == (project / ".git" / "worktrees" / "other").resolve()
    assert repo.common_dir == (project / ".git").resolve()
    assert repo.current_branch() == "other"
    assert repo.resolve_commit("main") == head


def test_a_bare_repository_has_no_work_tree(project: Path, tmp_path: Path) -> None:
    head = first_revision(project)
    git(tmp_path, "clone", "-q", "--bare", str(project), str(tmp_path / "bare.git"))
    repo = discovered(tmp_path / "bare.git")
    assert repo.is_bare and repo.toplevel is None
    assert repo.resolve_commit("main") == head


def test_git_dir_is_honoured_from_the_option_and_from_the_environment(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = first_revision(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert Repo.discover(elsewhere) is None  # not a repository: None, no exception
    assert discovered(elsewhere, str(project / ".git")).resolve_commit("HEAD") == head
    monkeypatch.setenv("GIT_DIR", "../proj/.git")  # relative to where we start
    assert discovered(elsewhere).resolve_commit("HEAD") == head


# -- a hook's environment cannot redirect what we read ----------------------------------------


def test_a_hooks_git_variables_do_not_change_what_is_read(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = first_revision(project)
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    (other / "x").write_text("x", encoding="utf-8")
    git(other, "add", "x")
    (project / "migrations" / "notes.txt").write_text("new", encoding="utf-8")
    # What `git -c ... --glob-pathspecs --namespace=n commit` passes to a pre-commit hook,
    # with an index from another repository; the repository is found before GIT_DIR and
    # GIT_WORK_TREE change (they choose the repository only when it is looked for).
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'alembic-git.mode'='block'")
    monkeypatch.setenv("GIT_GLOB_PATHSPECS", "1")
    monkeypatch.setenv("GIT_NAMESPACE", "n")
    repo = discovered(project)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    assert repo.config_get("alembic-git.mode") is None
    assert repo.dirty_paths(["migrations/notes.txt"]) == ["migrations/notes.txt"]
    assert repo.modified_paths(["x"]) == []
    assert repo.resolve_commit("refs/heads/main") == head
    assert [name for name, _ in repo.refs("refs/heads")] == ["refs/heads/main"]
    repo.close()


# -- failures and hostile names ---------------------------------------------------------------


def test_a_failed_git_command_is_one_line_with_command_code_and_stderr(project: Path) -> None:
    first_revision(project)
    repo = discovered(project)
    with pytest.raises(GitError) as caught:
        repo.git("rev-parse", "--verify", "nothing-here")
    assert str(caught.value) == (
        "`git rev-parse --verify nothing-here` failed (exit 128): fatal: Needed a single revision"
    )


@pytest.mark.parametrize("name", ["--output=/tmp/x", "-p"])
def test_a_name_starting_with_a_dash_is_refused_before_git_sees_it(
    project: Path, name: str
) -> None:
    first_revision(project)
    repo = discovered(project)
    for ask in (repo.resolve_commit, repo.full_ref, lambda n: repo.ls_tree(n)):
        with pytest.raises(AlembicGitError, match="is not a git revision: it starts with '-'"):
            ask(name)


def test_the_cli_refuses_a_revision_that_looks_like_an_option(project: Path) -> None:
    first_revision(project)
    result = run_cli(project, "heads", "--rev=--output=x")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "alembic-git: error: '--output=x' is not a git revision: it starts with '-'; "
        "name a branch, tag or commit\n"
    )
    assert not (project / "x").exists()


# -- the persistent cat-file ------------------------------------------------------------------


def test_one_cat_file_serves_every_read_and_ends_with_close(project: Path) -> None:
    first_revision(project)
    repo = discovered(project)
    cat = repo.cat()
    assert cat.read("HEAD:alembic.ini") == (project / "alembic.ini").read_bytes()
    assert cat.read_many(["HEAD:missing", "HEAD:alembic.ini"])[0] is None
    assert repo.cat() is cat  # one process for the whole run
    process = cat._process.proc
    assert process.poll() is None
    repo.close()
    assert process.poll() == 0  # ended by closing its input, not killed


def test_without_git_on_path_the_error_is_one_line(project: Path, tmp_path: Path) -> None:
    first_revision(project)
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_cli(project, "heads", env={"PATH": str(empty)})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "alembic-git: error: git is not installed or not on PATH; install git\n"


def test_refs_are_found_packed_or_loose_and_a_dangling_symbolic_ref_is_none(
    project: Path,
) -> None:
    head = first_revision(project)
    git(project, "branch", "packed")
    git(project, "tag", "-a", "-m", "annotated", "v1")
    git(project, "pack-refs", "--all")
    git(project, "branch", "loose")
    git(project, "symbolic-ref", "refs/heads/dangling", "refs/heads/nowhere")
    repo = discovered(project)
    assert repo.full_ref("packed") == "refs/heads/packed"
    assert repo.full_ref("loose") == "refs/heads/loose"
    assert repo.full_ref("v1") == "refs/tags/v1"
    assert repo.resolve_commit("v1") == head  # an annotated tag names the commit it tags
    assert repo.full_ref("dangling") is None  # as `for-each-ref` skips it
    assert repo.full_ref("refs/heads/../config") is None  # not a ref name at all
