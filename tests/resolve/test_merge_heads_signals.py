"""merge-heads is all or nothing under SIGINT, SIGTERM and SIGKILL.

A real ``alembic-git merge-heads --strategy rebase`` process rewrites 1,000 revision
files (1,001 heads forking from one base: each of the branch's revisions is stacked on
the one before); it is signalled while it writes, and every file is compared, by hash,
with what it was before.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.repo import add_revision, commit_all, git, run_cli

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import Selection
from alembic_git.workspace import Workspace

pytestmark = pytest.mark.slow  # real processes rewriting 1,000 files, killed

V = "migrations/versions"
COUNT = 1000


@pytest.fixture
def many(project: Path) -> Path:
    """``feature`` adds COUNT revisions on aaa000 and has merged main's bbb000."""
    add_revision(project, "aaa000", None, "base")
    commit_all(project, "base")
    git(project, "checkout", "-q", "-b", "feature")
    for i in range(COUNT):
        add_revision(project, f"f{i:05x}", "aaa000", f"feature {i}")
    commit_all(project, "feature: many revisions")
    git(project, "checkout", "-q", "main")
    add_revision(project, "bbb000", "aaa000", "main")
    commit_all(project, "main")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    return project


def hashes(project: Path) -> dict[str, str]:
    """Every file under migrations/ (temporary files included), by its content's hash."""
    return {
        str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((project / "migrations").rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def journal(project: Path) -> Path:
    return project / ".git" / "alembic-git" / "journal"


def start(project: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "alembic_git", "merge-heads", "--strategy", "rebase"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            _, err = proc.communicate()
            raise AssertionError(f"never saw {what} (exit {proc.returncode}): {err}")
        time.sleep(0.001)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_writing_restores_every_file(many: Path, signum: int) -> None:
    before = hashes(many)
    proc = start(many)
    wait_for(journal(many).exists, proc, "the journal")  # the writing has begun
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    name = signal.Signals(signum).name
    assert (proc.returncode, err) == (
        2,
        f"alembic-git: error: interrupted by {name} while writing; every file was restored; "
        "nothing changed on disk\n",
    )
    assert hashes(many) == before  # not one file rewritten, no temporary file left
    assert not journal(many).exists()


def test_a_signal_after_the_renames_restores_every_file(
    many: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT arrives once every file is renamed (during the verification): all restored."""
    from alembic_git.commands.merge_heads import run

    before = hashes(many)
    changed: list[int] = []

    def verifier(env: object, graph: object) -> list[str]:
        changed.append(sum(before[k] != v for k, v in hashes(many).items() if k in before))
        os.kill(os.getpid(), signal.SIGINT)
        return []

    monkeypatch.chdir(many)
    ws = Workspace.here(Selection())
    with pytest.raises(AlembicGitError, match="interrupted by SIGINT while writing"):
        run(ws, strategy="rebase", verifier=verifier)
    ws.close()
    assert changed == [COUNT]  # every file had been rewritten when the signal came
    assert hashes(many) == before
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_after_sigkill_between_renames_the_next_run_rolls_back_and_says_so(many: Path) -> None:
    before = hashes(many)
    first = many / V / "f00001_feature_1.py"  # the first file rewritten
    proc = start(many)
    wait_for(
        lambda: hashlib.sha256(first.read_bytes()).hexdigest() != before[f"{V}/{first.name}"],
        proc,
        "the first rename",
    )
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert journal(many).exists()
    left = hashes(many)
    rewritten = sum(left.get(k) != v for k, v in before.items())
    assert rewritten > 0  # files as it left them (and maybe temporary files)
    print(f"SIGKILL left {rewritten} of {COUNT} files rewritten")

    result = run_cli(many, "check")
    assert result.stderr.startswith(
        "alembic-git: an earlier merge-heads was interrupted while writing "
        f"({journal(many)}): rolled back, "
    )
    assert hashes(many) == before  # every file back, no temporary file left
    assert not journal(many).exists()
    assert result.returncode == 1  # and the check sees the heads as they were
    again = run_cli(many, "merge-heads", "--strategy", "rebase")
    assert again.returncode == 0, again.stderr
    assert "interrupted" not in again.stderr


def test_a_file_edited_since_the_crash_is_left_alone_and_named(many: Path) -> None:
    before = hashes(many)
    first = many / V / "f00001_feature_1.py"
    proc = start(many)
    wait_for(
        lambda: hashlib.sha256(first.read_bytes()).hexdigest() != before[f"{V}/{first.name}"],
        proc,
        "the first rename",
    )
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    first.write_text(first.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    result = run_cli(many, "merge-heads", "--dry-run")
    assert (
        f"alembic-git: warning: {V}/f00001_feature_1.py changed since the interrupted run: left "
        "as it is (check it with git diff)\n"
    ) in result.stderr
    after = hashes(many)
    assert after[f"{V}/{first.name}"] != before[f"{V}/{first.name}"]
    del after[f"{V}/{first.name}"], before[f"{V}/{first.name}"]
    assert after == before
