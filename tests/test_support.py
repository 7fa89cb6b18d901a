"""The test helpers that stand in for a user's setup do what they claim."""

from __future__ import annotations

from pathlib import Path

from support.paths import snapshot_working_tree
from support.repo import commit_all, git


def test_a_snapshot_is_the_working_tree_with_its_uncommitted_edits(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    git(checkout, "init", "-q")
    (checkout / ".gitignore").write_text(".venv/\n")
    (checkout / "edited.py").write_text("committed\n")
    (checkout / "deleted.py").write_text("committed\n")
    commit_all(checkout, "the last commit")
    (checkout / "edited.py").write_text("edited, not committed\n")
    (checkout / "deleted.py").unlink()
    (checkout / "new.py").write_text("never added\n")
    (checkout / ".venv").mkdir()
    (checkout / ".venv" / "pyvenv.cfg").write_text("ignored\n")

    sha = snapshot_working_tree(tmp_path / "snapshot", root=checkout)

    snapshot = tmp_path / "snapshot"
    assert git(snapshot, "rev-parse", "HEAD") == sha
    assert git(snapshot, "ls-files").split() == [".gitignore", "edited.py", "new.py"]
    assert git(snapshot, "show", f"{sha}:edited.py") == "edited, not committed"
    assert git(snapshot, "status", "--porcelain") == ""
