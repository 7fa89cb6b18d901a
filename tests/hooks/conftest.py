"""Fixtures of the hook tests: a project pushed to a bare remote."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.hooks import published_world


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """A project with revision aaa111 on main, pushed to the bare ``origin``."""
    return published_world(tmp_path)
