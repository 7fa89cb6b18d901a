"""Read a revision file statically: parse it with ``ast``, never import it.

The result records the values Alembic would read from the module, the lines
they are on, and the exact spans (character offsets into the decoded text) of
the ``down_revision`` value and of the docstring's ``Revises:`` value, so a
rebase can splice new text there and leave every other byte alone.
"""

from __future__ import annotations

import ast
import bisect
import codecs
import io
import re
import tokenize
from dataclasses import dataclass, field, replace

from alembic_git.revisions.bindings import FIELDS, collect, refusal

# Bump when ParsedFile or the parsing rules change: it keys the parse cache.
READER_VERSION = 5

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_REVISES = re.compile(r"^([ \t]*Revises:[ \t]*)([^\r\n]*?)[ \t]*(?=\r\n|\r|\n|\Z)", re.MULTILINE)


@dataclass(frozen=True)
class ImportRef:
    """A name this file imports from another module: resolved against the repository."""

    module: str
    name: str


@dataclass(frozen=True)
class Unknown:
    """A value that is not a literal and not a constant we can follow."""

    code: str
    reason: str = ""  # why, when more is known than "not a literal"


Scalar = str | None | ImportRef | Unknown
# Nested as written: Alembic's to_tuple does not flatten, and nesting matters.
Value = Scalar | tuple["Value", ...]


@dataclass(frozen=True)
class Assignment:
    value: Value
    line: int
    span: tuple[int, int]  # character offsets of the value expression
    count: int = 1  # how many module-level assignments name this variable


@dataclass(frozen=True)
class ParsedFile:
    """What a revision file says, independent of where it lives (cached by blob id)."""

    fields: dict[str, Assignment] = field(default_factory=dict)
    doc: str = ""
    revises_span: tuple[int, int] | None = None
    revises_line: int | None = None
    encoding: str = "utf-8"
    bom: bool = False
    quote: str = "'"
    syntax_error: tuple[str, int] | None = None  # (message, line)
    # A binding Alembic would read that we will not guess: (message, line, hint).
    refusal: tuple[str, int, str] | None = None
    size: int = 0  # bytes, checked against the size limit on every read (cached too)


def decode_source(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, had BOM) as Python would decode this source file."""
    bom = data.startswith(codecs.BOM_UTF8)
    if not bom and b"coding" not in data[:400]:
        return data.decode("utf-8"), "utf-8", False  # the common case, without tokenize
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    body = data[3:] if bom else data
    return body.decode(encoding), encoding, bom


class Offsets:
    """Turn ast's (line, UTF-8 byte column) positions into character offsets.

    Line starts are found lazily: the assignments we need sit near the top of
    the file, so most of a long file is never scanned.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()  # then byte columns are character columns
        self.starts = [0]
        self._lines = _LINE_BREAK.finditer(text)

    def start(self, line: int) -> int:
        """Offset of the first character of ``line`` (1-based); past the end: len(text)."""
        while len(self.starts) < line:
            m = next(self._lines, None)
            if m is None:
                return len(self.text)
            self.starts.append(m.end())
        return self.starts[line - 1]

    def line_of(self, offset: int) -> int:
        while self.starts[-1] <= offset:
            m = next(self._lines, None)
            if m is None:
                break
            self.starts.append(m.end())
        return bisect.bisect_right(self.starts, offset)

    def at(self, line: int, col: int) -> int:
        start = self.start(line)
        if self.ascii:
            return start + col
        end = self.start(line + 1)
        prefix = self.text[start:end].encode("utf-8")[:col]
        return start + len(prefix.decode("utf-8", "ignore"))

    def span(self, node: ast.expr) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return self.at(node.lineno, node.col_offset), self.at(node.end_lineno, node.end_col_offset)


class _Evaluator:
    """Static values of module-level names: literals, earlier constants, imports."""

    def __init__(self, offsets: Offsets) -> None:
        self.constants: dict[str, Value] = {}
        self.imports: dict[str, ImportRef | str] = {}  # name -> ImportRef, or module path
        self.offsets = offsets
        self.refs: dict[str, set[str]] = {}  # constant -> the names its value was read from
        self.reading: set[str] = set()  # names read by the value being evaluated

    def evaluate(self, node: ast.expr) -> tuple[Value, set[str]]:
        """The value and every module-level name it was computed from (transitively)."""
        self.reading = set()
        value = self.value(node)
        names = set(self.reading)
        for name in self.reading:
            names |= self.refs.get(name, set())
        return value, names

    def note_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.imports[top] = top
        elif node.level == 0 and node.module:
            for alias in node.names:
                self.imports[alias.asname or alias.name] = ImportRef(node.module, alias.name)

    def value(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
            return node.value
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self.value(elt) for elt in node.elts)
        for name in ast.walk(node):
            if isinstance(name, ast.Name):
                self.reading.add(name.id)
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return self.constants[node.id]
            imported = self.imports.get(node.id)
            if isinstance(imported, ImportRef):
                return imported
        if isinstance(node, ast.Attribute):
            base = _dotted(node.value)
            if base is not None:
                head, _, rest = base.partition(".")
                imported = self.imports.get(head)
                if isinstance(imported, str):
                    module = ".".join(p for p in (imported, rest) if p)
                    return ImportRef(module, node.attr)
                if isinstance(imported, ImportRef):
                    module = ".".join(p for p in (imported.module, imported.name, rest) if p)
                    return ImportRef(module, node.attr)
        start, end = self.offsets.span(node)
        return Unknown(self.offsets.text[start:end])


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _targets(stmt: ast.stmt) -> tuple[list[str], ast.expr | None]:
    if isinstance(stmt, ast.Assign):
        names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        return names, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id], stmt.value
    return [], None


def _quote_of(text: str, assignment: Assignment | None) -> str | None:
    if assignment is None:
        return None
    literal = text[assignment.span[0] : assignment.span[1]].lstrip("([ \t\r\n")
    return literal[0] if literal[:1] in ("'", '"') else None


def parse(data: bytes) -> ParsedFile:
    """Parse one revision file; a syntax or decoding error is recorded, not raised."""
    parsed = _parse(data)
    return parsed if parsed.size == len(data) else replace(parsed, size=len(data))


def _parse(data: bytes) -> ParsedFile:
    try:
        text, encoding, bom = decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        line = 1
        if isinstance(exc, UnicodeDecodeError):
            at = exc.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
            line = data[:at].count(b"\n") + 1
            msg = f"cannot decode ({exc.reason} at byte {at})"
        else:
            msg = f"cannot decode: {exc}"
        return ParsedFile(syntax_error=(msg, line))
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return ParsedFile(syntax_error=(f"syntax error: {exc.msg}", exc.lineno or 1))
    except ValueError as exc:  # null bytes
        return ParsedFile(syntax_error=(f"cannot parse: {exc}", 1))
    offsets = Offsets(text)
    evaluator = _Evaluator(offsets)
    fields: dict[str, Assignment] = {}
    read_from: dict[str, set[str]] = {}  # field -> names its (last) value was computed from
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            evaluator.note_import(stmt)
            continue
        names, value_node = _targets(stmt)
        if value_node is None:
            continue
        value, refs = evaluator.evaluate(value_node)
        for name in names:
            evaluator.constants[name] = value
            evaluator.refs[name] = refs
            if name in FIELDS:
                previous = fields.get(name)
                read_from[name] = refs
                fields[name] = Assignment(
                    value,
                    value_node.lineno,
                    offsets.span(value_node),
                    previous.count + 1 if previous else 1,
                )
    doc, revises_span, revises_line = _docstring(tree, offsets)
    quote = _quote_of(text, fields.get("down_revision")) or _quote_of(text, fields.get("revision"))
    return ParsedFile(
        fields=fields,
        doc=doc,
        revises_span=revises_span,
        revises_line=revises_line,
        encoding=encoding,
        bom=bom,
        quote=quote or "'",
        refusal=refusal(collect(tree, text), read_from),
        size=len(data),
    )


def _docstring(
    tree: ast.Module, offsets: Offsets
) -> tuple[str, tuple[int, int] | None, int | None]:
    if not tree.body:
        return "", None, None
    first = tree.body[0]
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return "", None, None
    # Alembic's Script.doc: the stripped docstring's first paragraph.
    doc = re.split("\n\n", first.value.value.replace("\r\n", "\n").strip())[0]
    start, end = offsets.span(first.value)
    # Search the string's body only: on a last line ``Revises: abc"""`` the
    # value must stop before the closing quotes.
    literal = offsets.text[start:end]
    body = start + len(literal) - len(literal.lstrip("rRuU"))
    quote = 3 if offsets.text.startswith(('"""', "'''"), body) else 1
    match = _REVISES.search(offsets.text, body + quote, end - quote)
    if match is None:
        return doc, None, None
    line = offsets.line_of(match.start(2))
    return doc, (match.start(2), match.end(2)), line


def module_constants(data: bytes, package: str | None = None) -> dict[str, Value]:
    """Module-level constants of a plain Python module (for ``from pkg.mod import NAME``).

    A name the module itself imports (``from pkg.consts import NAME``, or relative
    to ``package``) is exported as an ``ImportRef``, to be followed further.  A name
    not bound exactly once at top level (or computed from one) is an ``Unknown``
    saying why: the reader does not guess which binding an import sees.
    """
    try:
        text, _, _ = decode_source(data)
        tree = ast.parse(text)
    except (SyntaxError, UnicodeDecodeError, LookupError, ValueError):
        return {}
    evaluator = _Evaluator(Offsets(text))
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            evaluator.note_import(stmt)
            if isinstance(stmt, ast.ImportFrom):
                source_module = _absolute_module(stmt, package)
                for alias in stmt.names:
                    if source_module is not None and alias.name != "*":
                        ref = ImportRef(source_module, alias.name)
                        evaluator.constants[alias.asname or alias.name] = ref
            continue
        names, value_node = _targets(stmt)
        if value_node is not None:
            value, refs = evaluator.evaluate(value_node)
            for name in names:
                evaluator.constants[name] = value
                evaluator.refs[name] = refs
    found = collect(tree, text)
    constants = evaluator.constants
    for name in list(constants):
        if found.dynamic:
            line, what = found.dynamic[0]
            constants[name] = Unknown(name, f"its module uses {what} on import (line {line})")
            continue
        for used in sorted({name} | evaluator.refs.get(name, set())):
            problem = found.problem(used)
            if problem is not None:
                line, how = problem
                subject = name if used == name else f"{name} is computed from {used}, which"
                constants[name] = Unknown(name, f"in its module, {subject} is {how}")
                break
    return constants


def _absolute_module(node: ast.ImportFrom, package: str | None) -> str | None:
    """The module an ``import from`` names, relative imports resolved against ``package``."""
    if node.level == 0:
        return node.module
    if package is None:
        return None
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])]) or None
