"""Revision files with hostile values, written so that Alembic still loads them.

Every value is written with ``repr``: the file itself is harmless and valid for
Alembic; the danger is in tools that copy its values somewhere raw.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

V = "migrations/versions"

# What a pull request may put in a branch label, a message or a revision id.
WORKFLOW_COMMAND = "x\n::error file=README.md::pwned"
HTML = '<img src=x onerror=alert(1)> <a href="https://evil.example">click</a>'
MENTIONS = "@everyone @acme/security-team"


def write_revision(
    project: Path,
    name: str,
    rev: str,
    down: str | Sequence[str] | None,
    *,
    message: str = "a revision",
    labels: Sequence[str] | None = None,
) -> Path:
    down_value = down if down is None or isinstance(down, str) else tuple(down)
    docstring = repr(f"{message}\n\n")  # a string statement: the module's docstring
    path = project / V / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"{docstring}\n"
        "from alembic import op\n\n"
        f"revision = {rev!r}\n"
        f"down_revision = {down_value!r}\n"
        f"branch_labels = {tuple(labels) if labels else None!r}\n"
        "depends_on = None\n\n\n"
        "def upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )
    return path
