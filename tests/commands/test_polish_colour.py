"""Colour on a terminal: verdicts and fix commands coloured for people at a terminal, never
in a pipe, with ``NO_COLOR``, or in a CI log, unless ``--color always``."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from support.repo import add_revision, commit_all, git, init_project, run_cli

from alembic_git.report.colour import colour

ESC = "\x1b["
RED_CONFLICT = "\x1b[31m\x1b[1mconflict\x1b[0m"
GREEN_OK = "\x1b[32m\x1b[1mok\x1b[0m"


def plain_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "FORCE_COLOR")}
    env.update(extra)
    return env


def on_a_terminal(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run alembic-git with stdout and stderr on a pseudo-terminal; what it printed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_git", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env or plain_env(),
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode()


@pytest.fixture
def forked(project: Path) -> Path:
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "bbb222", "aaa111", "left")
    add_revision(project, "ccc333", "aaa111", "right")
    return project


def test_check_on_a_terminal_is_coloured(forked: Path) -> None:
    out = on_a_terminal(forked, "check")
    assert RED_CONFLICT in out
    assert "fix: \x1b[36m\x1b[1malembic-git merge-heads\x1b[0m" in out


def test_ok_on_a_terminal_is_green(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    assert GREEN_OK in on_a_terminal(project, "check")


@pytest.mark.parametrize("variable", ["NO_COLOR", "CI"])
def test_no_colour_on_a_terminal_with_no_color_or_in_ci(forked: Path, variable: str) -> None:
    out = on_a_terminal(forked, "check", env=plain_env(**{variable: ""}))
    assert "conflict: alembic.ini: 2 heads" in out
    assert ESC not in out


def test_never_on_a_terminal_is_plain(forked: Path) -> None:
    out = on_a_terminal(forked, "--color", "never", "check")
    assert "conflict: alembic.ini" in out and ESC not in out


def test_a_pipe_gets_plain_text_unless_forced(forked: Path) -> None:
    piped = run_cli(forked, "check", env=plain_env())
    assert piped.returncode == 1
    assert piped.stdout.startswith("conflict: alembic.ini: 2 heads") and ESC not in piped.stdout
    forced = run_cli(forked, "--color", "always", "check", env=plain_env(NO_COLOR="1", CI="1"))
    assert forced.returncode == 1
    assert forced.stdout.startswith(RED_CONFLICT)
    json = run_cli(forked, "--color", "always", "check", "--format", "json")
    assert ESC not in json.stdout  # only the text report is coloured


def diverged(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    proj = init_project(tmp_path / "proj")
    add_revision(proj, "aaa111", None, "first")
    commit_all(proj, "first")
    git(proj, "remote", "add", "origin", str(remote))
    git(proj, "push", "-q", "-u", "origin", "main")
    git(proj, "remote", "set-head", "origin", "main")
    git(proj, "checkout", "-q", "-b", "feature")
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    commit_all(proj, "invoices")
    git(proj, "checkout", "-q", "main")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "comments")
    git(proj, "push", "-q", "origin", "main", "feature")
    git(proj, "checkout", "-q", "feature")
    return proj


def test_check_against_forecast_and_the_hook_are_coloured_on_a_terminal(tmp_path: Path) -> None:
    proj = diverged(tmp_path)
    assert RED_CONFLICT in on_a_terminal(proj, "check", "--against")
    assert "\x1b[31m\x1b[1mconflict\x1b[0m" in on_a_terminal(proj, "forecast")
    sha = git(proj, "rev-parse", "feature").strip()
    line = f"refs/heads/feature {sha} refs/heads/feature {'0' * 40}\n"
    hook = run_cli(proj, "--color", "always", "hook", "pre-push", "origin", "url", input=line)
    assert RED_CONFLICT in hook.stderr
    plain = run_cli(proj, "hook", "pre-push", "origin", "url", input=line, env=plain_env())
    assert "conflict" in plain.stderr and ESC not in plain.stderr


def test_colour_marks_only_verdicts_and_commands() -> None:
    text = "conflict: env: 2 heads\n  bbb222  left\nfix: alembic-git merge-heads\nok: other: 1 head"
    lines = colour(text).split("\n")
    assert lines[0].startswith(RED_CONFLICT)
    assert lines[1] == "  bbb222  left"
    assert lines[2] == "fix: \x1b[36m\x1b[1malembic-git merge-heads\x1b[0m"
    assert lines[3].startswith(GREEN_OK)
