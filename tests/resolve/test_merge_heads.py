"""merge-heads on real git repositories, checked with real Alembic and a real SQLite database."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.repo import (
    INI,
    add_revision,
    alembic_cli,
    alembic_script_directory,
    commit_all,
    git,
    init_project,
    run_cli,
)

from alembic_git.cli import main
from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import Selection
from alembic_git.workspace import Workspace

V = "migrations/versions"


@dataclass
class Result:
    code: int
    out: str
    err: str


MergeHeads = Callable[..., Result]


@pytest.fixture
def mh(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> MergeHeads:
    """``alembic-git merge-heads ARGS`` in-process, from the project's folder."""

    def call(project: Path, *args: str) -> Result:
        monkeypatch.chdir(project)
        capsys.readouterr()
        code = main(["merge-heads", *args])
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return call


def alembic(project: Path, name: str, *args: str, **kwargs: str) -> None:
    """Run an Alembic command in-process (as ``alembic NAME ARGS`` would)."""
    from alembic import command
    from alembic.config import Config

    old = os.getcwd()
    os.chdir(project)
    try:
        config = Config(str(project / "alembic.ini"), stdout=io.StringIO())
        getattr(command, name)(config, *args, **kwargs)
    finally:
        os.chdir(old)


def heads(project: Path) -> list[str]:
    return sorted(alembic_script_directory(project).get_heads())


def tables(project: Path) -> set[str]:
    with sqlite3.connect(project / "app.db") as db:
        rows = db.execute("select name from sqlite_master where type = 'table'").fetchall()
    return {r[0] for r in rows} - {"alembic_version"}


def up_and_down(project: Path, expected: set[str]) -> None:
    """One head for Alembic; upgrade head creates every table, downgrade base drops them."""
    assert len(heads(project)) == 1
    alembic(project, "upgrade", "head")
    assert tables(project) == expected
    alembic(project, "downgrade", "base")
    assert tables(project) == set()


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(project)): p.read_bytes()
        for p in sorted((project / "migrations").rglob("*.py"))
    }


def path_of(project: Path, rev: str) -> Path:
    (found,) = (project / V).glob(f"{rev}_*.py")
    return found


def down_of(project: Path, rev: str) -> object:
    return alembic_script_directory(project).get_revision(rev).down_revision


@pytest.fixture
def forked(project: Path) -> Path:
    """feature (ccc333, CRLF, double quotes) has merged main (bbb222): two heads."""
    add_revision(project, "aaa111", None, "first", table="t0")
    commit_all(project, "first")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "ccc333", "aaa111", "add comments", table="t2", crlf=True, quote='"')
    commit_all(project, "feature: comments")
    git(project, "checkout", "-q", "main")
    add_revision(project, "bbb222", "aaa111", "add invoices", table="t1")
    commit_all(project, "main: invoices")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    return project


# -- nothing to do ------------------------------------------------------------------


def test_one_head_says_so_and_changes_nothing(project: Path, mh: MergeHeads) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "aaa111", "second")
    before = snapshot(project)
    result = mh(project)
    assert (result.code, result.err) == (0, "")
    assert result.out == "ok: alembic.ini: one head per label group (bbb222); nothing to do\n"
    assert snapshot(project) == before


def test_labelled_branches_meant_to_be_separate_are_left_alone(
    project: Path, mh: MergeHeads
) -> None:
    add_revision(project, "a0", None, "base", table="t0")
    add_revision(project, "e1", "a0", "expand", branch_labels="expand", table="te1")
    add_revision(project, "c1", "a0", "contract", branch_labels="contract", table="tc1")
    assert mh(project).out.startswith("ok: alembic.ini: one head per label group (c1, e1)")
    add_revision(project, "e2", "e1", "expand two", table="te2")
    add_revision(project, "e3", "e1", "expand three", table="te3")
    result = mh(project, "--strategy", "merge", "--rev-id", "e4merge")
    assert result.code == 0, result.err
    assert "2 heads under label 'expand': e2, e3 (they fork from e1)" in result.out
    assert heads(project) == ["c1", "e4merge"]  # contract keeps its own head
    assert result.out.rstrip().endswith("then: alembic upgrade heads")  # "head" would fail
    script = alembic_script_directory(project)
    assert script.get_revision("expand@head").revision == "e4merge"
    assert set(script.get_revision("e4merge").down_revision) == {"e2", "e3"}


def test_a_labelled_group_is_rebased_and_the_other_label_untouched(
    project: Path, mh: MergeHeads
) -> None:
    add_revision(project, "a0", None, "base", table="t0")
    add_revision(project, "e1", "a0", "expand", branch_labels="expand", table="te1")
    add_revision(project, "c1", "a0", "contract", branch_labels="contract", table="tc1")
    commit_all(project, "expand and contract")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "e2", "e1", "ours", table="te2")
    commit_all(project, "ours")
    git(project, "checkout", "-q", "main")
    add_revision(project, "e3", "e1", "theirs", table="te3")
    commit_all(project, "theirs")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    before = snapshot(project)
    result = mh(project)
    assert result.code == 0, result.err
    assert "2 heads under label 'expand': e2, e3 (they fork from e1)\n" in result.out
    assert "  rebase (auto): e2 is not on main: not published, so it can move\n" in result.out
    changed = {k for k, v in snapshot(project).items() if before[k] != v}
    assert changed == {f"{V}/e2_ours.py"}
    assert heads(project) == ["c1", "e2"]
    alembic(project, "upgrade", "heads")
    assert tables(project) == {"t0", "te1", "te2", "te3", "tc1"}
    alembic(project, "downgrade", "base")
    assert tables(project) == set()


# -- rebase -------------------------------------------------------------------------


def test_rebase_after_a_pull_rewrites_two_values_and_alembic_upgrades(
    forked: Path, mh: MergeHeads
) -> None:
    project = forked
    target = path_of(project, "ccc333")
    before = target.read_bytes()
    target.chmod(0o640)
    pycache = project / V / "__pycache__"
    pycache.mkdir()
    (pycache / f"{target.stem}.cpython-311.pyc").write_bytes(b"stale")
    (pycache / "bbb222_add_invoices.cpython-311.pyc").write_bytes(b"fine")

    result = mh(project)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "alembic.ini: 2 heads: bbb222, ccc333 (they fork from aaa111)\n"
        "  rebase (auto): ccc333 is not on main: not published, so it can move\n"
        f"  rewrote {V}/ccc333_add_comments.py: down_revision aaa111 -> bbb222\n"
        "alembic.ini: one head per label group now: ccc333\n"
        f"next: git add {V}/ccc333_add_comments.py\n"
        "then: alembic upgrade head\n"
    )
    after = target.read_bytes()
    assert after == before.replace(b"Revises: aaa111\r\n", b"Revises: bbb222\r\n").replace(
        b'down_revision: Union[str, Sequence[str], None] = "aaa111"\r\n',
        b'down_revision: Union[str, Sequence[str], None] = "bbb222"\r\n',
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in pycache.iterdir()) == ["bbb222_add_invoices.cpython-311.pyc"]
    assert not [p for p in (project / V).iterdir() if p.name.endswith(".tmp")]
    up_and_down(project, {"t0", "t1", "t2"})


def test_rebase_stacks_chains_in_commit_order_and_keeps_inner_links(
    project: Path, mh: MergeHeads
) -> None:
    add_revision(project, "a0", None, "base", table="t0")
    commit_all(project, "base")
    git(project, "checkout", "-q", "-b", "feature")
    # chain A: f1a001 committed first, its second revision last; chain B in between;
    # chain C never committed.  File order (ids) would be the other way round.
    add_revision(project, "f1a001", "a0", "a one", table="ta1", style="classic")
    commit_all(project, "a1")
    add_revision(project, "0b0001", "a0", "b one", table="tb1")
    commit_all(project, "b1")
    add_revision(project, "f1a002", "f1a001", "a two", table="ta2")
    commit_all(project, "a2")
    git(project, "checkout", "-q", "main")
    add_revision(project, "m1", "a0", "main one", table="tm1")
    commit_all(project, "m1")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    add_revision(project, "00c001", "a0", "c one", table="tc1")  # untracked: brand new

    result = mh(project, "--strategy", "rebase")
    assert result.code == 0, result.err
    assert "f1a001, f1a002, 0b0001, 00c001 are not on main" in result.out
    assert down_of(project, "f1a001") == "m1"
    assert down_of(project, "f1a002") == "f1a001"  # inner link kept, file untouched
    assert down_of(project, "0b0001") == "f1a002"
    assert down_of(project, "00c001") == "0b0001"
    assert git(project, "status", "--porcelain", "--", f"{V}/f1a002_a_two.py") == ""
    up_and_down(project, {"t0", "tm1", "ta1", "ta2", "tb1", "tc1"})


def test_mid_merge_uses_merge_head_as_the_target(project: Path, mh: MergeHeads) -> None:
    add_revision(project, "aaa111", None, "first", table="t0")
    commit_all(project, "first")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "ccc333", "aaa111", "feature", table="t2", style="classic")
    commit_all(project, "feature")
    git(project, "checkout", "-q", "main")
    add_revision(project, "bbb222", "aaa111", "main", table="t1")
    commit_all(project, "main")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-ff", "--no-commit", "main")
    sha = git(project, "rev-parse", "main")

    result = mh(project)
    assert result.code == 0, result.err
    assert f"ccc333 is not on MERGE_HEAD ({sha[:12]}): not published, so it can move" in result.out
    assert "then: git commit (to conclude the merge)" in result.out
    assert down_of(project, "ccc333") == "bbb222"
    git(project, "commit", "-q", "-a", "--no-edit")
    up_and_down(project, {"t0", "t1", "t2"})


def test_mid_rebase_uses_the_rebase_onto(project: Path, mh: MergeHeads) -> None:
    add_revision(project, "aaa111", None, "first", table="t0")
    (project / "README").write_text("base\n")
    commit_all(project, "first")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "ccc333", "aaa111", "feature", table="t2")
    (project / "README").write_text("feature\n")
    commit_all(project, "feature")
    git(project, "checkout", "-q", "main")
    add_revision(project, "bbb222", "aaa111", "main", table="t1")
    (project / "README").write_text("main\n")
    commit_all(project, "main")
    git(project, "checkout", "-q", "feature")
    rebase = run_git_allowing_failure(project, "rebase", "main")
    assert rebase != 0 and (project / ".git" / "rebase-merge").is_dir()

    result = mh(project)
    assert result.code == 0, result.err
    assert "ccc333 is not on the rebase's onto (" in result.out
    assert "then: git rebase --continue (once any conflict is resolved)" in result.out
    (project / "README").write_text("both\n")
    git(project, "add", "-A")
    git(project, "-c", "core.editor=true", "rebase", "--continue")
    assert git(project, "status", "--porcelain", "--untracked-files=no") == ""
    assert down_of(project, "ccc333") == "bbb222"
    up_and_down(project, {"t0", "t1", "t2"})


def run_git_allowing_failure(cwd: Path, *args: str) -> int:
    import subprocess

    return subprocess.run(["git", *args], cwd=cwd, capture_output=True).returncode


# -- what is published never moves --------------------------------------------------


@pytest.fixture
def main_with_remote(tmp_path: Path) -> Iterator[Path]:
    """main (a0) on a bare origin; feature1 (f1) and feature2 (f2) both branch from it."""
    repo = init_project(tmp_path / "work")
    add_revision(repo, "a0a0a0a0a0a0", None, "base", table="t0")
    commit_all(repo, "base")
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "origin.git"))
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(repo, "push", "-q", "-u", "origin", "main")
    for name, rev in (("feature1", "f1f1f1f1f1f1"), ("feature2", "f2f2f2f2f2f2")):
        git(repo, "checkout", "-q", "-b", name, "main")
        add_revision(repo, rev, "a0a0a0a0a0a0", name, table=f"t_{name}")
        commit_all(repo, name)
    git(repo, "checkout", "-q", "main")
    yield repo


@pytest.mark.parametrize("in_progress", [True, False], ids=["mid-merge", "merge-committed"])
@pytest.mark.parametrize("remote", [True, False], ids=["pushed", "local-only"])
def test_merging_two_features_into_main_never_moves_mains_revisions(
    main_with_remote: Path, mh: MergeHeads, remote: bool, in_progress: bool
) -> None:
    repo = main_with_remote
    if not remote:
        git(repo, "remote", "remove", "origin")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "feature1")
    if remote:
        git(repo, "push", "-q", "origin", "main")
    alembic(repo, "upgrade", "head")  # a database at main's head: f1 has run
    assert tables(repo) == {"t0", "t_feature1"}
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "--no-edit",
        *(["--no-commit"] if in_progress else []),
        "feature2",
    )
    before = snapshot(repo)

    refused = mh(repo, "--strategy", "rebase")
    assert refused.code == 2
    assert snapshot(repo) == before
    if in_progress:  # MERGE_HEAD is the feature: main's f1 is what it lacks, and f1 is published
        where = "origin/main" if remote else "main (checked out: the default branch)"
        assert refused.err == (
            "alembic-git: error: cannot rebase heads f1f1f1f1f1f1, f2f2f2f2f2f2: f1f1f1f1f1f1 is "
            f"already on {where}: a published revision is never rebased (a database may have "
            "run it); join them with a merge revision instead: --strategy merge\n"
        )
    result = mh(repo)
    assert result.code == 0, result.err
    assert "  merge (auto): " in result.out
    changed = {k for k, v in snapshot(repo).items() if before.get(k) != v}
    (merge_file,) = changed  # main's revisions, f1 and f2 alike, are untouched
    (merge,) = heads(repo)
    assert merge_file.startswith(f"{V}/{merge}_merge_heads_")
    assert set(down_of(repo, merge)) == {"f1f1f1f1f1f1", "f2f2f2f2f2f2"}  # type: ignore[arg-type]
    alembic(repo, "upgrade", "head")
    assert tables(repo) == {"t0", "t_feature1", "t_feature2"}
    git(repo, "add", "-A")
    if in_progress:
        git(repo, "commit", "-q", "--no-edit")
    else:
        commit_all(repo, "merge revision")
    alembic(repo, "downgrade", "base")
    assert tables(repo) == set()


def test_a_revision_already_on_the_target_is_never_rewritten(
    main_with_remote: Path, mh: MergeHeads
) -> None:
    repo = main_with_remote
    git(repo, "checkout", "-q", "feature2")
    git(repo, "merge", "-q", "--no-edit", "feature1")  # feature1 is not on main: ours
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "feature1")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "feature2")
    before = snapshot(repo)
    # feature2's own f2 may move; f1 (now on origin/main) is the target's, never moved
    result = mh(repo, "--strategy", "rebase", "--dry-run")
    assert result.code == 0, result.err
    assert "f2f2f2f2f2f2 is not on origin/main" in result.out
    assert "down_revision a0a0a0a0a0a0 -> f1f1f1f1f1f1" in result.out
    assert snapshot(repo) == before
    # with main as it was before feature1 landed, f1 would be ours too: name it as target
    git(repo, "branch", "old-main", "origin/main~1")
    result = mh(repo, "--strategy", "rebase", "--onto", "old-main")
    assert result.code == 2
    assert "f1f1f1f1f1f1 is already on origin/main: a published revision is never" in result.err
    assert snapshot(repo) == before


# -- merge --------------------------------------------------------------------------


def test_three_heads_one_merge_file_with_three_parents(project: Path, mh: MergeHeads) -> None:
    add_revision(project, "a0", None, "base", table="t0")
    for rev in ("b1", "c1", "d1"):
        add_revision(project, rev, "a0", rev, table=f"t_{rev}")
    result = mh(project, "--strategy", "merge", "--rev-id", "m3")
    assert result.code == 0, result.err
    assert f"  wrote {V}/m3_merge_heads_b1_c1_d1.py: merge revision m3 of b1, c1, d1" in result.out
    new = [p.name for p in (project / V).glob("*.py") if p.name.startswith("m3")]
    assert new == ["m3_merge_heads_b1_c1_d1.py"]
    assert down_of(project, "m3") == ("b1", "c1", "d1")
    up_and_down(project, {"t0", "t_b1", "t_c1", "t_d1"})


def test_merge_file_is_what_alembic_merge_writes(project: Path, mh: MergeHeads) -> None:
    add_revision(project, "a0", None, "base")
    add_revision(project, "b1", "a0", "one")
    add_revision(project, "c1", "a0", "two")
    commit_all(project, "fork")
    theirs = project.parent / "theirs"
    shutil.copytree(project, theirs)
    assert mh(project, "--strategy", "merge", "--rev-id", "feed01", "-m", "join").code == 0
    alembic(theirs, "merge", "heads", message="join", rev_id="feed01")
    ours = (project / V / "feed01_join.py").read_bytes().splitlines()
    expected = (theirs / V / "feed01_join.py").read_bytes().splitlines()
    assert [line for line in ours if not line.startswith(b"Create Date:")] == [
        line for line in expected if not line.startswith(b"Create Date:")
    ]


CUSTOM_TEMPLATE = '''\
# ACME migration, by ${config.get_main_option("migration_author")}
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""
from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


def test_a_custom_script_template_is_used(tmp_path: Path, mh: MergeHeads) -> None:
    project = init_project(
        tmp_path / "p", ini=INI.replace("[loggers]", "migration_author = ops\n\n[loggers]", 1)
    )
    (project / "migrations" / "script.py.mako").write_text(CUSTOM_TEMPLATE)
    add_revision(project, "a0", None, "base", table="t0")
    add_revision(project, "b1", "a0", "one", table="t1")
    add_revision(project, "c1", "a0", "two", table="t2")
    result = mh(project, "--strategy", "merge", "--rev-id", "abc123", "-m", "Join b1 & c1!")
    assert result.code == 0, result.err
    text = (project / V / "abc123_join_b1_c1.py").read_text()
    assert text.startswith('# ACME migration, by ops\n"""Join b1 & c1!\n\nRevision ID: abc123\n')
    assert "Revises: b1, c1\n" in text
    assert "down_revision = ('b1', 'c1')\n" in text
    up_and_down(project, {"t0", "t1", "t2"})


def test_an_effective_head_is_merged_where_alembic_merge_heads_is_not(
    project: Path, mh: MergeHeads
) -> None:
    add_revision(project, "a0", None, "base", table="t0")
    add_revision(project, "x1", "a0", "x", table="tx")
    add_revision(project, "y1", "a0", "y", depends_on="x1", table="ty")
    commit_all(project, "x and y")
    theirs = project.parent / "theirs"
    shutil.copytree(project, theirs)
    alembic(theirs, "merge", "heads", "alembic's merge")
    assert len(heads(theirs)) == 2  # Alembic merged the real head only
    assert alembic_cli(theirs, "upgrade", "head").returncode != 0

    result = mh(project, "--strategy", "merge")
    assert result.code == 0, result.err
    assert "alembic.ini: 2 heads: x1, y1" in result.out
    (merge,) = heads(project)
    assert set(down_of(project, merge)) == {"x1", "y1"}  # type: ignore[arg-type]
    assert alembic_cli(project, "upgrade", "head").returncode == 0
    assert tables(project) == {"t0", "tx", "ty"}
    assert alembic_cli(project, "downgrade", "base").returncode == 0


def test_merge_goes_into_the_version_location_of_the_heads(tmp_path: Path, mh: MergeHeads) -> None:
    ini = INI.replace(
        "path_separator = os\n",
        "path_separator = os\n"
        "version_locations = %(here)s/migrations/versions:%(here)s/migrations/extra\n",
    )
    project = init_project(tmp_path / "p", ini=ini)
    add_revision(project, "a0", None, "base")
    add_revision(project, "b1", "a0", "one", folder="migrations/extra")
    add_revision(project, "c1", "a0", "two", folder="migrations/extra")
    assert mh(project, "--strategy", "merge", "--rev-id", "e0").code == 0
    assert (project / "migrations/extra/e0_merge_heads_b1_c1.py").is_file()
    assert len(heads(project)) == 1


def test_auto_merges_when_this_branch_has_its_own_merge_revision(
    project: Path, mh: MergeHeads
) -> None:
    add_revision(project, "a0", None, "base")
    commit_all(project, "base")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "x1", "a0", "x one")
    add_revision(project, "x2", "a0", "x two")
    add_revision(project, "xm", ("x1", "x2"), "x merge")
    commit_all(project, "feature")
    git(project, "checkout", "-q", "main")
    add_revision(project, "b1", "a0", "main")
    commit_all(project, "main")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    result = mh(project, "--rev-id", "j0")
    assert result.code == 0, result.err
    assert "  merge (auto): xm merges revisions of this branch; rebase moves linear chains\n" in (
        result.out
    )
    assert heads(project) == ["j0"]


def test_a_second_merge_over_the_same_parents_is_refused(project: Path, mh: MergeHeads) -> None:
    add_revision(project, "a0", None, "base")
    add_revision(project, "b1", "a0", "one")
    add_revision(project, "c1", "a0", "two")
    add_revision(project, "m1", ("b1", "c1"), "merge one")
    add_revision(project, "m2", ("b1", "c1"), "merge two")
    before = snapshot(project)
    result = mh(project)
    assert result.code == 2
    assert result.err == (
        "alembic-git: error: alembic.ini: not writing a second merge revision: m1 and m2 are "
        "both merge revisions of b1, c1; merging them would stack a second merge on the same "
        "parents: delete the one that is not published; nothing was written\n"
    )
    assert snapshot(project) == before


def test_a_duplicate_merge_names_the_unpublished_one_to_delete(
    project: Path, mh: MergeHeads
) -> None:
    add_revision(project, "a0", None, "base")
    add_revision(project, "b1", "a0", "one")
    add_revision(project, "c1", "a0", "two")
    commit_all(project, "fork")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "m2", ("b1", "c1"), "our merge")
    commit_all(project, "our merge")
    git(project, "checkout", "-q", "main")
    add_revision(project, "m1", ("b1", "c1"), "their merge")
    commit_all(project, "their merge")
    git(project, "checkout", "-q", "feature")
    git(project, "merge", "-q", "--no-edit", "main")
    result = mh(project)
    assert result.code == 2
    assert (
        "m1 and m2 are both merge revisions of b1, c1; merging them would stack a second merge "
        f"on the same parents: m1 is on main: delete {V}/m2_our_merge.py; nothing was written\n"
    ) in result.err


def test_a_merge_the_target_already_has_is_not_written_again(
    main_with_remote: Path, mh: MergeHeads
) -> None:
    repo = main_with_remote
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "feature1")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "feature2")
    assert mh(repo, "--rev-id", "0e0e0e0e0e0e").code == 0
    commit_all(repo, "merge revision")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "feature2")
    git(repo, "merge", "-q", "--no-edit", "feature1")
    result = mh(repo, "--strategy", "merge")
    assert result.code == 2
    assert (
        "origin/main already has merge revision 0e0e0e0e0e0e over f1f1f1f1f1f1, f2f2f2f2f2f2"
        in result.err
    )


def test_rev_id_that_collides_is_refused_before_writing(project: Path, mh: MergeHeads) -> None:
    add_revision(project, "a0", None, "base")
    add_revision(project, "b1", "a0", "one")
    add_revision(project, "c1", "a0", "two")
    before = snapshot(project)
    for bad, message in (
        ("b1", "already a revision"),
        ("x-1", "not a usable revision id"),
        ("bad id!", "not a usable revision id"),
    ):
        result = mh(project, "--strategy", "merge", "--rev-id", bad)
        assert result.code == 2
        assert message in result.err
        assert snapshot(project) == before


def test_every_environment_of_a_monorepo_gets_its_own_merge(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = project / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(
            "[loggers]",
            "[other]\nscript_location = %(here)s/other\nsqlalchemy.url = sqlite:///%(here)s/o.db"
            "\n\n[loggers]",
        )
    )
    shutil.copytree(project / "migrations", project / "other")
    for folder in ("migrations/versions", "other/versions"):
        add_revision(project, f"{folder[0]}0", None, "base", folder=folder)
        add_revision(project, f"{folder[0]}1", f"{folder[0]}0", "one", folder=folder)
        add_revision(project, f"{folder[0]}2", f"{folder[0]}0", "two", folder=folder)
    monkeypatch.chdir(project)
    assert main(["--all", "merge-heads", "--strategy", "merge", "--rev-id", "x9"]) == 2
    assert "--rev-id names one revision, but 2 merge revisions are needed" in (
        capsys.readouterr().err
    )
    assert main(["--all", "merge-heads", "--strategy", "merge"]) == 0
    out = capsys.readouterr().out
    assert "alembic.ini: one head per label group now" in out
    assert "alembic.ini [other]: one head per label group now" in out
    assert out.rstrip().endswith("then: alembic upgrade head\nthen: alembic -n other upgrade head")
    assert len(heads(project)) == 1
    assert len(alembic_script_directory(project, section="other").get_heads()) == 1


def test_an_unknown_onto_is_an_error(forked: Path, mh: MergeHeads) -> None:
    result = mh(forked, "--onto", "no-such-branch")
    assert result.code == 2
    assert result.err == (
        "alembic-git: error: 'no-such-branch' is not a commit in this repository; "
        "check the name (git branch -a), or fetch it first\n"
    )


@pytest.mark.parametrize("where", ["git config", "pyproject.toml"])
def test_a_wrong_configured_target_is_an_error_not_a_guess(
    forked: Path, mh: MergeHeads, where: str
) -> None:
    if where == "git config":
        git(forked, "config", "alembic-git.target", "origin/nope")
    else:
        (forked / "pyproject.toml").write_text(
            '[tool.alembic-git]\ntarget = "origin/nope"\n', encoding="utf-8"
        )
    before = snapshot(forked)
    result = mh(forked)
    assert result.code == 2
    assert "'origin/nope', which is not a commit here" in result.err
    assert snapshot(forked) == before


# -- safety -------------------------------------------------------------------------


def test_dry_run_writes_nothing(forked: Path, mh: MergeHeads) -> None:
    before = snapshot(forked)
    rebase = mh(forked, "--dry-run")
    assert rebase.code == 0, rebase.err
    assert f"  would rewrite {V}/ccc333_add_comments.py: down_revision aaa111 -> bbb222\n" in (
        rebase.out
    )
    assert "-Revises: aaa111\r\n+Revises: bbb222\r\n" in rebase.out
    assert rebase.out.endswith("dry run: nothing written\n")
    merge = mh(forked, "--dry-run", "--strategy", "merge", "--rev-id", "dd01")
    assert merge.code == 0, merge.err
    assert f"+++ b/{V}/dd01_merge_heads_bbb222_ccc333.py\n" in merge.out
    assert "+down_revision: Union[str, Sequence[str], None] = ('bbb222', 'ccc333')\n" in merge.out
    assert snapshot(forked) == before
    assert git(forked, "status", "--porcelain") == ""


def test_a_tracked_file_with_uncommitted_changes_is_refused_unless_forced(
    forked: Path, mh: MergeHeads
) -> None:
    target = path_of(forked, "ccc333")
    edited = target.read_bytes() + b"# work in progress\r\n"
    target.write_bytes(edited)
    result = mh(forked)
    assert result.code == 2
    assert result.err == (
        f"alembic-git: error: {V}/ccc333_add_comments.py has uncommitted changes; not rewriting "
        "it; commit or stash them first, or pass --force (nothing was written)\n"
    )
    assert target.read_bytes() == edited
    forced = mh(forked, "--force")
    assert forced.code == 0, forced.err
    assert target.read_bytes() == edited.replace(b"aaa111", b"bbb222")


def test_a_broken_template_is_caught_after_writing_and_rolled_back(
    project: Path, mh: MergeHeads
) -> None:
    mako = project / "migrations" / "script.py.mako"
    mako.write_text(
        mako.read_text().replace(
            "${repr(down_revision)}",
            "${repr(down_revision[0] if isinstance(down_revision, tuple) else down_revision)}",
        )
    )
    add_revision(project, "a0", None, "base")
    add_revision(project, "b1", "a0", "one")
    add_revision(project, "c1", "a0", "two")
    before = snapshot(project)
    result = mh(project, "--strategy", "merge", "--rev-id", "bad0")
    assert result.code == 2
    assert result.err == (
        "alembic-git: error: verification failed after writing: merge revision bad0 should "
        "join b1, c1 but its down_revision reads b1 (check the script.py.mako) (and 1 more); "
        "every file was restored; nothing changed on disk\n"
    )
    assert snapshot(project) == before


def test_a_failed_verification_restores_rebased_files(
    forked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic_git.commands.merge_heads import run

    before = snapshot(forked)
    seen: list[str] = []

    def verifier(env: object, graph: object) -> list[str]:
        seen.append(path_of(forked, "ccc333").read_text())  # the rewritten file, on disk
        return ["the test's verifier says no"]

    monkeypatch.chdir(forked)
    ws = Workspace.here(Selection())
    with pytest.raises(AlembicGitError, match="the test's verifier says no; every file was"):
        run(ws, strategy="rebase", verifier=verifier)
    ws.close()
    assert "Revises: bbb222" in seen[0]
    assert snapshot(forked) == before


def test_the_command_line_end_to_end(forked: Path) -> None:
    result = run_cli(forked, "merge-heads", "--strategy", "merge", "--rev-id", "cafe01")
    assert result.returncode == 0, result.stderr
    assert "wrote migrations/versions/cafe01_merge_heads_bbb222_ccc333.py" in result.stdout
    assert alembic_cli(forked, "upgrade", "head").returncode == 0
    assert alembic_cli(forked, "downgrade", "base").returncode == 0
    again = run_cli(forked, "merge-heads")
    assert again.stdout == "ok: alembic.ini: one head per label group (cafe01); nothing to do\n"
