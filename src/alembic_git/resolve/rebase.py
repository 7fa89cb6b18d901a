"""Give a revision file a new parent by splicing bytes, and nothing else.

The ``down_revision`` value is located with ``ast`` (through the reader's spans);
only the string literal(s) inside it are replaced, keeping the quote character,
any string prefix, the tuple or list around it, annotations, comments, spacing,
line endings and encoding.  The docstring's ``Revises:`` value is replaced too
when there is one.  Every other byte stays as it was.  Anything ambiguous (two
assignments, a value that is not a literal, a value that is not what the graph
said) is refused before anything is written.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.resolve.template import UNSAFE_ID_HINT, unsafe_in_source
from alembic_git.revisions.reader import Offsets, decode_source, parse

_STRING_START = re.compile(r"([rRuU]*)('''|\"\"\"|'|\")")


@dataclass(frozen=True)
class Splice:
    start: int  # character offsets in the decoded text
    end: int
    text: str


def _literal(expr: str, node: ast.expr, new: str, quote: str) -> str:
    """``new`` written as the literal at ``node`` was (its prefix and quotes)."""
    start, _ = Offsets(expr).span(node)
    m = _STRING_START.match(expr, start)
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and m:
        return f"{m.group(1)}{m.group(2)}{new}{m.group(2)}"
    return f"{quote}{new}{quote}"


def down_revision_splices(
    data: bytes, display: str, old: tuple[str, ...], new: str
) -> tuple[str, list[Splice]]:
    """(decoded text, splices) that turn ``down_revision`` ``old`` into ``new`` (one parent)."""
    parsed = parse(data)
    if parsed.syntax_error is not None:
        message, line = parsed.syntax_error
        raise AlembicGitError(message, path=display, line=line, hint="fix the file first")
    text, _, _ = decode_source(data)
    assign = parsed.fields.get("down_revision")
    if assign is None or assign.count != 1:
        count = 0 if assign is None else assign.count
        raise AlembicGitError(
            f"{count} module-level down_revision assignments; not rewriting an ambiguous file",
            path=display,
            line=assign.line if assign else None,
            hint="keep exactly one, then run again",
        )
    why = unsafe_in_source(new)
    if why is not None:  # it goes between the file's quotes and into its docstring verbatim
        raise AlembicGitError(
            f"the new down_revision {new!r} cannot be written into this file: {why}",
            path=display,
            line=assign.line,
            hint=UNSAFE_ID_HINT,
        )
    start, end = assign.span
    expr = text[start:end]
    refuse = AlembicGitError(
        f"down_revision = {expr!s} is not a string literal, a tuple of them, or None",
        path=display,
        line=assign.line,
        hint=f"set down_revision = {parsed.quote}{new}{parsed.quote} by hand",
    )
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError:
        raise refuse from None
    items = list(node.elts) if isinstance(node, (ast.Tuple, ast.List)) else [node]
    values = []
    for item in items:
        if not (
            isinstance(item, ast.Constant) and (item.value is None or isinstance(item.value, str))
        ):
            raise refuse
        values.append(item.value)
    current = tuple(v for v in values if v is not None)
    if current != old:
        raise AlembicGitError(
            f"down_revision is {current!r} on disk, not {old!r} as read; the file changed",
            path=display,
            line=assign.line,
            hint="run again",
        )
    if len(items) == 1:
        s, e = Offsets(expr).span(items[0])
        splices = [Splice(start + s, start + e, _literal(expr, items[0], new, parsed.quote))]
    else:  # None as () or a tuple we cannot shrink safely: replace the whole value
        splices = [Splice(start, end, f"{parsed.quote}{new}{parsed.quote}")]
    if parsed.revises_span is not None:
        rs, re_ = parsed.revises_span
        glue = "" if rs == 0 or text[rs - 1] in " \t" else " "
        splices.append(Splice(rs, re_, glue + new))
    return text, splices


def apply_splices(data: bytes, text: str, splices: list[Splice]) -> bytes:
    """Replace the spliced characters' bytes in ``data``; every other byte is kept."""
    _, encoding, bom = decode_source(data)
    offset = 3 if bom else 0

    def byte_at(i: int) -> int:
        return offset + len(text[:i].encode(encoding))

    out = data
    for splice in sorted(splices, key=lambda s: s.start, reverse=True):
        b_start, b_end = byte_at(splice.start), byte_at(splice.end)
        out = out[:b_start] + splice.text.encode(encoding) + out[b_end:]
    return out


def rebase_file(data: bytes, display: str, revision: str, old: tuple[str, ...], new: str) -> bytes:
    """The file's bytes with parent ``new``; checked by parsing the result again."""
    text, splices = down_revision_splices(data, display, old, new)
    result = apply_splices(data, text, splices)
    check = parse(result)
    down = check.fields.get("down_revision")
    rev = check.fields.get("revision")
    ok_rev = rev is None or rev.value == revision
    if (
        check.syntax_error is not None
        or down is None
        or down.value not in (new, (new,))
        or not ok_rev
    ):
        raise AlembicGitError(
            "rewriting down_revision would not give the expected file", path=display,
            hint="report this; set down_revision by hand meanwhile",
        )  # fmt: skip
    return result


def unified_diff(old: bytes, new: bytes, display: str) -> str:
    """A ``git diff``-like unified diff of two versions of a file (line endings visible as is)."""
    a = decode_source(old)[0].splitlines(keepends=True)
    b = decode_source(new)[0].splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(a, b, f"a/{display}", f"b/{display}"):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return "".join(lines)
