"""Whether this run colours its reports: ``--color always|never``, else (auto) only when
the stream is a terminal, ``NO_COLOR`` is not set (any value, https://no-color.org) and we
are not in a CI log (``CI`` set; those logs keep escape codes as noise)."""

from __future__ import annotations

import os
import sys
from typing import IO

import click

from alembic_git.report.colour import Painter, colour, plain

COLOR_KEY = "alembic_git.color"


def wanted(stream: IO[str], setting: str | None = None) -> bool:
    if setting is None:
        ctx = click.get_current_context(silent=True)
        setting = str(ctx.meta.get(COLOR_KEY, "auto")) if ctx is not None else "auto"
    if setting != "auto":
        return setting == "always"
    if "NO_COLOR" in os.environ or "CI" in os.environ:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def painter(err: bool = False) -> Painter:
    """``colour`` when this run's output (stdout, or stderr) should be coloured."""
    return colour if wanted(sys.stderr if err else sys.stdout) else plain


def echo(text: str, err: bool = False) -> None:
    """``click.echo`` of a report, coloured when wanted (and then never stripped: with
    ``--color always`` the codes go into a pipe too)."""
    paint = painter(err)
    click.echo(paint(text), err=err, color=paint is colour)
