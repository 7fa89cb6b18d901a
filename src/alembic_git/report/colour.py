"""Colour for the text reports, added after they are built: the builders stay plain text
(and pure), and a report is coloured by the first word of each line, the words users
scan for: ``conflict``/``error`` red, ``ok`` green, ``warning`` yellow, and the command
after ``fix:``, ``next:`` or ``then:`` bold.  Whether to colour at all is the caller's
choice (a terminal, ``NO_COLOR``, ``--color``)."""

from __future__ import annotations

import re
from collections.abc import Callable

import click

_RED = {"fg": "red", "bold": True}
_GREEN = {"fg": "green", "bold": True}
_YELLOW = {"fg": "yellow", "bold": True}
_WORD = {"conflict": _RED, "error": _RED, "ok": _GREEN, "warning": _YELLOW}

# "conflict: ...", "  ok: ...", "alembic-git: conflict ..." (the hooks' lines)
_VERDICT = re.compile(r"^(\s*(?:alembic-git: )?)(conflict|error|ok|warning)\b")
# "fix: alembic-git merge-heads", "next: git add ...", "  fix with: ..."
_COMMAND = re.compile(r"^(\s*(?:fix|fix with|next|then|to fix|run): )(.+)$")
# forecast's table: "  REF  STATUS  detail"
_ROW = re.compile(r"^(  \S+\s+)(conflict|error|ok)(\s|$)")


def colour_line(line: str) -> str:
    command = _COMMAND.match(line)
    if command:
        return command.group(1) + click.style(command.group(2), fg="cyan", bold=True)
    for pattern in (_VERDICT, _ROW):
        m = pattern.match(line)
        if m:
            word = click.style(m.group(2), **_WORD[m.group(2)])  # type: ignore[arg-type]
            return m.group(1) + word + line[m.end(2):]
    return line


def colour(text: str) -> str:
    """``text`` with its verdicts and fix commands in ANSI colour."""
    return "\n".join(colour_line(line) for line in text.split("\n"))


Painter = Callable[[str], str]


def plain(text: str) -> str:
    return text
