from __future__ import annotations

import json
from pathlib import Path

from support.repo import add_revision, alembic_cli, alembic_script_directory, run_cli


def test_check_is_clean_on_a_linear_history(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "second")
    result = run_cli(project, "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: alembic.ini: one head (bbb222)\n"


def test_check_names_both_heads_their_fork_and_the_fix(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "add invoices")
    add_revision(project, "ccc333", "aaa111", "add comments")
    result = run_cli(project, "check")
    assert result.returncode == 1
    assert "conflict: alembic.ini: 2 heads" in result.stdout
    assert "bbb222  add invoices  (migrations/versions/bbb222_add_invoices.py:" in result.stdout
    assert "they fork from aaa111 (first)" in result.stdout
    assert result.stdout.rstrip().endswith("fix: alembic-git merge-heads")
    failed = alembic_cli(project, "upgrade", "head")
    assert "Multiple head revisions" in failed.stdout + failed.stderr


def test_heads_prints_what_alembic_heads_prints(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111")
    add_revision(project, "ccc333", "aaa111")
    ours = run_cli(project, "heads")
    theirs = alembic_cli(project, "heads")
    assert ours.returncode == 0
    assert ours.stdout == theirs.stdout


def test_heads_json_has_the_heads_and_their_files(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "left")
    add_revision(project, "ccc333", "aaa111", "right")
    data = json.loads(run_cli(project, "heads", "--format", "json").stdout)
    assert [h["revision"] for h in data["heads"]] == alembic_script_directory(project).get_heads()
    assert [h["path"] for h in data["heads"]] == [
        "migrations/versions/bbb222_left.py",
        "migrations/versions/ccc333_right.py",
    ]
    assert data["status"] == "conflict"


def test_a_syntax_error_is_one_line_with_file_and_line(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    bad = project / "migrations/versions/bbb222_bad.py"
    bad.write_text("revision = 'bbb222'\ndown_revision = 'aaa111'\ndef (:\n", encoding="utf-8")
    result = run_cli(project, "check")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "alembic-git: error: migrations/versions/bbb222_bad.py:3: syntax error"
    )
    assert len(result.stderr.splitlines()) == 1


def test_a_global_option_after_the_command_gets_a_hint(project: Path) -> None:
    result = run_cli(project, "check", "-c", "alembic.ini")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "hint: -c is a global option: it goes before the command "
        "(alembic-git -c ... COMMAND), as with alembic"
    )


def test_an_unknown_section_is_named(project: Path) -> None:
    result = run_cli(project, "-n", "nosuch", "heads")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: alembic.ini: no section [nosuch] in this file; "
        "check the section name (-n) and the config file (-c)\n"
    )


def test_output_cut_short_by_a_pipe_is_not_a_conflict(project: Path) -> None:
    import signal
    import subprocess
    import sys

    add_revision(project, "aaa111", None, "first")
    # The reader goes away before anything is written, so the write must hit a closed pipe.
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_git", "graph"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == -signal.SIGPIPE  # ended quietly as git is; never exit 1
    assert err == ""
