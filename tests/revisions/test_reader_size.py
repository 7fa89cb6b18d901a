"""Bounded resources: a file over the size limit is exit 2 before it is parsed (before it
is read, in the work tree), naming the file, the limit, and how to raise it."""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

import pytest
from support.repo import add_revision, alembic_cli, commit_all, git, run_cli

from alembic_git.cli import main as alembic_git_main
from alembic_git.revisions import loader, source

VERSIONS = "migrations/versions"
BIG = f"{VERSIONS}/bbb222_big.py"
RAISE = (
    "if it really is a revision file, raise the limit: ALEMBIC_GIT_MAX_FILE_SIZE=64M, "
    'or max-revision-file-size = "64M" in [tool.alembic-git] of pyproject.toml'
)


def big_revision(project: Path, size: int = 5 * 1024 * 1024) -> Path:
    """A valid revision file of ``size`` bytes: a header, then comment lines."""
    header = b'"""big"""\nrevision = "bbb222"\ndown_revision = "aaa111"\n'
    line = b"# " + b"x" * 77 + b"\n"
    body = line * ((size - len(header)) // len(line))
    data = header + body
    data += b"#" * (size - len(data) - 1) + b"\n"
    assert len(data) == size
    path = project / BIG
    path.write_bytes(data)
    return path


def refused(result_stderr: str, size: str, limit: str, origin: str = "") -> bool:
    return result_stderr == (
        f"alembic-git: error: {BIG}: {size}, over the {limit} limit{origin} for a file "
        f"alembic-git reads; not parsed; {RAISE}\n"
    )


def test_a_5_mb_file_in_the_work_tree_is_refused_before_it_is_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_revision(project, "aaa111", None, "base")
    big_revision(project)
    read: list[str] = []
    parsed: list[int] = []
    real_read, real_parse = source.WorktreeSource.read_many, loader.parse
    monkeypatch.setattr(
        source.WorktreeSource,
        "read_many",
        lambda self, paths: read.extend(p for p, _ in paths) or real_read(self, paths),
    )
    monkeypatch.setattr(loader, "parse", lambda data: parsed.append(len(data)) or real_parse(data))
    monkeypatch.chdir(project)
    err = io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stderr(err):
        assert alembic_git_main(["heads"]) == 2
    assert time.monotonic() - started < 5
    assert refused(err.getvalue(), "5 MiB", "4 MiB")
    assert not any(p.endswith("bbb222_big.py") for p in read)
    assert all(n < 1024 * 1024 for n in parsed)


def test_a_5_mb_file_in_a_commit_is_refused_before_it_is_parsed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_revision(project, "aaa111", None, "base")
    big_revision(project)
    commit_all(project, "big")
    (project / BIG).unlink()  # the work tree is fine; the commit is not
    assert run_cli(project, "heads").stdout == "aaa111 (head)\n"
    parsed: list[int] = []
    real_parse = loader.parse
    monkeypatch.setattr(loader, "parse", lambda data: parsed.append(len(data)) or real_parse(data))
    monkeypatch.chdir(project)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert alembic_git_main(["heads", "--rev", "HEAD"]) == 2
    assert refused(err.getvalue(), "5 MiB", "4 MiB")
    assert all(n < 1024 * 1024 for n in parsed)


def test_the_environment_variable_raises_the_limit_and_the_file_reads_as_alembic_reads_it(
    project: Path,
) -> None:
    add_revision(project, "aaa111", None, "base")
    big_revision(project)
    result = run_cli(project, "heads", env={"ALEMBIC_GIT_MAX_FILE_SIZE": "8M"})
    theirs = alembic_cli(project, "heads")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == theirs.stdout == "bbb222 (head)\n"
    # the raised limit does not stick to the cached parse: without it, refused again
    again = run_cli(project, "heads")
    assert again.returncode == 2
    assert refused(again.stderr, "5 MiB", "4 MiB")


def test_pyproject_sets_the_limit_but_a_commit_cannot_raise_its_own(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    big_revision(project, 3000)
    (project / "pyproject.toml").write_text(
        '[tool.alembic-git]\nmax-revision-file-size = "2K"\n', encoding="utf-8"
    )
    result = run_cli(project, "heads")
    assert result.returncode == 2
    origin = " (set by pyproject.toml [tool.alembic-git] max-revision-file-size)"
    assert refused(result.stderr, "2.9 KiB", "2 KiB", origin)
    commit_all(project, "big, with a low limit")
    # A branch whose pyproject raises the limit: read with --rev, the limit stays ours.
    git(project, "switch", "-q", "-c", "feature")
    (project / "pyproject.toml").write_text(
        '[tool.alembic-git]\nmax-revision-file-size = "64M"\n', encoding="utf-8"
    )
    commit_all(project, "raise it")
    git(project, "switch", "-q", "main")
    result = run_cli(project, "heads", "--rev", "feature")
    assert result.returncode == 2
    assert refused(result.stderr, "2.9 KiB", "2 KiB", origin)
    # the environment variable wins over pyproject.toml
    result = run_cli(project, "heads", env={"ALEMBIC_GIT_MAX_FILE_SIZE": "4096"})
    assert (result.returncode, result.stdout) == (0, "bbb222 (head)\n")


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("env", "lots", "ALEMBIC_GIT_MAX_FILE_SIZE is 'lots', not a size"),
        ("env", "0", "ALEMBIC_GIT_MAX_FILE_SIZE is '0', not a size"),
        (
            "toml",
            '"-1M"',
            "pyproject.toml [tool.alembic-git] max-revision-file-size is '-1M', not a size",
        ),
        (
            "toml",
            "true",
            "pyproject.toml [tool.alembic-git] max-revision-file-size is True, not a size",
        ),
    ],
)
def test_a_limit_that_is_not_a_size_is_exit_2(
    project: Path, where: str, value: str, message: str
) -> None:
    add_revision(project, "aaa111", None, "base")
    env = {"ALEMBIC_GIT_MAX_FILE_SIZE": value} if where == "env" else None
    if where == "toml":
        (project / "pyproject.toml").write_text(
            f"[tool.alembic-git]\nmax-revision-file-size = {value}\n", encoding="utf-8"
        )
    result = run_cli(project, "heads", env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"alembic-git: error: {message}; "
        'write a number of bytes, or one with K, M or G (e.g. "16M")\n'
    )


def test_sizes_are_accepted_in_bytes_and_with_units(monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic_git.revisions.limits import SizeLimit

    for text, expected in [("4096", 4096), ("512K", 512 << 10), ("4MiB", 4 << 20), ("1g", 1 << 30)]:
        monkeypatch.setenv("ALEMBIC_GIT_MAX_FILE_SIZE", text)
        assert SizeLimit.configured().max_bytes == expected
    monkeypatch.delenv("ALEMBIC_GIT_MAX_FILE_SIZE")
    assert SizeLimit.configured({"max-revision-file-size": 1000}).max_bytes == 1000
    assert SizeLimit.configured().max_bytes == 4 << 20
