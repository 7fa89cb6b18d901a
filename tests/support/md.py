"""Structural checks on Markdown as GitHub would parse it: fences, table cells, raw HTML.

No Markdown library: these scanners follow the few CommonMark/GFM rules that
our escaping relies on, so a test can say "this cell did not split" or "this
fence was not closed early" about a hostile input.
"""

from __future__ import annotations

import re

# Tags our renderer writes on purpose; anything else that looks like HTML is a leak.
_OWN_HTML = re.compile(r"<(?:/?code>|/?sub>|!-- alembic-git:[^>]* -->)")
_MENTION = re.compile(r"(?<![\w&])[@#]\w")  # "&#36;" is an entity, not a reference


def blocks(body: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(lines outside code fences, [(info string, content)] of each fenced block).

    A fence closes only on a line of the same character at least as long (CommonMark).
    """
    outside: list[str] = []
    fenced: list[tuple[str, str]] = []
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(`{3,}|~{3,})(.*)$", lines[i])
        if not m:
            outside.append(lines[i])
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        close = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        assert j < len(lines), f"fence {fence!r} opened and never closed"
        fenced.append((info, "\n".join(lines[i + 1 : j])))
        i = j + 1
    return outside, fenced


def cells(row: str) -> list[str]:
    """A GFM table row split on unescaped pipes (a backslash escapes the next character)."""
    out, cur, i = [], "", 0
    row = row.strip()
    assert row.startswith("|") and row.endswith("|"), row
    row = row[1:-1] if not row.endswith("\\|") else row[1:]
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row):
            cur += row[i : i + 2]
            i += 2
            continue
        if ch == "|":
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    out.append(cur.strip())
    return out


def tables(body: str) -> list[list[list[str]]]:
    """Every table (outside fences) as rows of cells, the delimiter row left out."""
    outside, _ = blocks(body)
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*outside, ""]:
        if line.startswith("|"):
            row = cells(line)
            if not all(set(c) <= set("-: ") and c for c in row):
                current.append(row)
        elif current:
            found.append(current)
            current = []
    return found


def stray_html(body: str) -> list[str]:
    """Raw ``<…`` outside fences that is not one of our own tags."""
    outside, _ = blocks(body)
    text = "\n".join(outside)
    starts = [m.start() for m in re.finditer("<", text)]
    return [text[i : i + 30] for i in starts if not _OWN_HTML.match(text, i)]


def pings(body: str) -> list[str]:
    """``@name`` or ``#123`` outside code (even in ``<code>``): mentions and references.

    Backtick code spans are left out: GitHub looks for neither inside them.
    """
    outside, _ = blocks(body)
    text = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", "\n".join(outside))
    return _MENTION.findall(text)


def mermaid_nodes(body: str) -> set[str]:
    """Node ids of revisions drawn in the Mermaid block(s)."""
    _, fenced = blocks(body)
    drawn: set[str] = set()
    for info, content in fenced:
        if info == "mermaid":
            drawn |= set(re.findall(r"^\s+(r_\w+)\[", content, re.MULTILINE))
    return drawn
