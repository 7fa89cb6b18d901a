"""The first hour, polished: options that would do nothing, help texts, ``merge-heads
--check``, ``heads -v`` and ``--around`` prefixes as Alembic has them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.repo import add_revision, alembic_cli, commit_all, run_cli


def fork(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "bbb222", "aaa111", "left")
    add_revision(project, "ccc333", "aaa111", "right")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["graph", "--depth", "2"], "--depth does nothing without --around"),
        (["merge-heads", "--strategy", "rebase", "-m", "x"], "-m does nothing with --strategy"),
        (
            ["merge-heads", "--strategy", "rebase", "--rev-id", "abc"],
            "--rev-id does nothing with --strategy rebase",
        ),
        (
            ["merge-heads", "--strategy", "rebase", "--no-post-write-hooks"],
            "--no-post-write-hooks does nothing with --strategy rebase",
        ),
        (
            ["merge-heads", "--strategy", "merge", "--published-db", "sqlite://"],
            "--published-db does nothing with --strategy merge",
        ),
        (["merge-heads", "--check", "--dry-run"], "--dry-run does nothing with --check"),
        (["heads", "-v", "--format", "json"], "-v does nothing with --format json"),
        (["db", "sync", "--yes", "--dry-run"], "--yes does nothing with --dry-run"),
        (["--version-location", "x", "-n", "other", "heads"], "-n does nothing with"),
        (["check", "--strict-overlaps"], "--strict-overlaps goes with --against"),
    ],
)
def test_an_option_the_combination_ignores_is_a_usage_error(
    project: Path, args: list[str], error: str
) -> None:
    fork(project)
    result = run_cli(project, *args)
    assert result.returncode == 2
    assert f"Error: {error}" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(list(project.glob("migrations/versions/*.py"))) == 3  # nothing written


def test_the_command_list_shows_whole_summaries(project: Path) -> None:
    out = run_cli(project, "--help", env={"COLUMNS": "60"}).stdout
    commands = out[out.index("Commands:") :]
    assert "..." not in commands and "…" not in commands
    flat = " ".join(commands.split())
    summary = "Exit 1 if heads conflict (the same branch label, or more than one unlabelled head)."
    assert summary in flat


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["check"], ["alembic-git.target", "[tool.alembic-git] target", "main or master"]),
        (["forecast"], ["alembic-git.target", "[tool.alembic-git] target", "main or master"]),
        (["graph"], ["repeatable", "unique prefix", "default: 3"]),
        (["merge-heads"], ["default: refuse", "default: one head per branch label", "exit 1"]),
    ],
)
def test_help_says_each_default_and_where_it_comes_from(
    project: Path, command: list[str], words: list[str]
) -> None:
    # Without white space: click wraps the help to the terminal, even inside "alembic-git".
    out = "".join(run_cli(project, *command, "--help").stdout.split())
    for word in words:
        assert "".join(word.split()) in out


def test_merge_heads_check_exits_1_with_the_diff_and_writes_nothing(project: Path) -> None:
    fork(project)
    commit_all(project, "fork")
    before = sorted(p.name for p in project.glob("migrations/versions/*.py"))
    result = run_cli(project, "merge-heads", "--strategy", "merge", "--check")
    assert result.returncode == 1, result.stderr
    assert "+++ b/migrations/versions/" in result.stdout
    assert result.stdout.rstrip().endswith("check: 1 file(s) would change; nothing written")
    assert sorted(p.name for p in project.glob("migrations/versions/*.py")) == before


def test_merge_heads_check_exits_0_when_there_is_nothing_to_do(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    result = run_cli(project, "merge-heads", "--check")
    assert result.returncode == 0
    assert "nothing to do" in result.stdout


def test_merge_heads_dry_run_still_exits_0(project: Path) -> None:
    fork(project)
    commit_all(project, "fork")
    assert run_cli(project, "merge-heads", "--strategy", "merge", "--dry-run").returncode == 0


def test_heads_verbose_prints_what_alembic_heads_verbose_prints(project: Path) -> None:
    fork(project)
    add_revision(project, "ddd444", "ccc333", "labelled", branch_labels="feature")
    add_revision(project, "eee555", ["bbb222"], "depends", depends_on="ddd444")
    ours = run_cli(project, "heads", "-v")
    theirs = alembic_cli(project, "heads", "-v")
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr

    def entries(text: str) -> set[str]:
        return {e.strip() for e in re.split(r"\n(?=Rev: )", text)}

    assert entries(ours.stdout) == entries(theirs.stdout)
    assert "Branch names: feature" in ours.stdout


def test_around_accepts_a_unique_prefix_as_alembic_does(project: Path) -> None:
    fork(project)
    by_prefix = run_cli(project, "graph", "--around", "bbb2", "--depth", "1")
    by_id = run_cli(project, "graph", "--around", "bbb222", "--depth", "1")
    assert by_prefix.returncode == 0, by_prefix.stderr
    assert by_prefix.stdout == by_id.stdout
    assert alembic_cli(project, "show", "bbb2").returncode == 0  # Alembic takes it too


def test_around_an_ambiguous_prefix_names_the_matches(project: Path) -> None:
    add_revision(project, "abc111", None, "base")
    add_revision(project, "abc222", "abc111", "next")
    result = run_cli(project, "graph", "--around", "abc")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: --around 'abc' is the start of several revisions of alembic.ini: "
        "abc111, abc222; give more characters\n"
    )



def history_ids(text: str) -> list[str]:
    return [line.split(" -> ")[1].split(" ")[0].rstrip(",") for line in text.splitlines()]


@pytest.mark.parametrize("shape", ["fork", "fork-with-lines", "merge-and-dependency"])
def test_text_graph_orders_siblings_as_alembic_history(project: Path, shape: str) -> None:
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "zzz999", "aaa111", "z")
    add_revision(project, "bbb222", "aaa111", "b")
    if shape != "fork":
        add_revision(project, "mmm555", "bbb222", "m")
        add_revision(project, "ccc333", "zzz999", "c")
        add_revision(project, "ddd444", "aaa111", "d")
    if shape == "merge-and-dependency":
        add_revision(project, "eee666", ["mmm555", "ccc333"], "merge")
        add_revision(project, "fff777", "ddd444", "f", depends_on="zzz999")
    ours = run_cli(project, "graph")
    theirs = alembic_cli(project, "history")
    assert theirs.returncode == 0, theirs.stderr
    assert history_ids(ours.stdout) == history_ids(theirs.stdout)
