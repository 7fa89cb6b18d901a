"""The post-checkout hook, installed and run by a real ``git switch``."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from support.dbproject import add_main_revision, switch_scene
from support.paths import ROOT
from support.repo import git, run_cli


def _switch(project: Path, *args: str, url: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run(
        ["git", "switch", *args], cwd=project, capture_output=True, text=True, env=env,
        check=False,
    )


def _installed(tmp_path: Path) -> Path:
    project = switch_scene(tmp_path)
    proc = run_cli(project, "hook", "install", "--hook-type", "post-checkout")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("alembic-git: installed the post-checkout hook: ")
    return project


def test_switching_away_from_the_branch_that_ran_it_warns_once(tmp_path: Path) -> None:
    project = _installed(tmp_path)
    git(project, "switch", "-q", "feature")  # the database is at feature's head: silent
    before = (project / "app.db").read_bytes()
    proc = _switch(project, "main")
    assert proc.returncode == 0
    db = project / "app.db"
    assert [line for line in proc.stderr.splitlines() if "Switched" not in line] == [
        f"alembic-git (post-checkout): your database sqlite:///{db} is orphaned: this branch "
        "will fail with \"Can't locate revision identified by 'ffff0002'\"",
        "  it ran 2 revisions this branch does not have (newest first):",
        "    ffff0002  add feature two  (in feature)",
        "    ffff0001  add feature  (in feature)",
        "  to fix: alembic-git db sync",
        "     or: git switch feature && alembic downgrade aaaa0001 && git switch -",
    ]
    assert db.read_bytes() == before  # never changes the database


def test_silent_when_all_is_well_on_file_checkouts_and_on_the_same_commit(
    tmp_path: Path,
) -> None:
    project = _installed(tmp_path)
    proc = _switch(project, "feature")  # the database is at feature's head
    assert "alembic-git" not in proc.stderr, proc.stderr
    proc = _switch(project, "-c", "feature-copy")  # same commit (flag 1, PREV == NEW)
    assert "alembic-git" not in proc.stderr, proc.stderr
    git(project, "switch", "-q", "main")
    (project / "alembic.ini").write_text("changed", encoding="utf-8")
    proc = subprocess.run(
        ["git", "checkout", "--", "alembic.ini"], cwd=project, capture_output=True, text=True,
        env=dict(os.environ, DATABASE_URL=""), check=False,
    )  # a file checkout (flag 0)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_diverged_after_main_moves_on(tmp_path: Path) -> None:
    project = _installed(tmp_path)
    add_main_revision(project)
    git(project, "switch", "-q", "feature")
    proc = _switch(project, "main")
    assert "is diverged: this branch will fail" in proc.stderr
    assert "alembic upgrade heads" in proc.stderr


def test_an_unreachable_database_is_one_quiet_line_within_the_timeout(tmp_path: Path) -> None:
    project = _installed(tmp_path)
    git(project, "switch", "-q", "feature")
    started = time.monotonic()
    proc = _switch(project, "main", url="postgresql://app:s3cret@10.255.255.1:5432/app")
    elapsed = time.monotonic() - started
    assert proc.returncode == 0
    lines = [line for line in proc.stderr.splitlines() if "Switched" not in line]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(
        "alembic-git (post-checkout): database postgresql://app:***@10.255.255.1:5432/app "
    )
    assert "s3cret" not in proc.stderr
    assert elapsed < 10, elapsed


def test_a_server_that_never_answers_costs_the_connect_timeout_only(tmp_path: Path) -> None:
    import socket

    project = _installed(tmp_path)
    git(project, "switch", "-q", "feature")
    with socket.socket() as silent:  # accepts connections (backlog), never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        proc = _switch(project, "main", url=f"postgresql+psycopg://app@127.0.0.1:{port}/app")
        elapsed = time.monotonic() - started
    assert proc.returncode == 0
    assert f"127.0.0.1:{port}/app not reachable: not checked" in proc.stderr, proc.stderr
    assert 1.5 < elapsed < 8, elapsed


def test_a_hook_that_was_there_is_kept_and_runs_first(tmp_path: Path) -> None:
    project = switch_scene(tmp_path)
    hook = project / ".git" / "hooks" / "post-checkout"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text('#!/bin/sh\necho "theirs $3" >> "$(git rev-parse --git-dir)/ran"\n', "utf-8")
    hook.chmod(0o755)
    proc = run_cli(project, "hook", "install", "--hook-type", "post-checkout")
    assert "kept the post-checkout hook that was there as post-checkout.legacy" in proc.stdout
    git(project, "switch", "-q", "feature")
    proc = _switch(project, "main")
    assert (project / ".git" / "ran").read_text("utf-8") == "theirs 1\ntheirs 1\n"
    assert "is orphaned: this branch will fail" in proc.stderr
    proc = run_cli(project, "hook", "uninstall", "--hook-type", "post-checkout")
    assert proc.returncode == 0
    assert hook.read_text("utf-8").startswith("#!/bin/sh\necho")


def test_the_shipped_post_checkout_script_is_the_installed_one_without_python() -> None:
    from alembic_git.hooks.install import script

    path = ROOT / "hooks" / "post-checkout"
    assert path.read_text(encoding="utf-8") == script("post-checkout", None)
    assert os.access(path, os.X_OK)


def test_pre_commit_variables_stand_for_the_arguments_and_none_is_an_error(
    tmp_path: Path,
) -> None:
    project = switch_scene(tmp_path)
    main_sha, feature_sha = git(project, "rev-parse", "main"), git(project, "rev-parse", "feature")
    env = {
        "DATABASE_URL": "",
        "PRE_COMMIT_FROM_REF": feature_sha,
        "PRE_COMMIT_TO_REF": main_sha,
        "PRE_COMMIT_CHECKOUT_TYPE": "1",
    }
    proc = run_cli(project, "hook", "post-checkout", env=env)
    assert proc.returncode == 0
    assert "is orphaned: this branch will fail" in proc.stderr
    proc = run_cli(project, "hook", "post-checkout", env={**env, "PRE_COMMIT_CHECKOUT_TYPE": "0"})
    assert (proc.returncode, proc.stderr) == (0, "")
    proc = run_cli(project, "hook", "post-checkout", env={"DATABASE_URL": ""})
    assert proc.returncode == 2
    assert "hook post-checkout needs git's three arguments: PREV NEW FLAG" in proc.stderr
