"""Build real Alembic projects in real git repositories, for tests.

Revision files are written the way Alembic writes them (``modern`` typed
assignments or ``classic`` plain ones), so the static reader is tested on the
shapes it meets in the field, and Alembic itself can load every one of them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import alembic

from support.alembic_view import alembic_cli, alembic_script_directory
from support.cli import run_cli

# Tests import these from here too: the runner, and the two ways to ask Alembic.
__all__ = ["alembic_cli", "alembic_script_directory", "run_cli"]

ALEMBIC_TEMPLATES = Path(alembic.__file__).parent / "templates"

INI = """\
[alembic]
script_location = %(here)s/migrations
path_separator = os
sqlalchemy.url = sqlite:///%(here)s/app.db

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
"""


def git(cwd: Path | str, *args: str, input: str | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=input, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, "--allow-empty")
    return git(repo, "rev-parse", "HEAD")


def init_project(
    path: Path, ini: str = INI, template: str = "generic", commit: bool = True
) -> Path:
    """alembic.ini, migrations/{env.py,script.py.mako,versions/} in a new repository."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    (path / "alembic.ini").write_text(ini, encoding="utf-8")
    migrations = path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    src = ALEMBIC_TEMPLATES / template
    shutil.copy(src / "env.py", migrations / "env.py")
    shutil.copy(src / "script.py.mako", migrations / "script.py.mako")
    if commit:
        commit_all(path, "alembic environment")
    return path


def _literal(value: str | Sequence[str] | None, quote: str) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"{quote}{value}{quote}"
    items = [f"{quote}{v}{quote}" for v in value]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def revision_source(
    rev: str,
    down: str | Sequence[str] | None,
    message: str = "",
    *,
    branch_labels: str | Sequence[str] | None = None,
    depends_on: str | Sequence[str] | None = None,
    style: str = "modern",
    quote: str = "'",
    table: str | None = None,
) -> str:
    """The text of a revision file as Alembic's templates write it."""
    message = message or f"revision {rev}"
    revises = ", ".join([down] if isinstance(down, str) else list(down or []))
    upgrade = (
        f"op.create_table({table!r}, sa.Column('id', sa.Integer, primary_key=True))"
        if table
        else "pass"
    )
    downgrade = f"op.drop_table({table!r})" if table else "pass"
    if style == "modern":
        header = (
            "from typing import Sequence, Union\n\n"
            "from alembic import op\nimport sqlalchemy as sa\n\n\n"
            "# revision identifiers, used by Alembic.\n"
            f"revision: str = {_literal(rev, quote)}\n"
            f"down_revision: Union[str, Sequence[str], None] = {_literal(down, quote)}\n"
            f"branch_labels: Union[str, Sequence[str], None] = {_literal(branch_labels, quote)}\n"
            f"depends_on: Union[str, Sequence[str], None] = {_literal(depends_on, quote)}\n"
        )
    else:
        header = (
            "from alembic import op\nimport sqlalchemy as sa\n\n\n"
            "# revision identifiers, used by Alembic.\n"
            f"revision = {_literal(rev, quote)}\n"
            f"down_revision = {_literal(down, quote)}\n"
            f"branch_labels = {_literal(branch_labels, quote)}\n"
            f"depends_on = {_literal(depends_on, quote)}\n"
        )
    return (
        f'"""{message}\n\nRevision ID: {rev}\nRevises: {revises}\n'
        f'Create Date: 2026-11-30 12:00:00.000000\n\n"""\n'
        f"{header}\n\ndef upgrade() -> None:\n    {upgrade}\n\n\n"
        f"def downgrade() -> None:\n    {downgrade}\n"
    )


def add_revision(
    project: Path,
    rev: str,
    down: str | Sequence[str] | None,
    message: str = "",
    *,
    folder: str = "migrations/versions",
    crlf: bool = False,
    **kwargs: object,
) -> Path:
    text = revision_source(rev, down, message, **kwargs)  # type: ignore[arg-type]
    slug = "_".join((message or f"revision {rev}").lower().split())[:40]
    path = project / folder / f"{rev}_{slug}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    path.write_bytes(data)
    return path
