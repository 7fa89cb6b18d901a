"""The verdict cache: a run on unchanged revision files reads the last run's verdict and
never imports networkx; any change to what the verdict depends on makes a new one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.repo import add_revision, commit_all, git
from support.repo import run_cli as run_in


def run_cli(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Every run a real process: a verdict's key includes the interpreter's import path, so
    in-process and real runs would make two verdicts; and import times need a process."""
    return run_in(*args, process=True, **kwargs)  # type: ignore[arg-type]


def same_output(text: str) -> str:
    """The output without the github format's random stop-commands token."""
    return re.sub(r"(stop-commands::|^::)[0-9a-f]{32}", r"\1TOKEN", text, flags=re.M)

NO_CACHE = {"ALEMBIC_GIT_NO_CACHE": "1"}
IMPORTS = {"PYTHONPROFILEIMPORTTIME": "1"}
V = "migrations/versions"


def verdict_files(project: Path) -> list[Path]:
    return sorted((project / ".git" / "alembic-git" / "verdicts").glob("*.marshal"))


def imported_networkx(result: subprocess.CompletedProcess[str]) -> bool:
    assert "import time:" in result.stderr  # the report of imports is there
    return any(line.rstrip().endswith("| networkx") for line in result.stderr.splitlines())


def without_import_report(stderr: str) -> str:
    return "".join(line for line in stderr.splitlines(True) if not line.startswith("import time:"))


def two_heads(project: Path) -> None:
    add_revision(project, "aaa111", None, "create users")
    add_revision(project, "bbb222", "aaa111", "add invoices")
    add_revision(project, "ccc333", "aaa111", "add comments")


def cold_then_warm(project: Path, *args: str) -> None:
    """Run ``args`` without any cache, then twice with it: the second read the verdict
    (no networkx) and every run says exactly the same."""
    for f in verdict_files(project):
        f.unlink()
    cold = run_cli(project, *args, env=NO_CACHE)
    first = run_cli(project, *args, env=IMPORTS)
    second = run_cli(project, *args, env=IMPORTS)
    assert imported_networkx(first)
    assert not imported_networkx(second)
    for run in (first, second):
        assert run.returncode == cold.returncode
        assert same_output(run.stdout) == same_output(cold.stdout)
        assert without_import_report(run.stderr) == cold.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("heads",),
        ("heads", "--format", "json"),
        ("check",),
        ("check", "--format", "json"),
        ("check", "--format", "github"),
        ("check", "--strict"),
    ],
)
def test_a_second_run_on_the_same_files_answers_from_the_verdict(
    project: Path, args: tuple[str, ...]
) -> None:
    two_heads(project)
    add_revision(project, "ddd444", "bbb222", "expand", branch_labels="expand")
    cold_then_warm(project, *args)


def test_a_commit_read_with_rev_answers_from_its_verdict(project: Path) -> None:
    two_heads(project)
    commit_all(project, "two heads")
    cold_then_warm(project, "heads", "--rev", "HEAD")


def test_an_error_is_kept_too_and_said_the_same_way(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "zzz999", "second")
    cold_then_warm(project, "check")
    assert run_cli(project, "check").returncode == 2


def test_check_against_on_unchanged_branches_answers_from_verdicts(tmp_path: Path) -> None:
    from support.repo import init_project

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    project = init_project(tmp_path / "proj")
    add_revision(project, "aaa111", None, "create users")
    commit_all(project, "users")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "-u", "origin", "main")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "bbb222", "aaa111", "add invoices")
    commit_all(project, "invoices")
    git(project, "checkout", "-q", "main")
    add_revision(project, "ccc333", "aaa111", "add comments")
    commit_all(project, "comments")
    git(project, "push", "-q", "origin", "main")
    git(project, "checkout", "-q", "feature")
    for fmt in ("text", "json"):
        cold_then_warm(project, "check", "--against", "origin/main", "--format", fmt)


def test_one_byte_changed_in_one_file_makes_a_new_verdict(project: Path) -> None:
    add_revision(project, "aaa111", None, "create users")
    add_revision(project, "aaa112", "aaa111", "add invoices")
    path = add_revision(project, "ccc333", "aaa111", "add comments", style="classic")
    assert run_cli(project, "check").returncode == 1
    data = path.read_bytes()
    changed = data.replace(b"down_revision = 'aaa111'", b"down_revision = 'aaa112'")
    assert (
        len(changed) == len(data) and sum(a != b for a, b in zip(data, changed, strict=True)) == 1
    )
    path.write_bytes(changed)
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (0, "ccc333 (head)\n")


def test_a_file_renamed_makes_a_new_verdict(project: Path) -> None:
    two_heads(project)
    before = run_cli(project, "heads", "--format", "json").stdout
    path = next((project / V).glob("ccc333_*.py"))
    path.rename(project / V / "ccc333_renamed.py")
    after = run_cli(project, "heads", "--format", "json")
    assert "ccc333_renamed.py" in after.stdout and "ccc333_renamed.py" not in before
    assert after.stdout == run_cli(project, "heads", "--format", "json", env=NO_CACHE).stdout


def test_a_file_removed_makes_a_new_verdict(project: Path) -> None:
    two_heads(project)
    assert run_cli(project, "check").returncode == 1
    next((project / V).glob("ccc333_*.py")).unlink()
    assert run_cli(project, "check").returncode == 0


def test_the_recursive_setting_makes_a_new_verdict(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "second", folder=f"{V}/2024")
    ini = project / "alembic.ini"
    plain = run_cli(project, "heads")
    assert (plain.returncode, plain.stdout) == (0, "aaa111 (head)\n")
    ini.write_text(
        ini.read_text().replace("[alembic]\n", "[alembic]\nrecursive_version_locations = true\n")
    )
    deep = run_cli(project, "heads")
    assert (deep.returncode, deep.stdout) == (0, "bbb222 (head)\n")
    ini.write_text(ini.read_text().replace("recursive_version_locations = true\n", ""))
    assert run_cli(project, "heads").stdout == "aaa111 (head)\n"


def test_version_locations_make_a_new_verdict(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "second", folder="more")
    only = run_cli(project, "--version-location", V, "heads")
    assert only.stdout == "aaa111 (head)\n"
    both = run_cli(project, "--version-location", V, "--version-location", "more", "heads")
    assert both.stdout == "bbb222 (head)\n"


def test_an_imported_constant_changed_makes_a_new_verdict(project: Path) -> None:
    (project / "ids.py").write_text("PARENT = 'aaa111'\n")
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "second")
    path = add_revision(project, "ccc333", "aaa111", "third", style="classic")
    path.write_text(
        path.read_text().replace(
            "down_revision = 'aaa111'", "from ids import PARENT\ndown_revision = PARENT"
        )
    )
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]\n", "[alembic]\nprepend_sys_path = .\n"))
    assert run_cli(project, "check").returncode == 1
    assert run_cli(project, "check").returncode == 1  # warm
    (project / "ids.py").write_text("PARENT = 'bbb222'\n")
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (0, "ccc333 (head)\n")


def test_a_damaged_verdict_is_ignored_and_replaced(project: Path) -> None:
    two_heads(project)
    cold = run_cli(project, "check", "--format", "json", env=NO_CACHE)
    run_cli(project, "check")
    (found,) = verdict_files(project)
    for damage in (b"", b"garbage", found.read_bytes()[:-7], b"\xe3" + found.read_bytes()[1:]):
        found.write_bytes(damage)
        result = run_cli(project, "check", "--format", "json")
        assert (result.returncode, result.stdout) == (cold.returncode, cold.stdout)
    assert not imported_networkx(run_cli(project, "check", env=IMPORTS))  # rewritten


def test_deleting_the_cache_is_safe(project: Path) -> None:
    two_heads(project)
    run_cli(project, "check")
    assert verdict_files(project)
    for f in verdict_files(project):
        f.unlink()
    (project / ".git" / "alembic-git" / "verdicts").rmdir()
    assert run_cli(project, "check").returncode == 1
    assert verdict_files(project)


def test_no_cache_writes_no_verdict(project: Path) -> None:
    two_heads(project)
    first = run_cli(project, "check", env={**NO_CACHE, **IMPORTS})
    second = run_cli(project, "check", env={**NO_CACHE, **IMPORTS})
    assert imported_networkx(first) and imported_networkx(second)
    assert verdict_files(project) == []


def test_concurrent_runs_agree_and_leave_one_readable_verdict(project: Path) -> None:
    two_heads(project)
    cold = run_cli(project, "check", "--format", "json", env=NO_CACHE)
    env = dict(os.environ)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "alembic_git", "check", "--format", "json"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(6)
    ]
    for run in runs:
        out, _ = run.communicate()
        assert (run.returncode, out) == (cold.returncode, cold.stdout)
    assert len(verdict_files(project)) == 1
    assert [p.name for p in (project / ".git" / "alembic-git" / "verdicts").iterdir()] == [
        verdict_files(project)[0].name
    ]  # no temporary file left behind
    cold_then_warm(project, "check", "--format", "json")


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(project: Path) -> None:
    """Work-tree files are hashed only when their stat data changed; an edit that puts
    the old modification time back still changes the inode's change time."""
    add_revision(project, "aaa111", None, "create users")
    add_revision(project, "aaa112", "aaa111", "add invoices")
    path = add_revision(project, "ccc333", "aaa111", "add comments", style="classic")
    long_ago = 1_600_000_000
    for f in (project / V).glob("*.py"):
        os.utime(f, (long_ago, long_ago))
    assert run_cli(project, "check").returncode == 1
    warm = run_cli(project, "check", env=IMPORTS)
    assert warm.returncode == 1 and not imported_networkx(warm)
    data = path.read_bytes().replace(b"down_revision = 'aaa111'", b"down_revision = 'aaa112'")
    path.write_bytes(data)
    os.utime(path, (long_ago, long_ago))
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (0, "ccc333 (head)\n")
