"""``check --format github`` and error messages when the repository's text is hostile.

A branch label, a message or a revision id holding a newline and ``::error ...``
must not become a workflow command of its own.  The real CLI runs on a real
repository; its output is read line by line as the Actions runner reads it:
after the leading whitespace, a line starting with ``::`` is a command, and the
older ``##[command]`` form is found anywhere in a line.
"""

from __future__ import annotations

import re
from pathlib import Path

from support.hostile import WORKFLOW_COMMAND, write_revision
from support.repo import commit_all, git, run_cli

ANNOTATION = re.compile(
    r"::error file=migrations/versions/[\w.%]+,line=\d+,title=Multiple Alembic heads::[^\r\n]*"
)
TOKEN = re.compile(r"[0-9a-f]{32}")


def commands(output: str) -> list[str]:
    """The lines the runner would execute: ``::`` lines outside a stop-commands guard
    (and the line that ends it), plus any line holding ``##[``."""
    found, stopped = [], None
    for line in output.splitlines():
        text = line.lstrip()
        if stopped is not None:
            if text == f"::{stopped}::":
                stopped = None
            elif "##[" in text:  # the runner still parses it (to find the resume token)
                found.append(line)
            continue
        if text.startswith("::stop-commands::"):
            stopped = text[len("::stop-commands::") :]
            assert TOKEN.fullmatch(stopped), line
            continue
        if text.startswith("::") or "##[" in text:
            found.append(line)
    assert stopped is None, "the guard is never lifted"
    return found


def labelled_fork(project: Path, label: str, message: str = "a revision") -> None:
    """Two heads under the one branch label ``label``: a conflict."""
    write_revision(project, "aaa111_base", "aaa111", None, labels=[label], message=message)
    write_revision(project, "bbb222_left", "bbb222", "aaa111", message=message)
    write_revision(project, "ccc333_right", "ccc333", "aaa111", message=message)


def test_a_label_with_a_newline_and_a_command_adds_no_command(project: Path) -> None:
    hostile = WORKFLOW_COMMAND + "\r\n##[error]pwned too %0A"
    labelled_fork(project, hostile, message="100% done\n::warning::pwned ##[warning]x")
    result = run_cli(project, "check", "--format", "github")
    assert result.returncode == 1, result.stderr
    found = commands(result.stdout)
    assert len(found) == 2 and all(ANNOTATION.fullmatch(line) for line in found), found
    assert "README.md" not in "".join(found)
    # Nor is the text: outside the guard or not, no line starts with the label's payload.
    assert not [ln for ln in result.stdout.splitlines() if ln.lstrip().startswith("::error file=R")]
    assert r"x\n::error file=README.md::pwned\r\n##\[error]pwned too %0A" in result.stdout


def test_check_against_a_target_adds_no_command(project: Path) -> None:
    write_revision(project, "aaa111_base", "aaa111", None, labels=[WORKFLOW_COMMAND])
    commit_all(project, "base")
    git(project, "checkout", "-q", "-b", "feature")
    write_revision(project, "ccc333_feature", "ccc333", "aaa111", message=WORKFLOW_COMMAND)
    commit_all(project, "feature")
    git(project, "checkout", "-q", "main")
    write_revision(project, "bbb222_main", "bbb222", "aaa111", message=WORKFLOW_COMMAND)
    commit_all(project, "main")
    git(project, "checkout", "-q", "feature")
    result = run_cli(project, "check", "--against", "main", "--format", "github")
    assert result.returncode == 1, result.stderr
    found = commands(result.stdout)
    assert len(found) == 2 and all(ANNOTATION.fullmatch(line) for line in found), found
    assert "fix with: git merge main && alembic-git merge-heads" in found[0]


def test_annotation_data_and_properties_are_escaped_by_githubs_rules(project: Path) -> None:
    write_revision(project, "aaa111_base", "aaa111", None)
    write_revision(project, "bbb222_a,b:c%d", "b%0Ax", "aaa111")
    write_revision(project, "ccc333_right", "ccc333", "aaa111")
    result = run_cli(project, "check", "--format", "github")
    [first, _] = commands(result.stdout)
    assert first == (
        "::error file=migrations/versions/bbb222_a%2Cb%3Ac%25d.py,line=4,"
        "title=Multiple Alembic heads::alembic.ini: revision b%250Ax is one of 2 heads "
        "(b%250Ax, ccc333); fix with: alembic-git merge-heads"
    )


def test_an_error_quoting_a_multi_line_id_is_one_line(project: Path) -> None:
    rev = "x\n##[error]pwned\n"  # no ":" (Alembic bans it in ids), but a command still
    write_revision(project, "aaa111_base", rev, rev)  # names itself: an error that quotes it
    result = run_cli(project, "check", "--format", "github")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: migrations/versions/aaa111_base.py:5: revision x\\n##\\[error]pwned"
        "\\n names itself as its down_revision\n"
    )
    assert commands(result.stderr) == []
