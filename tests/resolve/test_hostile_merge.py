"""merge-heads on revisions whose ids were written to break out of the new file.

Alembic bans only ``@ - + :`` in revision ids; an id with quotes can close the
docstring of the merge revision (``Revises: ...`` is written raw) or the quotes
of a rebased ``down_revision``, and Alembic runs whatever follows when it loads
the scripts.  merge-heads refuses such ids, names their file and line, and writes
nothing; the payload (touch a sentinel file) never runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.hostile import V, write_revision
from support.repo import alembic_script_directory, commit_all, git, run_cli

DOCSTRING_BREAKER = 'h""" if __import__("os").system("touch SENTINEL") else """h'
QUOTE_BREAKER = "x' if __import__('os').system('touch SENTINEL') else 'x"


def forked(project: Path, theirs: str, ours: str = "ccc333") -> None:
    """main adds ``theirs``, the feature adds ``ours``; the feature merged main."""
    write_revision(project, "aaa111_first", "aaa111", None)
    commit_all(project, "first")
    git(project, "checkout", "-q", "-b", "feature")
    write_revision(project, "ccc333_feature", ours, "aaa111")
    commit_all(project, "feature")
    git(project, "checkout", "-q", "main")
    write_revision(project, "zzz_theirs", theirs, "aaa111")
    commit_all(project, "main")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")


def files(project: Path) -> list[str]:
    return sorted(p.name for p in (project / V).glob("*.py"))


def load_with_alembic(project: Path) -> list[str]:
    """What real Alembic makes of the scripts (it imports every one of them)."""
    return sorted(alembic_script_directory(project).get_heads())


def test_the_hostile_id_is_a_valid_alembic_revision(project: Path) -> None:
    # The premise: Alembic accepts this id and loads the file without side effects.
    forked(project, DOCSTRING_BREAKER)
    assert load_with_alembic(project) == sorted([DOCSTRING_BREAKER, "ccc333"])
    assert not (project / "SENTINEL").exists()


def test_merge_refuses_an_id_that_would_end_the_docstring(project: Path) -> None:
    forked(project, DOCSTRING_BREAKER)
    before = files(project)
    result = run_cli(project, "merge-heads", "--strategy", "merge")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"alembic-git: error: {V}/zzz_theirs.py:4: revision id {DOCSTRING_BREAKER!r} cannot "
        "be written into a merge revision: it contains a double quote; alembic-git writes only"
    )
    assert files(project) == before
    load_with_alembic(project)
    assert not (project / "SENTINEL").exists()


def test_merge_dry_run_refuses_too(project: Path) -> None:
    forked(project, DOCSTRING_BREAKER)
    result = run_cli(project, "merge-heads", "--strategy", "merge", "--dry-run")
    assert result.returncode == 2
    assert "cannot be written into a merge revision" in result.stderr
    assert DOCSTRING_BREAKER not in result.stdout


def test_rebase_refuses_a_parent_that_would_leave_the_quotes(project: Path) -> None:
    forked(project, QUOTE_BREAKER)
    before = {p.name: p.read_bytes() for p in (project / V).glob("*.py")}
    result = run_cli(project, "merge-heads", "--strategy", "rebase")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1
    assert f"{V}/ccc333_feature.py:5: the new down_revision {QUOTE_BREAKER!r}" in result.stderr
    assert "it contains a single quote" in result.stderr
    assert {p.name: p.read_bytes() for p in (project / V).glob("*.py")} == before
    load_with_alembic(project)
    assert not (project / "SENTINEL").exists()


@pytest.mark.parametrize(
    ("rev", "why"),
    [
        ("new\nline", r"it contains the character '\n'"),
        ("back\\slash", "it contains a backslash"),
        ("a,b", "it contains a comma"),
        ("bidi\u202eevil", r"it contains the character '\u202e'"),
    ],
)
def test_other_unwritable_ids_are_refused(project: Path, rev: str, why: str) -> None:
    forked(project, rev)
    result = run_cli(project, "merge-heads", "--strategy", "merge")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert why in result.stderr


def test_a_message_that_ends_the_docstring_is_refused(project: Path) -> None:
    forked(project, "bbb222")
    before = files(project)
    result = run_cli(project, "merge-heads", "--strategy", "merge", "-m", 'x"""; import os')
    assert result.returncode == 2
    assert "cannot be written into the revision's docstring: it contains '\"\"\"'" in result.stderr
    assert files(project) == before


def test_unusual_but_safe_ids_merge_and_alembic_loads_the_result(project: Path) -> None:
    odd = "ünï.cødé_1#{x}"
    forked(project, odd)
    result = run_cli(project, "merge-heads", "--strategy", "merge")
    assert result.returncode == 0, result.stderr
    [merge] = load_with_alembic(project)
    revision = alembic_script_directory(project).get_revision(merge)
    assert set(revision.down_revision) == {odd, "ccc333"}
