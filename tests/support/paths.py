"""Where things are: this checkout (or unpacked sdist), its package, its examples."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "alembic_git"
EXAMPLES = ROOT / "examples"
