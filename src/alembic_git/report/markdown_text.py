"""Markdown building blocks that stay inert whatever text they are given.

Revision messages, file names, branch names and branch labels come from the
pull request: anyone can write them.  On GitHub and GitLab they must not
render raw HTML, ping people (``@everyone``, ``@org/team``), close our code
fences, split our table cells, or turn into links and math.  ``escape``
makes text literal; ``mono`` shows it in ``<code>`` with the same escaping;
``fence`` picks a fence longer than any backtick run inside.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# A zero-width joiner after "@": GitHub's mention filter needs a name character
# right after the "@", so nobody is pinged, and the text still reads "@everyone".
# (``&#64;`` would not do: the entity is decoded before mentions are looked for.)
ZWJ = "\u200d"
# Backslash-escaped: what could start emphasis, code, links or strikethrough inline.
# Line-start markup (headings, lists, quotes) cannot occur: our lines never start
# with untrusted text.
_MARKUP = frozenset("\\`*_[]~")
_BACKTICKS = re.compile(r"`+")


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line: control and invisible format characters removed, capped."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f" or cat in ("Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != " ":
            continue  # NUL, bidi overrides, zero-width characters, unassigned
        else:
            out.append(ch)
    line = " ".join("".join(out).split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def escape(text: str, limit: int | None = None) -> str:
    """Literal inline text: no HTML, no markup, no mentions, no math; on one line."""
    out = []
    for ch in one_line(text, limit):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch in "@#":  # mentions; issue references notify the referenced issue
            out.append(ch + ZWJ)
        elif ch == "$":
            out.append("&#36;")
        elif ch in _MARKUP:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def mono(text: str, limit: int | None = None) -> str:
    """``text`` in a monospace span, escaped like ``escape`` (safe inside tables too)."""
    return f"<code>{escape(text, limit)}</code>"


def code(text: str, limit: int | None = None) -> str:
    """A backtick code span, for text meant to be copied (no escapes show inside one).

    Safe outside tables only: GitHub renders no HTML, mentions or references in
    code, and the delimiter is longer than any backtick run in ``text``.
    """
    line = one_line(text, limit)
    longest = max((len(run) for run in _BACKTICKS.findall(line)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{ticks}{pad}{line}{pad}{ticks}"


def fence(content: str, info: str = "") -> str:
    """A fenced code block whose fence no line of ``content`` can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{content}\n{ticks}"


def cell(text: str) -> str:
    """Table-cell content: ``|`` escaped so it cannot split the row (GFM unescapes it)."""
    return text.replace("|", "\\|")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) or " " for c in row) + " |" for row in rows]
    return "\n".join(lines)


def size(text: str) -> int:
    """What a forge's length limit can count at most: UTF-8 bytes (>= characters)."""
    return len(text.encode("utf-8", "surrogatepass"))
