"""The installed hook script believes only alembic-git's verdict, never an exit status alone;
and a hook that finds nothing to check says so instead of passing in silence.

Real ``git push`` runs against bare repositories on disk, with the hook installed by
``alembic-git hook install``; a broken interpreter is a real executable put in its place.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.hooks import diverge, hooks_dir, install, push, remote_sha, sha
from support.repo import add_revision, commit_all, git, init_project, run_cli

from alembic_git.hooks.install import script

ZERO = "0" * 40


def replace_interpreter(proj: Path, fake: Path) -> None:
    """Point the installed hook at ``fake`` instead of the Python that installed it."""
    hook = hooks_dir(proj) / "pre-push"
    text = hook.read_text(encoding="utf-8")
    assert f"PYTHON={sys.executable}\n" in text
    hook.write_text(text.replace(f"PYTHON={sys.executable}\n", f"PYTHON={fake}\n"), "utf-8")


def executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def path_without_alembic_git() -> str:
    return os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if not os.path.exists(f"{p}/alembic-git")
    )


# -- alembic-git itself fails: one line, the push goes on ------------------------------------


def test_an_interpreter_failing_at_start_up_does_not_refuse_a_push_in_block_mode(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    proj, remote = world
    diverge(proj)  # a real conflict: only a verdict may refuse it, not a crash
    install(proj, "--mode", "block")
    fake = executable(
        tmp_path / "python3",
        "#!/bin/sh\necho 'Fatal Python error: init_fs_encoding: failed to get the Python "
        "codec of the filesystem encoding' >&2\nexit 1\n",
    )
    replace_interpreter(proj, fake)
    result = push(proj, "origin", "feature", env={"PATH": path_without_alembic_git()})
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"alembic-git: warning: the pre-push check did not run: {fake} exited with status 1 "
        "without a verdict; the push goes on"
    )
    assert remote_sha(remote, "refs/heads/feature") == sha(proj, "feature")


def test_with_fail_on_error_a_failing_interpreter_refuses_the_push(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    proj, remote = world
    install(proj)
    replace_interpreter(proj, executable(tmp_path / "python3", "#!/bin/sh\nexit 1\n"))
    git(proj, "config", "alembic-git.failOnError", "true")
    result = push(proj, "origin", "main:other", env={"PATH": path_without_alembic_git()})
    assert result.returncode != 0
    assert (
        "alembic-git: error: the pre-push check did not run: " in result.stderr
        and "push refused (alembic-git.failOnError is set)" in result.stderr
    )
    assert remote_sha(remote, "refs/heads/other") is None


def test_alembic_git_killed_by_a_signal_lets_the_push_through_with_one_line(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    proj, remote = world
    diverge(proj)
    install(proj, "--mode", "block")
    # The real interpreter, killed while it runs (as the kernel's OOM killer would).
    fake = executable(
        tmp_path / "python3",
        f"#!/bin/sh\nexec {sys.executable} -c "
        "'import os, signal; os.kill(os.getpid(), signal.SIGKILL)' \"$@\"\n",
    )
    replace_interpreter(proj, fake)
    result = push(proj, "origin", "feature", env={"PATH": path_without_alembic_git()})
    assert result.returncode == 0
    assert result.stderr == (
        f"alembic-git: warning: the pre-push check did not run: {fake} was killed by signal 9; "
        "the push goes on\n"
    )
    assert remote_sha(remote, "refs/heads/feature") == sha(proj, "feature")


def test_out_of_memory_at_start_up_lets_the_push_through_with_one_line(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    """The real interpreter under a 10 MB address-space limit: it dies while starting
    ("Fatal Python error: ... MemoryError", exit 1), before alembic-git can say anything."""
    proj, remote = world
    diverge(proj)
    install(proj, "--mode", "block")
    fake = executable(
        tmp_path / "python3", f'#!/bin/sh\nulimit -v 10000\nexec {sys.executable} "$@"\n'
    )
    replace_interpreter(proj, fake)
    result = push(proj, "origin", "feature", env={"PATH": path_without_alembic_git()})
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("alembic-git: warning: the pre-push check ")
    assert result.stderr.endswith("the push goes on\n")
    assert remote_sha(remote, "refs/heads/feature") == sha(proj, "feature")


def test_the_shared_script_distrusts_a_failing_alembic_git_on_path(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    """hooks/pre-push (PATH only): a console script whose interpreter is broken exits 1."""
    proj, remote = world
    diverge(proj)
    hooks_dir(proj).mkdir(exist_ok=True)
    executable(hooks_dir(proj) / "pre-push", script("pre-push", None))
    git(proj, "config", "alembic-git.mode", "block")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable(bin_dir / "alembic-git", "#!/bin/sh\necho 'ModuleNotFoundError' >&2\nexit 1\n")
    env = {"PATH": f"{bin_dir}{os.pathsep}{path_without_alembic_git()}"}
    result = push(proj, "origin", "feature", env=env)
    assert result.returncode == 0
    assert result.stderr.endswith(
        "alembic-git: warning: the pre-push check did not run: alembic-git exited with status 1 "
        "without a verdict; the push goes on\n"
    )
    assert remote_sha(remote, "refs/heads/feature") == sha(proj, "feature")
    # The real alembic-git on PATH gives a verdict, and block mode refuses.
    real = bin_dir / "alembic-git"
    executable(real, f'#!/bin/sh\nexec {sys.executable} -m alembic_git "$@"\n')
    git(proj, "checkout", "-q", "-b", "second", "feature")
    refused = push(proj, "origin", "second", env=env)
    assert refused.returncode != 0
    assert "alembic-git: push refused (block mode, from git config alembic-git.mode)" in (
        refused.stderr
    )
    assert remote_sha(remote, "refs/heads/second") is None


# -- real verdicts: conflict, ok, error in warn / block / failOnError --------------------------


@pytest.mark.parametrize(
    ("mode", "fail_on_error", "case", "refused"),
    [
        ("warn", False, "conflict", False),
        ("block", False, "conflict", True),
        ("block", False, "ok", False),
        ("block", False, "error", False),
        ("warn", True, "error", True),
        ("block", True, "ok", False),
    ],
)
def test_the_verdict_decides_the_push(
    world: tuple[Path, Path], mode: str, fail_on_error: bool, case: str, refused: bool
) -> None:
    proj, remote = world
    diverge(proj)  # feature conflicts with origin/main
    if case == "ok":
        git(proj, "checkout", "-q", "-b", "ok", "main")
        add_revision(proj, "ddd444", "ccc333", "on top")
        commit_all(proj, "one head")
    elif case == "error":
        git(proj, "checkout", "-q", "-b", "error", "main")
        (proj / "migrations/versions/bad.py").write_text("revision = (\n", encoding="utf-8")
        commit_all(proj, "a broken revision file")
    branch = {"ok": "ok", "error": "error", "conflict": "feature"}[case]
    install(proj, "--mode", mode)
    if fail_on_error:
        git(proj, "config", "alembic-git.failOnError", "true")
    result = push(proj, "origin", branch)
    assert (result.returncode != 0) == refused, result.stderr
    assert (remote_sha(remote, f"refs/heads/{branch}") is None) == refused
    assert "did not run" not in result.stderr  # every one of these is a real verdict
    if case == "ok":
        assert result.stderr == ""


def test_the_hook_command_hands_its_verdict_to_the_file_descriptor(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    diverge(proj)
    line = f"refs/heads/feature {sha(proj, 'feature')} refs/heads/feature {ZERO}\n"
    for args, expected in (((), "conflict 0;"), (("--mode", "block"), "conflict 1;")):
        read, write = os.pipe()
        proc = subprocess.run(
            [sys.executable, "-m", "alembic_git", "hook", "pre-push", *args, "origin", "url"],
            cwd=proj,
            input=line,
            capture_output=True,
            text=True,
            env={**os.environ, "ALEMBIC_GIT_VERDICT_FD": str(write)},
            pass_fds=(write,),
            check=False,
        )
        os.close(write)
        with os.fdopen(read, "rb") as f:
            assert (f.read().decode(), proc.returncode) == (expected, int(expected[-2]))


# -- nothing to check is an error, never a silent pass ----------------------------------------


def no_alembic_repo(tmp_path: Path) -> Path:
    proj = tmp_path / "plain"
    proj.mkdir()
    git(proj, "init", "-q")
    (proj / "README").write_text("hello\n", encoding="utf-8")
    commit_all(proj, "no alembic here")
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "remote.git"))
    git(proj, "remote", "add", "origin", str(tmp_path / "remote.git"))
    return proj


def test_a_repository_without_alembic_gets_one_note_at_install_and_one_warning_per_push(
    tmp_path: Path,
) -> None:
    proj = no_alembic_repo(tmp_path)
    installed = install(proj, "--mode", "block")
    assert installed.stdout.splitlines()[-1] == (
        "alembic-git: note: no Alembic environment in this repository (HEAD) yet: the hook is "
        "installed and each push says, in one warning, that nothing was checked until one is "
        "added (a config built in code: install with -c FILE or --version-location DIR)"
    )
    assert (hooks_dir(proj) / "pre-push").exists()
    result = push(proj, "origin", "main")
    assert result.returncode == 0
    assert result.stderr == (
        "alembic-git: warning: the pre-push check failed, the push goes on: main: no Alembic "
        "environment in main (no alembic.ini with a script_location nor pyproject.toml with "
        "[tool.alembic] anywhere in it): nothing was checked; if the config is built in code, "
        "install the hook with -c FILE or --version-location DIR\n"
    )
    git(proj, "config", "alembic-git.failOnError", "true")
    git(proj, "commit", "-q", "--allow-empty", "-m", "more")
    refused = push(proj, "origin", "main")
    assert refused.returncode != 0
    assert "push refused (alembic-git.failOnError is set" in refused.stderr


def test_a_branch_that_loses_its_versions_folder_is_an_error_not_ok(
    world: tuple[Path, Path],
) -> None:
    proj, remote = world
    install(proj, "--mode", "block")
    git(proj, "checkout", "-q", "-b", "gone")
    git(proj, "rm", "-rq", "migrations")
    commit_all(proj, "the environment moved away")
    result = push(proj, "origin", "gone")
    assert result.returncode == 0
    assert result.stderr.startswith(
        "alembic-git: warning: the pre-push check failed, the push goes on: "
    )
    assert len(result.stderr.splitlines()) == 1
    git(proj, "config", "alembic-git.failOnError", "true")
    refused = push(proj, "origin", "gone:gone2")
    assert refused.returncode != 0
    assert remote_sha(remote, "refs/heads/gone2") is None


def test_a_pushed_sha_that_does_not_exist_is_an_error_under_fail_on_error(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    missing = "1234567890" * 4
    line = f"refs/heads/feature {missing} refs/heads/feature {ZERO}\n"
    warned = run_cli(proj, "hook", "pre-push", "origin", "url", input=line)
    assert (warned.returncode, len(warned.stderr.splitlines())) == (0, 1)
    assert f"{missing!r} is not a commit in this repository" in warned.stderr
    strict = run_cli(proj, "hook", "pre-push", "--fail-on-error", "origin", "url", input=line)
    assert strict.returncode == 2
    _, remote = world
    receive = f"{ZERO} {missing} refs/heads/main\n"
    env = {"GIT_DIR": str(remote)}
    got = run_cli(remote, "hook", "pre-receive", "--fail-on-error", input=receive, env=env)
    assert got.returncode == 2
    assert f"{missing!r} is not a commit in this repository" in got.stderr


# -- what install says it protects; pre-receive on an unborn HEAD ------------------------------


def test_install_says_which_environments_and_target_it_protects(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    assert install(proj).stdout.splitlines()[-1] == (
        "alembic-git: checks each pushed branch merged into the default branch of the remote "
        "(origin: origin/main); environments (in HEAD): alembic.ini"
    )
    git(proj, "config", "alembic-git.target", "origin/release")
    assert install(proj).stdout.splitlines()[-1] == (
        "alembic-git: checks each pushed branch merged into origin/release (git config "
        "alembic-git.target); environments (in HEAD): alembic.ini"
    )


def test_pre_receive_on_a_bare_repository_with_an_unborn_head_protects_main(
    tmp_path: Path,
) -> None:
    remote = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "--initial-branch=master", str(remote))
    installed = install(remote)
    assert installed.stdout.splitlines()[-1] == (
        "alembic-git: protects master, main (HEAD names master, which does not exist, nor does "
        "main or master yet: whichever the first push creates); no commit yet: each push is "
        "read for its Alembic environments"
    )
    proj = init_project(tmp_path / "proj")
    add_revision(proj, "aaa111", None, "first")
    commit_all(proj, "first")
    git(proj, "remote", "add", "origin", str(remote))
    assert push(proj, "origin", "main").returncode == 0
    assert install(remote).stdout.splitlines()[-1] == (
        "alembic-git: protects main (HEAD names master, which does not exist; main exists); "
        "environments (in main): alembic.ini"
    )
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "two heads")
    refused = push(proj, "origin", "main")
    assert refused.returncode != 0
    assert "remote: alembic-git: refusing the push to main" in refused.stderr
