"""``alembic-git graph``: the drawings, and the neighbourhood of a fork."""

from __future__ import annotations

from pathlib import Path

from support.repo import add_revision, run_cli


def fork_with_dependency(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "bbb222", "aaa111", "left")
    add_revision(project, "ccc333", "aaa111", "right", depends_on="bbb222")


def test_mermaid_draws_parents_dependencies_and_marks_the_conflict(project: Path) -> None:
    fork_with_dependency(project)
    out = run_cli(project, "graph", "--format", "mermaid").stdout.splitlines()
    assert out[0] == "flowchart BT"
    assert '  r_bbb222["bbb222<br/>left"]' in out
    assert "  r_bbb222 --> r_aaa111" in out
    assert "  r_ccc333 --> r_aaa111" in out
    assert "  r_ccc333 -.->|depends_on| r_bbb222" in out
    assert "  class r_bbb222,r_ccc333 conflict" in out  # two unlabelled heads
    assert "  class r_aaa111 fork" in out


def test_dot_draws_dependencies_dashed(project: Path) -> None:
    fork_with_dependency(project)
    out = run_cli(project, "graph", "--format", "dot").stdout.splitlines()
    assert out[0] == "digraph revisions {"
    assert '  "ccc333" -> "aaa111";' in out
    assert '  "ccc333" -> "bbb222" [style=dashed];' in out
    assert out[-1] == "}"


def test_text_reads_like_alembic_history(project: Path) -> None:
    fork_with_dependency(project)
    out = run_cli(project, "graph").stdout.splitlines()
    assert out[0] == "aaa111 -> ccc333 (head) depends on bbb222, right"
    assert "aaa111 -> bbb222 (effective head), left" in out
    assert out[-1] == "<base> -> aaa111 (branchpoint), base"


def test_around_draws_only_the_neighbourhood(project: Path) -> None:
    add_revision(project, "r00000", None)
    for i in range(1, 30):
        add_revision(project, f"r{i:05d}", f"r{i - 1:05d}")
    add_revision(project, "side01", "r00025", "side")
    out = run_cli(project, "graph", "--around", "side01", "--depth", "2").stdout.splitlines()
    drawn = {line.split(" -> ")[1].split(" ")[0].rstrip(",") for line in out}
    assert drawn == {"side01", "r00025", "r00024", "r00026"}  # two edges away at most


def test_around_an_unknown_revision_is_one_line(project: Path) -> None:
    add_revision(project, "aaa111", None)
    result = run_cli(project, "graph", "--around", "nope")
    assert result.returncode == 2
    assert result.stderr == (
        "alembic-git: error: --around 'nope' is not a revision of alembic.ini; "
        "give a revision id or a unique start of one (alembic-git heads lists the heads)\n"
    )
