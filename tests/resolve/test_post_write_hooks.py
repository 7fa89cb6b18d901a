"""merge-heads runs the environment's Alembic post_write_hooks on the merge revision it
writes, as ``alembic merge`` does (real hook scripts, real Alembic as the oracle)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.repo import INI, add_revision, alembic_cli, commit_all, git, run_cli

V = "migrations/versions"

# Appends a line naming its arguments: what the hook was given, and that it ran.
STAMP = """#!/bin/sh
last=
for arg in "$@"; do last=$arg; done
printf '# post-write hook: %s\\n' "$*" | sed "s|$PWD/||g" >> "$last"
"""


def with_hooks(ini_hooks: str) -> str:
    return INI.replace("[loggers]", f"[post_write_hooks]\n{ini_hooks}\n[loggers]")


@pytest.fixture
def forked(tmp_path: Path) -> Path:
    """Two heads (bbb222 on main, ccc333 on feature, merged) and an exec hook: stamp."""
    from support.repo import init_project

    stamp = tmp_path / "stamp.sh"
    stamp.write_text(STAMP, encoding="utf-8")
    stamp.chmod(0o755)
    ini = with_hooks(
        f"hooks = stamp\nstamp.type = exec\nstamp.executable = {stamp}\n"
        "stamp.options = --mark=one REVISION_SCRIPT_FILENAME\n"
    )
    project = init_project(tmp_path / "proj", ini=ini)
    add_revision(project, "aaa111", None, "first")
    commit_all(project, "first")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "ccc333", "aaa111", "add comments")
    commit_all(project, "comments")
    git(project, "checkout", "-q", "main")
    add_revision(project, "bbb222", "aaa111", "add invoices")
    commit_all(project, "invoices")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    return project


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(project)): p.read_bytes()
        for p in sorted((project / "migrations").rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def last_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[-1]


def test_the_exec_hook_runs_on_the_merge_revision_as_alembic_runs_it(
    forked: Path, tmp_path: Path
) -> None:
    oracle = tmp_path / "oracle"
    shutil.copytree(forked, oracle)
    result = run_cli(forked, "merge-heads", "--strategy", "merge", "--rev-id", "cafe01")
    assert result.returncode == 0, result.stderr
    merge = forked / V / "cafe01_merge_heads_bbb222_ccc333.py"
    assert (
        f"  wrote {V}/{merge.name}: merge revision cafe01 of bbb222, ccc333\n"
        f"  ran post-write hook 'stamp' on {V}/{merge.name}\n"
    ) in result.stdout
    # Alembic, on the same project, runs the same hook with the same arguments.
    alembic = alembic_cli(oracle, "merge", "heads", "-m", "merge heads", "--rev-id", "cafe01")
    assert alembic.returncode == 0, alembic.stderr
    theirs = oracle / V / "cafe01_merge_heads.py"
    assert last_line(theirs) == f"# post-write hook: --mark=one {V}/{theirs.name}"
    assert last_line(merge) == f"# post-write hook: --mark=one {V}/{merge.name}"
    assert alembic_cli(forked, "upgrade", "head").returncode == 0


def test_no_post_write_hooks_skips_them(forked: Path) -> None:
    result = run_cli(
        forked, "merge-heads", "--strategy", "merge", "--rev-id", "cafe01", "--no-post-write-hooks"
    )
    assert result.returncode == 0, result.stderr
    assert "post-write hook" not in result.stdout
    merge = forked / V / "cafe01_merge_heads_bbb222_ccc333.py"
    assert "post-write hook" not in merge.read_text(encoding="utf-8")


def test_the_dry_run_names_the_hooks_it_would_run(forked: Path) -> None:
    before = snapshot(forked)
    result = run_cli(
        forked, "merge-heads", "--strategy", "merge", "--rev-id", "cafe01", "--dry-run"
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"  would run post-write hook 'stamp' on {V}/cafe01_merge_heads_bbb222_ccc333.py\n"
    ) in result.stdout
    assert snapshot(forked) == before


def test_a_rebase_writes_no_new_file_and_runs_no_hook(forked: Path) -> None:
    result = run_cli(forked, "merge-heads", "--strategy", "rebase")
    assert result.returncode == 0, result.stderr
    assert "post-write hook" not in result.stdout
    assert "post-write hook" not in (next((forked / V).glob("ccc333_*.py"))).read_text()


def test_a_failing_hook_is_exit_2_with_its_output_and_every_file_restored(
    forked: Path, tmp_path: Path
) -> None:
    failing = tmp_path / "failing.sh"
    failing.write_text("#!/bin/sh\necho 'formatter exploded on' \"$1\"\nexit 3\n")
    failing.chmod(0o755)
    ini = forked / "alembic.ini"
    ini.write_text(
        with_hooks(f"hooks = boom\nboom.type = exec\nboom.executable = {failing}\n"),
        encoding="utf-8",
    )
    commit_all(forked, "a failing hook")
    before = snapshot(forked)
    result = run_cli(forked, "merge-heads", "--strategy", "merge", "--rev-id", "cafe01")
    merge = forked / V / "cafe01_merge_heads_bbb222_ccc333.py"
    assert result.returncode == 2
    assert result.stderr == (
        f"formatter exploded on {merge}\n"
        f"alembic-git: error: post-write hook 'boom' failed on {V}/{merge.name} (exit 3: "
        f"{failing} {merge}); every file was restored; nothing changed on disk; fix the hook "
        f"({ini} [post_write_hooks]), or pass --no-post-write-hooks to write without them\n"
    )
    assert snapshot(forked) == before  # the merge revision is gone again, nothing else moved
    assert not (forked / ".git" / "alembic-git" / "journal").exists()


def test_a_hook_that_breaks_the_file_fails_the_verification(forked: Path, tmp_path: Path) -> None:
    breaker = tmp_path / "breaker.sh"
    breaker.write_text("#!/bin/sh\nprintf 'revision = None\\n' > \"$1\"\n")
    breaker.chmod(0o755)
    (forked / "alembic.ini").write_text(
        with_hooks(f"hooks = breaker\nbreaker.type = exec\nbreaker.executable = {breaker}\n"),
        encoding="utf-8",
    )
    commit_all(forked, "a hook that breaks files")
    before = snapshot(forked)
    result = run_cli(forked, "merge-heads", "--strategy", "merge", "--rev-id", "cafe01")
    assert result.returncode == 2
    assert "every file was restored" in result.stderr
    assert snapshot(forked) == before


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        (
            "hooks = black\nblack.type = console_scripts\nblack.entrypoint = no-such-formatter\n",
            "post-write hook 'black': no console script 'no-such-formatter' is installed for ",
        ),
        ("hooks = fmt\nfmt.entrypoint = x\n", "post-write hook 'fmt' has no fmt.type (in "),
        (
            "hooks = custom\ncustom.type = spaces_to_tabs\n",
            "post-write hook 'custom' has type 'spaces_to_tabs', which only Python code can "
            "register (in env.py); alembic-git never runs that code",
        ),
    ],
)
def test_a_hook_that_cannot_run_stops_before_anything_is_written(
    forked: Path, hooks: str, message: str
) -> None:
    (forked / "alembic.ini").write_text(with_hooks(hooks), encoding="utf-8")
    commit_all(forked, "hooks")
    before = snapshot(forked)
    result = run_cli(forked, "merge-heads", "--strategy", "merge")
    assert result.returncode == 2
    assert result.stderr.startswith(f"alembic-git: error: {message}")
    assert len(result.stderr.splitlines()) == 1
    assert snapshot(forked) == before


def test_hooks_from_pyproject_when_there_is_no_ini(forked: Path, tmp_path: Path) -> None:
    stamp = tmp_path / "stamp.sh"
    (forked / "alembic.ini").unlink()
    (forked / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/migrations"\n\n'
        "[[tool.alembic.post_write_hooks]]\n"
        f'name = "stamp"\ntype = "exec"\nexecutable = "{stamp}"\n'
        'options = "--mark=toml REVISION_SCRIPT_FILENAME"\n',
        encoding="utf-8",
    )
    commit_all(forked, "pyproject config")
    result = run_cli(forked, "merge-heads", "--strategy", "merge", "--rev-id", "cafe01")
    assert result.returncode == 0, result.stderr
    merge = forked / V / "cafe01_merge_heads_bbb222_ccc333.py"
    assert last_line(merge) == f"# post-write hook: --mark=toml {V}/{merge.name}"
