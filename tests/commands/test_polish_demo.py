"""The demo's first screen is the failure the tool is about: Alembic's own error."""

from __future__ import annotations

import subprocess
import sys

from support.paths import ROOT

DEMO = ROOT / "examples" / "demo.py"


def test_the_demo_shows_alembic_failing_before_alembic_git_runs() -> None:
    proc = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, check=False, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    first_tool = out.index("$ alembic-git ")
    failure = out.index("FAILED: Multiple head revisions are present")
    assert out.index("$ alembic upgrade head") < failure < first_tool
    first_screen = out[: out.index("\n== ", 1)]
    assert "then Alembic fails" in first_screen
    # then alembic-git finds it and fixes it, and the same upgrade runs
    after = out[failure:]
    assert after.index("$ alembic-git check\nconflict:") < after.index("$ alembic-git merge-heads")
    assert "one head per label group now" in after
