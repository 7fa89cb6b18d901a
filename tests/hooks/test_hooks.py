"""The git hooks, through real ``git push`` runs against bare repositories on disk."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.hooks import ZERO, diverge, hooks_dir, install, push, remote_sha, sha
from support.paths import ROOT, snapshot_working_tree
from support.repo import add_revision, commit_all, git, run_cli

from alembic_git.hooks.install import script


def expected_warning(proj: Path) -> str:
    return (
        f"alembic-git: pushing feature ({sha(proj, 'feature')[:10]}) to origin:\n"
        "target: origin/main (the default branch of remote 'origin')\n"
        "conflict: alembic.ini: merging feature into origin/main gives 2 heads "
        "(`alembic upgrade head` would fail: multiple head revisions)\n"
        f"  bbb222  add invoices  [this branch, added in {sha(proj, 'feature')[:10]}]  "
        "(migrations/versions/bbb222_add_invoices.py:15)\n"
        f"  ccc333  add comments  [origin/main, added in {sha(proj, 'main')[:10]}]  "
        "(migrations/versions/ccc333_add_comments.py:15)\n"
        "  they fork from aaa111 (first)\n"
        "fix: git merge origin/main && alembic-git merge-heads\n"
    )


# -- pre-push: warn, block, quiet -------------------------------------------------------------


def test_warn_mode_explains_the_conflict_and_lets_the_push_through(
    world: tuple[Path, Path],
) -> None:
    proj, remote = world
    diverge(proj)
    assert "installed the pre-push hook" in install(proj).stdout
    result = push(proj, "origin", "feature")
    assert result.returncode == 0
    assert result.stderr == expected_warning(proj) + (
        "alembic-git: the push goes on (warn mode); to refuse such pushes: "
        "git config alembic-git.mode block\n"
    )
    assert remote_sha(remote, "refs/heads/feature") == sha(proj, "feature")


def test_block_mode_refuses_the_push_and_says_how_to_bypass(world: tuple[Path, Path]) -> None:
    proj, remote = world
    diverge(proj)
    assert "block mode (--mode)" in install(proj, "--mode", "block").stdout
    result = push(proj, "origin", "feature")
    assert result.returncode != 0
    assert result.stderr.startswith(expected_warning(proj))
    assert (
        "alembic-git: push refused (block mode, from --mode): merge the heads as shown and push "
        "again, or push anyway with: git push --no-verify\n"
    ) in result.stderr
    assert remote_sha(remote, "refs/heads/feature") is None
    assert push(proj, "--no-verify", "origin", "feature").returncode == 0
    assert remote_sha(remote, "refs/heads/feature") == sha(proj, "feature")


def test_a_clean_push_prints_nothing(world: tuple[Path, Path]) -> None:
    proj, _ = world
    install(proj, "--mode", "block")
    git(proj, "checkout", "-q", "-b", "feature")
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    commit_all(proj, "invoices")
    result = push(proj, "origin", "feature")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_hook_on_revisions_seen_before_does_not_import_networkx(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    diverge(proj)
    line = f"refs/heads/feature {sha(proj, 'feature')} refs/heads/feature {ZERO}\n"
    env = {"PYTHONPROFILEIMPORTTIME": "1"}  # a fresh interpreter's imports: a real process
    cold = run_cli(proj, "hook", "pre-push", "origin", "url", input=line, env=env, process=True)
    assert "networkx" in cold.stderr  # the first push builds the graphs (and their verdicts)
    result = run_cli(proj, "hook", "pre-push", "origin", "url", input=line, env=env, process=True)
    assert "alembic_git.hooks.prepush" in result.stderr  # the report of imports is there
    assert "networkx" not in result.stderr
    # ... on a push that went through the whole comparison and reported the conflict.
    assert result.returncode == 0
    assert "gives 2 heads" in result.stderr and "fix: git merge origin/main" in result.stderr


def test_mode_comes_from_flags_then_git_config_then_pyproject(world: tuple[Path, Path]) -> None:
    proj, _ = world
    diverge(proj)
    line = f"refs/heads/feature {sha(proj, 'feature')} refs/heads/feature {ZERO}\n"

    def hook(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(proj, "hook", "pre-push", *args, "origin", "url", input=line)

    assert hook().returncode == 0
    (proj / "pyproject.toml").write_text('[tool.alembic-git]\nmode = "block"\n', encoding="utf-8")
    blocked = hook()
    assert blocked.returncode == 1
    assert "(block mode, from pyproject.toml [tool.alembic-git] mode)" in blocked.stderr
    git(proj, "config", "alembic-git.mode", "warn")
    assert hook().returncode == 0
    assert hook("--mode", "block").returncode == 1
    git(proj, "config", "alembic-git.target", "main")  # the local main: same heads
    assert "target: main (git config alembic-git.target)" in hook("--mode", "block").stderr


def test_pushing_the_target_branch_checks_the_pushed_commit_alone(world: tuple[Path, Path]) -> None:
    proj, remote = world
    install(proj)
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "two heads on main")
    result = push(proj, "origin", "main")
    assert result.returncode == 0
    assert result.stderr.splitlines()[:2] == [
        f"alembic-git: pushing main ({sha(proj, 'main')[:10]}) to origin: main has conflicting "
        "Alembic heads (origin/main is the target branch itself: checked the pushed commit alone)",
        "conflict: alembic.ini: 2 heads (`alembic upgrade head` will fail with "
        '"Multiple head revisions are present")',
    ]
    assert "fix: alembic-git merge-heads\n" in result.stderr
    assert remote_sha(remote, "refs/heads/main") == sha(proj, "main")


def test_without_a_default_branch_on_the_remote_the_commit_is_checked_alone(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    proj, _ = world
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "empty.git"))
    git(proj, "remote", "add", "empty", str(tmp_path / "empty.git"))
    install(proj, "--mode", "block")
    git(proj, "checkout", "-q", "-b", "feature")
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    commit_all(proj, "one head")
    assert push(proj, "empty", "feature").stderr == ""
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "two heads")
    result = push(proj, "empty", "feature")
    assert result.returncode != 0
    assert (
        "(empty has no default branch here (no empty/HEAD, empty/main or empty/master): "
        "checked the pushed commit alone)"
    ) in result.stderr
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    result = push(proj, str(other), "feature")
    assert f"({other} is not a configured remote: checked the pushed commit alone)" in result.stderr


def test_branch_deletions_and_tags_are_not_checked(world: tuple[Path, Path]) -> None:
    proj, remote = world
    diverge(proj)
    assert push(proj, "--no-verify", "origin", "feature").returncode == 0
    add_revision(proj, "ddd444", "aaa111", "a third head")
    commit_all(proj, "two heads on feature alone")
    git(proj, "tag", "v1")
    install(proj, "--mode", "block")
    tag = push(proj, "origin", "v1")
    assert (tag.returncode, tag.stderr) == (0, "")
    deletion = push(proj, "origin", ":feature")
    assert (deletion.returncode, deletion.stderr) == (0, "")
    assert remote_sha(remote, "refs/heads/feature") is None
    assert remote_sha(remote, "refs/tags/v1") == sha(proj, "v1")


def test_several_refs_in_one_push_are_each_checked(world: tuple[Path, Path]) -> None:
    proj, remote = world
    diverge(proj)
    git(proj, "checkout", "-q", "-b", "clean", "main")
    add_revision(proj, "eee555", "ccc333", "on top of main")
    commit_all(proj, "clean")
    install(proj, "--mode", "block")
    result = push(proj, "origin", "clean", "feature")
    assert result.returncode != 0
    assert "pushing feature" in result.stderr
    assert "pushing clean" not in result.stderr
    assert remote_sha(remote, "refs/heads/clean") is None  # git refuses the whole push
    assert push(proj, "origin", "clean").stderr == ""


def test_a_push_that_also_updates_the_target_is_compared_with_what_it_pushes(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    git(proj, "checkout", "-q", "-b", "feature")
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    commit_all(proj, "invoices")
    git(proj, "checkout", "-q", "main")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "comments (not pushed yet)")
    install(proj)
    result = push(proj, "origin", "main", "feature")
    assert "target: main (what this push sends to origin/main)" in result.stderr
    assert "fix: git switch feature && git merge main && alembic-git merge-heads" in result.stderr


def test_quick_verdicts_stay_quiet_and_a_repointed_revision_is_still_reported(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    install(proj, "--mode", "block")
    git(proj, "checkout", "-q", "-b", "docs")
    (proj / "README").write_text("no migrations here\n", encoding="utf-8")
    commit_all(proj, "docs only")
    git(proj, "checkout", "-q", "main")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "comments")
    git(proj, "push", "-q", "origin", "main")
    git(proj, "checkout", "-q", "-b", "behind")
    add_revision(proj, "ddd444", "ccc333", "on top of main")
    commit_all(proj, "a revision on main's head")
    git(proj, "checkout", "-q", "main")
    (proj / "NEWS").write_text("main moved on\n", encoding="utf-8")
    commit_all(proj, "news")
    git(proj, "push", "-q", "origin", "main")
    for branch in ("docs", "behind"):  # untouched folders; only an added file, merged
        result = push(proj, "origin", branch)
        assert (branch, result.returncode, result.stderr) == (branch, 0, "")
    git(proj, "checkout", "-q", "-b", "repoint")
    add_revision(proj, "eee555", "aaa111", "slipped in below")
    add_revision(proj, "ccc333", "eee555", "add comments")  # rewrites the published file
    commit_all(proj, "re-point a published revision")
    git(proj, "checkout", "-q", "main")  # pushed from elsewhere: the fix starts by switching
    result = push(proj, "origin", "repoint")
    assert result.returncode == 1
    assert "a published revision was re-pointed" in result.stderr
    # The switch goes before commands only, never into the prose of a fix.
    assert "\nfix: restore down_revision = aaa111 in migrations/versions/" in result.stderr
    assert "git switch repoint && restore" not in result.stderr


def test_a_conflict_the_target_already_has_is_not_blamed_on_the_push(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    git(proj, "checkout", "-q", "-b", "feature")
    (proj / "NEWS").write_text("unrelated\n", encoding="utf-8")
    commit_all(proj, "no migrations")
    git(proj, "checkout", "-q", "-b", "edits", "main")
    path = next((proj / "migrations/versions").glob("aaa111_*.py"))
    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    commit_all(proj, "edits a published revision's body")
    git(proj, "checkout", "-q", "main")
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "two heads on main")
    git(proj, "push", "-q", "origin", "main")
    install(proj, "--mode", "block")
    for branch in ("feature", "edits"):
        result = push(proj, "origin", branch)
        assert (branch, result.returncode, result.stderr) == (branch, 0, "")


def test_pushing_to_a_url_uses_the_remote_with_that_url(world: tuple[Path, Path]) -> None:
    proj, remote = world
    diverge(proj)
    install(proj)
    result = push(proj, str(remote), "feature")
    assert result.stderr.startswith(expected_warning(proj))


# -- installing -------------------------------------------------------------------------------

FOREIGN = """#!/bin/sh
echo "foreign: $*" >> "$(dirname "$0")/../foreign.log"
cat >> "$(dirname "$0")/../foreign.log"
exit "${FOREIGN_EXIT:-0}"
"""


def test_an_existing_hook_is_chained_and_uninstall_restores_it(world: tuple[Path, Path]) -> None:
    proj, remote = world
    diverge(proj)
    hook = hooks_dir(proj) / "pre-push"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(FOREIGN, encoding="utf-8")
    hook.chmod(0o750)
    first = install(proj).stdout
    assert "kept the pre-push hook that was there as pre-push.legacy: it runs first" in first
    ours = hook.read_bytes()
    before = (hook.stat().st_mtime_ns, (hook.parent / "pre-push.legacy").stat().st_mtime_ns)
    assert "already installed" in install(proj).stdout
    after = (hook.stat().st_mtime_ns, (hook.parent / "pre-push.legacy").stat().st_mtime_ns)
    assert (hook.read_bytes(), after) == (ours, before)

    result = push(proj, "origin", "feature")
    assert result.returncode == 0
    assert "alembic-git: pushing feature" in result.stderr
    log = (proj / ".git" / "foreign.log").read_text(encoding="utf-8")
    assert log == (
        f"foreign: origin {remote}\n"
        f"refs/heads/feature {sha(proj, 'feature')} refs/heads/feature {ZERO}\n"
    )
    refused = push(proj, "origin", "main:other", env={"FOREIGN_EXIT": "3"})
    assert refused.returncode != 0
    assert remote_sha(remote, "refs/heads/other") is None

    assert "pre-push.legacy is back" in run_cli(proj, "hook", "uninstall").stdout
    assert hook.read_text(encoding="utf-8") == FOREIGN
    assert stat.S_IMODE(hook.stat().st_mode) == 0o750
    assert not (hook.parent / "pre-push.legacy").exists()
    assert "nothing to do" in run_cli(proj, "hook", "uninstall").stdout


def test_install_with_another_mode_updates_and_uninstall_finds_a_hook_moved_aside(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    hooks = hooks_dir(proj)
    install(proj)
    assert "updated the pre-push hook" in install(proj, "--mode", "block").stdout
    assert "hook pre-push --mode block" in (hooks / "pre-push").read_text(encoding="utf-8")
    (hooks / "pre-push").rename(hooks / "pre-push.legacy")  # as `pre-commit install` does
    (hooks / "pre-push").write_text("#!/bin/sh\n# another tool\n", encoding="utf-8")
    assert "another tool had kept" in run_cli(proj, "hook", "uninstall").stdout
    assert not (hooks / "pre-push.legacy").exists()
    assert (hooks / "pre-push").read_text(encoding="utf-8") == "#!/bin/sh\n# another tool\n"


def test_global_options_given_to_install_are_written_into_the_hook(
    world: tuple[Path, Path],
) -> None:
    proj, _ = world
    diverge(proj)
    result = run_cli(proj / "migrations", "-c", "../alembic.ini", "hook", "install")
    assert result.returncode == 0, result.stderr
    text = (hooks_dir(proj) / "pre-push").read_text(encoding="utf-8")
    assert '-c "$LAUNCHER" -c alembic.ini hook pre-push "$@"' in text
    assert push(proj, "origin", "feature").stderr.startswith(expected_warning(proj))


def test_install_refuses_to_chain_the_pre_commit_frameworks_hook(world: tuple[Path, Path]) -> None:
    proj, _ = world
    hook = hooks_dir(proj) / "pre-push"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\n")
    result = run_cli(proj, "hook", "install")
    assert result.returncode == 2
    assert result.stderr.startswith(f"alembic-git: error: {hook} is the pre-commit framework's")
    assert not (hook.parent / "pre-push.legacy").exists()


def test_core_hooks_path_is_respected(world: tuple[Path, Path]) -> None:
    proj, _ = world
    diverge(proj)
    git(proj, "config", "core.hooksPath", ".githooks")
    assert f"{proj / '.githooks' / 'pre-push'}" in install(proj).stdout
    assert not (hooks_dir(proj) / "pre-push").exists()
    assert push(proj, "origin", "feature").stderr.startswith(expected_warning(proj))


def test_a_linked_worktree_shares_the_hook(world: tuple[Path, Path], tmp_path: Path) -> None:
    proj, _ = world
    diverge(proj)
    git(proj, "checkout", "-q", "main")
    wt = tmp_path / "wt"
    git(proj, "worktree", "add", "-q", str(wt), "feature")
    install(wt)
    assert (hooks_dir(proj) / "pre-push").exists()
    result = push(wt, "origin", "feature")
    assert result.stderr.startswith(expected_warning(proj))


def test_the_shipped_hook_scripts_and_pre_commit_manifest() -> None:
    from pre_commit.clientlib import load_manifest

    for hook in ("pre-push", "pre-receive"):
        path = ROOT / "hooks" / hook
        assert path.read_text(encoding="utf-8") == script(hook, None)
        assert os.access(path, os.X_OK)
        assert subprocess.run(["sh", "-n", str(path)], check=False).returncode == 0
    hooks = {h["id"]: h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"alembic-git", "alembic-git-pre-push", "alembic-git-check"}
    for name in ("alembic-git", "alembic-git-pre-push"):
        assert hooks[name]["entry"] == "alembic-git hook pre-push"
        assert hooks[name]["stages"] == ["pre-push"]
        assert (hooks[name]["pass_filenames"], hooks[name]["always_run"]) == (False, True)
        assert hooks[name]["language"] == "python"


# -- failures never lock people out -----------------------------------------------------------


def test_an_internal_error_warns_in_one_line_and_lets_the_push_through(
    world: tuple[Path, Path],
) -> None:
    proj, remote = world
    diverge(proj)
    install(proj, "--mode", "block")
    git(proj, "config", "alembic-git.mode", "bogus")  # --mode wins; the config is still checked
    git(proj, "config", "alembic-git.target", "no-such-branch")
    result = push(proj, "origin", "feature")
    assert result.returncode == 0
    assert result.stderr == (
        "alembic-git: warning: the pre-push check failed, the push goes on: feature: target "
        "'no-such-branch' is not a commit in this repository; fetch it first (git fetch), or "
        "name another with --against/--target\n"
    )
    git(proj, "config", "alembic-git.failOnError", "true")
    refused = push(proj, "origin", "feature:other")
    assert refused.returncode != 0
    assert "alembic-git: push refused (alembic-git.failOnError is set" in refused.stderr
    assert remote_sha(remote, "refs/heads/other") is None


def test_an_unexpected_exception_is_one_line_and_lets_the_push_through(
    world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug in the check, forced in-process: the guard turns it into one line."""
    import io

    from alembic_git.cli import main
    from alembic_git.hooks.prepush import PrePush

    proj, _ = world
    diverge(proj)
    line = f"refs/heads/feature {sha(proj, 'feature')} refs/heads/feature {ZERO}\n"

    def bug(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.chdir(proj)
    monkeypatch.setattr(PrePush, "check", bug)
    for fail, code in ((False, 0), (True, 2)):
        if fail:
            git(proj, "config", "alembic-git.failOnError", "true")
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line.encode())))
        assert main(["hook", "pre-push", "--mode", "block", "origin", "url"]) == code
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1
        assert "the pre-push check failed" in err and "RuntimeError: a bug" in err


def test_a_broken_config_or_revision_file_lets_the_push_through(world: tuple[Path, Path]) -> None:
    proj, remote = world
    install(proj)
    git(proj, "config", "alembic-git.mode", "bogus")
    result = push(proj, "origin", "main:a")
    assert (result.returncode, len(result.stderr.splitlines())) == (0, 1)
    assert "git config alembic-git.mode is 'bogus', expected one of: warn, block" in result.stderr
    git(proj, "config", "--unset", "alembic-git.mode")
    git(proj, "checkout", "-q", "-b", "broken")
    (proj / "migrations/versions/bad.py").write_text("revision = 'x'\ndef (:\n", encoding="utf-8")
    commit_all(proj, "broken revision file")
    result = push(proj, "origin", "broken")
    assert result.returncode == 0
    assert result.stderr.startswith(
        "alembic-git: warning: the pre-push check failed, the push goes on"
    )
    assert "migrations/versions/bad.py:2: syntax error" in result.stderr
    assert remote_sha(remote, "refs/heads/broken") == sha(proj, "broken")


def test_the_hook_falls_back_to_path_and_never_locks_out(world: tuple[Path, Path]) -> None:
    proj, _ = world
    diverge(proj)
    install(proj)
    hook = hooks_dir(proj) / "pre-push"
    text = hook.read_text(encoding="utf-8").replace(
        f"PYTHON={sys.executable}", "PYTHON=/nonexistent/python"
    )
    hook.write_text(text, encoding="utf-8")
    on_path = shutil.which("alembic-git")
    if on_path:
        assert push(proj, "origin", "feature").stderr.startswith(expected_warning(proj))
    bare_path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if not os.path.exists(f"{p}/alembic-git")
    )
    result = push(proj, "origin", "feature:other", env={"PATH": bare_path})
    assert result.returncode == 0
    assert result.stderr == (
        "alembic-git: warning: the pre-push check did not run: alembic-git is not installed "
        "(/nonexistent/python, nor on PATH); the push goes on\n"
    )


# -- the pre-commit framework -----------------------------------------------------------------


def test_pre_commits_variables_are_understood(world: tuple[Path, Path]) -> None:
    proj, _ = world
    diverge(proj)
    env = {
        "PRE_COMMIT_FROM_REF": sha(proj, "feature~1"),
        "PRE_COMMIT_TO_REF": sha(proj, "feature"),
        "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/feature",
        "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/feature",
        "PRE_COMMIT_REMOTE_NAME": "origin",
        "PRE_COMMIT_REMOTE_URL": "somewhere",
    }
    result = run_cli(proj, "hook", "pre-push", "--mode", "block", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(expected_warning(proj))


# -- pre-receive on a server ------------------------------------------------------------------


def test_pre_receive_refuses_a_conflicting_push_to_main_and_accepts_a_clean_one(
    world: tuple[Path, Path],
) -> None:
    proj, remote = world
    hook = remote / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m alembic_git hook pre-receive\n')
    hook.chmod(0o755)
    git(remote, "config", "alembic-git.protect", "release/*")
    before = remote_sha(remote, "refs/heads/main")
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "two heads")
    refused = push(proj, "origin", "main")
    assert refused.returncode != 0
    assert (
        f"remote: alembic-git: refusing the push to main: commit {sha(proj, 'main')[:10]} would "
        "leave it with conflicting Alembic heads"
    ) in refused.stderr
    assert "remote: fix, in your clone on main: alembic-git merge-heads" in refused.stderr
    assert remote_sha(remote, "refs/heads/main") == before
    assert push(proj, "origin", "main:feature").returncode == 0  # not protected
    assert push(proj, "origin", "main:release/1").returncode != 0  # protected by the glob
    add_revision(proj, "ddd444", ("bbb222", "ccc333"), "merge heads")
    commit_all(proj, "merge")
    accepted = push(proj, "origin", "main")
    assert (accepted.returncode, accepted.stderr) == (0, "")
    assert remote_sha(remote, "refs/heads/main") == sha(proj, "main")


def test_install_in_a_bare_repository_writes_pre_receive(world: tuple[Path, Path]) -> None:
    proj, remote = world
    assert "installed the pre-receive hook" in install(remote).stdout
    add_revision(proj, "bbb222", "aaa111", "add invoices")
    add_revision(proj, "ccc333", "aaa111", "add comments")
    commit_all(proj, "two heads")
    refused = push(proj, "origin", "main")
    assert "remote: alembic-git: refusing the push to main" in refused.stderr
    assert refused.returncode != 0


def _pypi_unreachable() -> str | None:
    if os.environ.get("ALEMBIC_GIT_OFFLINE"):
        return "ALEMBIC_GIT_OFFLINE is set"
    import urllib.request

    try:
        urllib.request.urlopen("https://pypi.org/simple/click/", timeout=5).close()
    except OSError as exc:
        return f"PyPI cannot be reached ({exc}): pre-commit could not build its environment"
    return None


@pytest.mark.slow
@pytest.mark.network
def test_the_pre_commit_framework_runs_the_hook_on_push(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    """pre-commit pip-installs alembic-git from a snapshot of this working tree (uncommitted
    edits included: the code under test, not the last commit) into its own venv."""
    reason = _pypi_unreachable()
    if reason:
        pytest.skip(reason)
    clone = tmp_path / "alembic-git"
    rev = snapshot_working_tree(clone)
    proj, remote = world
    (proj / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {clone}\n    rev: {rev}\n    hooks:\n      - id: alembic-git\n",
        encoding="utf-8",
    )
    commit_all(proj, "pre-commit config")
    git(proj, "push", "-q", "origin", "main")
    diverge(proj)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-push"],
        cwd=proj,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    result = push(proj, "origin", "feature", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "alembic-git (Alembic heads after merging the pushed branch)" in output
    assert "conflict: alembic.ini: merging feature into origin/main gives 2 heads" in output
    assert "fix: git merge origin/main && alembic-git merge-heads" in output
    assert remote_sha(remote, "refs/heads/feature") == sha(proj, "feature")
