"""The pre-push fast path gives the full comparison's verdict, branch by branch."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.repo import add_revision, commit_all, git, init_project

from alembic_git import settings
from alembic_git.hooks.prepush import PrePush, PushedRef
from alembic_git.hooks.quick import QuickCheck
from alembic_git.revisions.discovery import Selection
from alembic_git.workspace import Workspace

ZERO = "0" * 40


Rev = tuple[str, "str | tuple[str, ...] | None", dict[str, str]]


def _rev(rev: str, down: str | tuple[str, ...] | None, **fields: str) -> Rev:
    return (rev, down, fields)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """main: a1 <- a2 <- a3 (one head); branches of every kind, with their verdicts."""
    proj = init_project(tmp_path / "proj")
    add_revision(proj, "a1", None, "one")
    commit_all(proj, "one")
    add_revision(proj, "a2", "a1", "two")
    commit_all(proj, "two")
    git(proj, "branch", "old")
    add_revision(proj, "a3", "a2", "three")
    commit_all(proj, "three")
    expected: dict[str, str] = {}

    def branch(name: str, start: str, want: str, *revisions: Rev) -> None:
        git(proj, "checkout", "-q", "-b", name, start)
        for rev, down, fields in revisions:
            add_revision(proj, rev, down, fields.pop("message", ""), **fields)
        commit_all(proj, name)
        expected[name] = want

    branch("tip", "main", "ok", _rev("b1", "a3"))
    branch("chain", "main", "ok", _rev("c1", "a3"), _rev("c2", "c1"), _rev("c3", ("c2",)))
    branch("stale", "old", "conflict", _rev("d1", "a2"))
    branch("behind", "old", "ok")  # nothing new
    branch("two-heads", "main", "conflict", _rev("e1", "a3"), _rev("e2", "a3"))
    branch("rejoined", "main", "ok", _rev("f1", "a3"), _rev("f2", "a3"), _rev("f3", ("f1", "f2")))
    branch("same-id", "old", "conflict", _rev("a3", "a2", message="another three"))
    branch("labelled", "main", "ok", _rev("g1", "a3"), _rev("g2", None, branch_labels="x"))
    branch("depends", "main", "ok", _rev("h1", "a3", depends_on="a2"))
    branch("dangling", "main", "error", _rev("i1", "nope"))
    branch("illegal-id", "main", "error", _rev("k@1", "a3"))
    branch("readme", "main", "ok")
    (proj / "migrations/versions/README").write_text("notes\n", encoding="utf-8")
    commit_all(proj, "a file that is no revision")
    branch("broken", "main", "error")
    (proj / "migrations/versions/j1.py").write_text("revision = 'j1'\ndef (:\n")
    commit_all(proj, "a syntax error")
    git(proj, "checkout", "-q", "main")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(proj, "remote", "add", "origin", str(remote))
    git(proj, "push", "-q", "origin", "main")
    add_revision(proj, "a4", "a3", "four")  # pushed by the test: merges stop being fast-forwards
    commit_all(proj, "four")
    return proj, expected


def verdict(proj: Path, branch: str, quick: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    ws = Workspace(cwd=str(proj), selection=Selection())
    raw = settings.RawSettings.read(ws.require_repo())
    check = PrePush(ws, raw, settings.resolve(raw), "origin", None)
    with monkeypatch.context() as m:
        if not quick:
            m.setattr(QuickCheck, "surely_clean", lambda *a, **k: False)
        sha = git(proj, "rev-parse", branch)
        reports, errors = check.check(
            [PushedRef(f"refs/heads/{branch}", sha, f"refs/heads/{branch}", ZERO)]
        )
    ws.close()
    return "conflict" if reports else "error" if errors else "ok"


@pytest.mark.slow
def test_the_fast_path_agrees_with_the_full_comparison(
    repo: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proj, expected = repo
    moved = {**expected, "tip": "conflict", "chain": "conflict", "two-heads": "conflict"}
    moved.update({"rejoined": "conflict", "depends": "conflict", "labelled": "conflict"})
    for wanted in (expected, moved):  # origin/main at a3, then at a4
        for branch, want in wanted.items():
            full = verdict(proj, branch, False, monkeypatch)
            cold = verdict(proj, branch, True, monkeypatch)
            warm = verdict(proj, branch, True, monkeypatch)
            assert (branch, full, cold, warm) == (branch, want, want, want)
        git(proj, "push", "-q", "origin", "main")


def test_a_warm_fast_path_reads_no_graph(
    repo: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proj, _ = repo
    assert verdict(proj, "chain", True, monkeypatch) == "ok"  # fills the heads cache
    graphs: list[object] = []
    original = Workspace.graph
    monkeypatch.setattr(Workspace, "graph", lambda *a: graphs.append(a) or original(*a))
    assert verdict(proj, "chain", True, monkeypatch) == "ok"
    assert verdict(proj, "tip", True, monkeypatch) == "ok"
    assert graphs == []
