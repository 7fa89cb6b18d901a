"""File names git cat-file --batch cannot take: a name with a line break must never split
a request (wrong bytes read, a poisoned parse cache, a hook that sees nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.branches import advance_main, branch_with, published_project
from support.repo import add_revision, alembic_script_directory, commit_all, git, run_cli

from alembic_git.errors import GitError
from alembic_git.git import Repo
from alembic_git.revisions.source import CommitSource

NEWLINE_INI = "0\nx.ini"  # at the root, where `--all` lists every .ini


def two_heads_with_a_newline_ini(root: Path) -> Path:
    """main: a1 -> a2, then a commit adding two children of a2 and a root ``0\\nx.ini``."""
    repo = published_project(root)
    add_revision(repo, "b1b1b1b1b1b1", "a2a2a2a2a2a2", "one")
    add_revision(repo, "c1c1c1c1c1c1", "a2a2a2a2a2a2", "two")
    (repo / NEWLINE_INI).write_text("[alembic]\nscript_location = nowhere\n", encoding="utf-8")
    commit_all(repo, "two heads and a file name with a line break")
    return repo


def test_a_name_with_a_line_break_is_refused_and_the_batch_stays_usable(project: Path) -> None:
    add_revision(project, "a1a1a1a1a1a1", None, "first")
    commit_all(project, "first")
    repo = Repo.discover(project)
    assert repo is not None
    with pytest.raises(GitError, match="a line break would split the request"):
        repo.cat().read("HEAD:alembic.ini\nHEAD:alembic.ini")
    assert repo.cat().read("HEAD:alembic.ini") == (project / "alembic.ini").read_bytes()
    repo.close()


def test_a_commit_reads_a_file_named_with_a_line_break_by_its_id(project: Path) -> None:
    (project / "a\nb.txt").write_bytes(b"first\n")
    (project / "a").write_bytes(b"second\n")
    commit_all(project, "awkward names")
    repo = Repo.discover(project)
    assert repo is not None
    source = CommitSource(repo, git(project, "rev-parse", "HEAD"), "HEAD")
    root = source.root
    assert source.read(f"{root}/a\nb.txt") == b"first\n"
    assert source.read(f"{root}/a") == b"second\n"
    assert source.read_many([(f"{root}/a\nb.txt", None), (f"{root}/missing", None)]) == [
        b"first\n",
        b"",
    ]
    assert source.read(f"{root}/migrations") is None  # a folder is not a file
    repo.close()


def test_all_in_a_commit_lists_the_heads_despite_an_ini_named_with_a_line_break(
    tmp_path: Path,
) -> None:
    repo = two_heads_with_a_newline_ini(tmp_path)
    for _ in range(2):  # the second run reads through the parse cache the first one wrote
        heads = run_cli(repo, "--all", "heads", "--rev", "HEAD")
        assert (heads.returncode, heads.stderr) == (0, "")
        assert heads.stdout.split() == ["b1b1b1b1b1b1", "(head)", "c1c1c1c1c1c1", "(head)"]
        check = run_cli(repo, "--all", "check", "--rev", "HEAD")
        assert check.returncode == 1, check.stderr
    # The cache holds the right bytes: every reading agrees with Alembic's own.
    expected = sorted(alembic_script_directory(repo).get_heads())
    for args in (("heads", "--rev", "HEAD"), ("heads",), ("--all", "heads")):
        again = run_cli(repo, *args)
        assert sorted(again.stdout.split()[::2]) == expected, (args, again.stderr)


def test_check_against_sees_the_conflict_of_a_branch_with_an_ini_named_with_a_line_break(
    tmp_path: Path,
) -> None:
    repo = published_project(tmp_path)
    (repo / NEWLINE_INI).write_text("[alembic]\nscript_location = nowhere\n", encoding="utf-8")
    commit_all(repo, "on the target too: its environments are read there")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    add_revision(repo, "f1f1f1f1f1f1", "a2a2a2a2a2a2", "feature")
    commit_all(repo, "feature")
    advance_main(repo, "b3b3b3b3b3b3", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    for _ in range(2):
        result = run_cli(repo, "--all", "check", "--against", "origin/main")
        assert result.returncode == 1, result.stderr
        assert "merging feature into origin/main gives 2 heads" in result.stdout


def test_a_revision_file_name_ending_in_a_line_break_is_an_error_as_alembic_fails(
    project: Path,
) -> None:
    add_revision(project, "a1a1a1a1a1a1", None, "first")
    text = (project / "migrations/versions/a1a1a1a1a1a1_first.py").read_text()
    (project / "migrations/versions/b2.py\n").write_text(
        text.replace("a1a1a1a1a1a1", "b2b2b2b2b2b2").replace(
            "down_revision: Union[str, Sequence[str], None] = None",
            "down_revision: Union[str, Sequence[str], None] = 'a1a1a1a1a1a1'",
        )
    )
    commit_all(project, "a file name with a line break at its end")
    with pytest.raises(AssertionError):  # what Alembic itself does with it
        alembic_script_directory(project).get_heads()
    message = (
        "alembic-git: error: 'migrations/versions/b2.py\\n': a revision file name ending in "
        "a line break (Alembic lists it, then fails to load it); rename it (git mv) so that "
        "its name ends in .py\n"
    )
    for args in (("heads",), ("heads", "--rev", "HEAD")):
        result = run_cli(project, *args)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_check_against_reports_a_revision_file_name_ending_in_a_line_break(
    tmp_path: Path,
) -> None:
    repo = published_project(tmp_path)
    branch_with(repo, "feature", "f1f1f1f1f1f1", "a2a2a2a2a2a2")
    git(repo, "checkout", "-q", "feature")
    source = repo / "migrations/versions/f1f1f1f1f1f1_add_feature.py"
    os.rename(source, repo / "migrations/versions/f1.py\n")
    commit_all(repo, "rename")
    result = run_cli(repo, "check", "--against", "origin/main")
    assert result.returncode == 2
    assert "a revision file name ending in a line break" in result.stdout + result.stderr


# -- the server hook --------------------------------------------------------------------------


def pre_receive(remote: Path, *options: str) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    flags = " ".join(options)
    hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m alembic_git {flags} hook pre-receive\n')
    hook.chmod(0o755)


def push(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "push", "-q", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_pre_receive_with_all_refuses_two_heads_beside_an_ini_named_with_a_line_break(
    tmp_path: Path,
) -> None:
    repo = two_heads_with_a_newline_ini(tmp_path)
    remote = tmp_path / "origin.git"
    pre_receive(remote, "--all")
    before = git(remote, "rev-parse", "refs/heads/main")
    for _ in range(2):  # the server's parse cache, written by the first push, is right
        refused = push(repo, "origin", "main")
        assert refused.returncode != 0
        assert "refusing the push to main" in refused.stderr, refused.stderr
        assert "b1b1b1b1b1b1" in refused.stderr and "c1c1c1c1c1c1" in refused.stderr
        assert git(remote, "rev-parse", "refs/heads/main") == before


def test_pre_receive_refuses_a_revision_file_name_ending_in_a_line_break_under_fail_on_error(
    tmp_path: Path,
) -> None:
    repo = published_project(tmp_path)
    remote = tmp_path / "origin.git"
    pre_receive(remote)
    add_revision(repo, "b1b1b1b1b1b1", "a2a2a2a2a2a2", "one")
    os.rename(repo / "migrations/versions/b1b1b1b1b1b1_one.py", repo / "migrations/versions/b.py\n")
    commit_all(repo, "a revision Alembic cannot load")
    git(remote, "config", "alembic-git.failOnError", "true")
    before = git(remote, "rev-parse", "refs/heads/main")
    refused = push(repo, "origin", "main")
    assert refused.returncode != 0
    assert "a revision file name ending in a line break" in refused.stderr, refused.stderr
    assert git(remote, "rev-parse", "refs/heads/main") == before
    git(remote, "config", "alembic-git.failOnError", "false")
    warned = push(repo, "origin", "main")  # warn mode: through, but never in silence
    assert warned.returncode == 0
    assert "a revision file name ending in a line break" in warned.stderr, warned.stderr


def test_a_symbolic_link_in_a_commit_reads_as_its_target_as_in_a_checkout(project: Path) -> None:
    add_revision(project, "a1a1a1a1a1a1", None, "first")
    (project / "config").mkdir()
    os.rename(project / "alembic.ini", project / "config" / "real.ini")
    text = (project / "config" / "real.ini").read_text()
    (project / "config" / "real.ini").write_text(text.replace("%(here)s/migrations", "migrations"))
    os.symlink("config/real.ini", project / "alembic.ini")
    commit_all(project, "alembic.ini is a link")
    worktree = run_cli(project, "heads")
    committed = run_cli(project, "heads", "--rev", "HEAD")
    assert worktree.stdout == committed.stdout == "a1a1a1a1a1a1 (head)\n", committed.stderr


def test_a_link_loop_or_a_link_out_of_the_tree_reads_as_missing(project: Path) -> None:
    os.symlink("b", project / "a")
    os.symlink("a", project / "b")
    os.symlink("/etc/hostname", project / "absolute")
    os.symlink("../outside", project / "escape")
    os.symlink("migrations/env.py", project / "inside")
    commit_all(project, "links")
    repo = Repo.discover(project)
    assert repo is not None
    source = CommitSource(repo, git(project, "rev-parse", "HEAD"), "HEAD")
    for name in ("a", "absolute", "escape"):
        assert source.read(f"{source.root}/{name}") is None, name
    assert source.read(f"{source.root}/inside") == (project / "migrations/env.py").read_bytes()
    repo.close()
