"""The forge tests' shared fixture: a pull request that conflicts with its base."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.pulls import PullRequest, conflicting_pr


@pytest.fixture
def pr(tmp_path: Path) -> PullRequest:
    """Branch ``feature`` adds f1 on a2; origin/main gained b3 on a2; the event is written."""
    return conflicting_pr(tmp_path)
