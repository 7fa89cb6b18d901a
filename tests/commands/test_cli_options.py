"""Options shared across commands: --commit (and its old name --rev), --format choices,
and the error when a revision id is given where a git commit is expected."""

from __future__ import annotations

from pathlib import Path

from support.repo import add_revision, commit_all, run_cli

from alembic_git.status import Status


def test_commit_reads_a_git_commit_and_rev_is_its_old_name(project: Path) -> None:
    add_revision(project, "a1a1a1a1a1a1", None)
    commit_all(project, "one")
    add_revision(project, "a2a2a2a2a2a2", "a1a1a1a1a1a1")  # not committed
    assert run_cli(project, "heads", "--commit", "HEAD").stdout == "a1a1a1a1a1a1 (head)\n"
    assert run_cli(project, "heads", "--rev", "HEAD").stdout == "a1a1a1a1a1a1 (head)\n"
    assert run_cli(project, "heads").stdout == "a2a2a2a2a2a2 (head)\n"
    both = run_cli(project, "heads", "--rev", "HEAD", "--commit", "HEAD~0")
    assert both.returncode == 2
    assert "--rev is the old name of --commit" in both.stderr
    options = [line.split()[0] for line in run_cli(project, "heads", "--help").stdout.splitlines()
               if line.startswith("  -")]
    assert "--commit" in options and "--rev" not in options  # the old name is hidden


def test_a_revision_id_given_as_a_commit_says_what_to_type(project: Path) -> None:
    add_revision(project, "a1a1a1a1a1a1", None)
    commit_all(project, "one")
    result = run_cli(project, "check", "--commit", "a1a1a1a1a1a1")
    assert result.returncode == 2
    assert "it looks like an Alembic revision id: --commit takes a git commit" in result.stderr
    branch = run_cli(project, "check", "--commit", "no-such-branch")
    assert "check the name (git branch -a)" in branch.stderr


def test_choices_come_from_one_list(project: Path) -> None:
    result = run_cli(project, "merge-heads", "--strategy", "squash")
    assert result.returncode == 2
    assert "'auto', 'merge', 'rebase'" in result.stderr


def test_the_worst_status_decides_and_conflict_outranks_error() -> None:
    assert Status.worst([]) is Status.OK
    assert Status.worst([Status.OK, Status.ERROR]) is Status.ERROR
    assert Status.worst([Status.ERROR, Status.CONFLICT, Status.OK]) is Status.CONFLICT
    assert [s.exit_code for s in Status] == [0, 2, 1]
    assert str(Status.CONFLICT) == "conflict"
