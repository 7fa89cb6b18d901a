"""Every way a module binds a global name, found statically.

Alembic reads ``revision``, ``down_revision``, ``branch_labels`` and
``depends_on`` from the imported module: whatever the module's code left
there.  The reader evaluates only one plain top-level assignment, so anything
else that could bind those names (or the constants their values come from)
must be seen and refused, not guessed.  This module finds them:

* top-level ``name = value`` and ``name: T = value`` (the only *plain* form),
  and top-level imports;
* every other binding in module scope: inside ``if``/``for``/``while``/
  ``try``/``with``/``match``, tuple unpacking, ``+=``, ``del``, a walrus, a
  ``for`` or ``with``/``except`` target, ``import x as name``, ``def``/``class``,
  a ``global`` declaration in a function;
* ``from m import *`` (it may bind any name);
* dynamic access to the namespace in code that runs at import time
  (``globals()``, ``exec``, ``sys.modules``, ``setattr`` …).

Function bodies run at import time only when the module uses the function
(calls it, decorates with it, passes it on) or decorates it; ``upgrade`` and
``downgrade`` are not run on import, so what they do is not looked at.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# What Alembic reads from a revision module.
FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")

# Names that reach the module's namespace (or any object's) by string.
DYNAMIC_NAMES = frozenset(
    {
        "globals",
        "locals",
        "vars",
        "exec",
        "eval",
        "compile",
        "__import__",
        "setattr",
        "delattr",
        "__builtins__",
    }
)
DYNAMIC_ATTRIBUTES = frozenset({"modules", "__dict__", "__globals__", "__builtins__"})
DYNAMIC_MODULES = frozenset({"builtins", "importlib"})


@dataclass(frozen=True)
class Binding:
    line: int
    kind: str  # how, for messages: "an assignment", "an augmented assignment (+=)", …
    plain: bool = False  # one top-level `name = value` / `name: T = value`
    is_import: bool = False  # a top-level import


@dataclass
class ModuleBindings:
    names: dict[str, list[Binding]] = field(default_factory=dict)
    star_imports: list[int] = field(default_factory=list)  # lines
    dynamic: list[tuple[int, str]] = field(default_factory=list)  # (line, what)

    def add(self, name: str, binding: Binding) -> None:
        self.names.setdefault(name, []).append(binding)

    def problem(self, name: str) -> tuple[int, str] | None:
        """(line, how) when ``name`` is not bound exactly once, at top level, by a plain
        assignment or an import; None when it is (or when it is not bound at all)."""
        found = self.names.get(name, [])
        if not found:
            return None
        odd = [b for b in found if not (b.plain or b.is_import)]
        if odd:
            return odd[0].line, f"bound by {odd[0].kind}"
        if len(found) > 1:
            lines = ", ".join(str(b.line) for b in found)
            return found[1].line, f"bound {len(found)} times (lines {lines})"
        star_after = [s for s in self.star_imports if s > found[0].line]
        if star_after:
            return star_after[0], "possibly rebound by a later `from … import *`"
        return None


def _names_in_target(node: ast.expr) -> Iterator[ast.Name]:
    if isinstance(node, ast.Name):
        yield node
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            yield from _names_in_target(elt)
    elif isinstance(node, ast.Starred):
        yield from _names_in_target(node.value)


def _pattern_names(pattern: ast.pattern) -> Iterator[str]:
    for node in ast.walk(pattern):
        if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            yield node.name
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node.rest


_AUGMENTED: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.BitOr: "|",
    ast.BitAnd: "&",
}

_BLOCKS: dict[type[ast.stmt], str] = {
    ast.If: "if",
    ast.For: "for",
    ast.AsyncFor: "async for",
    ast.While: "while",
    ast.With: "with",
    ast.AsyncWith: "async with",
    ast.Try: "try",
    ast.Match: "match",
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _BLOCKS[ast.TryStar] = "try"


_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


class _Collector:
    def __init__(self, has_global: bool) -> None:
        self.has_global = has_global  # False: no `global` in the text, no body to walk
        self.found = ModuleBindings()
        # def and class statements by name: their bodies run on import if the name is used
        self.functions: dict[str, list[_Definition]] = {}
        self.used: set[str] = set()  # names loaded by import-time code
        self.run_functions: list[_Definition] = []
        self.imported_dynamic: set[str] = set()

    # -- module scope ------------------------------------------------------
    def statements(self, body: Iterable[ast.stmt], block: str | None) -> None:
        for stmt in body:
            self.statement(stmt, block)

    def bind(self, name: str, line: int, kind: str, block: str | None, **flags: bool) -> None:
        if block is not None:
            kind = f"{kind} inside the {block}"
            flags = {}
        self.found.add(name, Binding(line, kind, **flags))

    def statement(self, stmt: ast.stmt, block: str | None) -> None:
        line = stmt.lineno
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                self.target(target, line, block, "an assignment", plain_ok=True)
            self.expr(stmt.value, block)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.target(stmt.target, line, block, "an assignment", plain_ok=True)
                self.expr(stmt.value, block)
            self.expr(stmt.annotation, block)
        elif isinstance(stmt, ast.AugAssign):
            op = _AUGMENTED.get(type(stmt.op), "op")
            self.target(stmt.target, line, block, f"an augmented assignment (`{op}=`)")
            self.expr(stmt.value, block)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self.target(target, line, block, "`del`")
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.import_(stmt, block)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.definition(stmt, block)
        elif type(stmt) in _BLOCKS:
            self.block(stmt, block, f"`{_BLOCKS[type(stmt)]}` block at line {line}")
        elif hasattr(ast, "TypeAlias") and isinstance(stmt, ast.TypeAlias):
            self.target(stmt.name, line, block, "a `type` statement")
        else:  # Expr, Return, Raise, Assert, Global, Pass, …
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.expr(child, block)

    def target(
        self, node: ast.expr, line: int, block: str | None, kind: str, plain_ok: bool = False
    ) -> None:
        if isinstance(node, ast.Name):
            self.bind(node.id, line, kind, block, plain=plain_ok)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Starred)):
            for name in _names_in_target(node):
                self.bind(name.id, line, "tuple unpacking", block)
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Subscript, ast.Attribute)):
                    self.expr(sub, block)
        else:  # obj.attr = …, obj[key] = …: binds no global, but may reach one dynamically
            self.expr(node, block)

    def import_(self, stmt: ast.Import | ast.ImportFrom, block: str | None) -> None:
        for alias in stmt.names:
            module = alias.name if isinstance(stmt, ast.Import) else (stmt.module or "")
            if alias.name == "*":
                self.found.star_imports.append(stmt.lineno)
                continue
            if isinstance(stmt, ast.Import):
                name = alias.asname or alias.name.split(".")[0]
                kind = f"`import {alias.name}{' as ' + alias.asname if alias.asname else ''}`"
            else:
                name = alias.asname or alias.name
                kind = f"`from {'.' * stmt.level}{module} import {alias.name}`"
            top = module.split(".")[0]
            if top in DYNAMIC_MODULES or (top == "sys" and alias.name == "modules"):
                self.imported_dynamic.add(name)
            self.bind(name, stmt.lineno, kind, block, is_import=True)

    def definition(
        self, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, block: str | None
    ) -> None:
        word = "class" if isinstance(stmt, ast.ClassDef) else "def"
        self.bind(stmt.name, stmt.lineno, f"`{word} {stmt.name}`", block)
        for deco in stmt.decorator_list:
            self.expr(deco, block)
        if isinstance(stmt, ast.ClassDef):
            for base in (*stmt.bases, *(k.value for k in stmt.keywords)):
                self.expr(base, block)
            self.class_body(stmt.body)
            self.functions.setdefault(stmt.name, []).append(stmt)  # its methods, if used
            return
        args = stmt.args
        for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self.expr(default, block)
        self.functions.setdefault(stmt.name, []).append(stmt)
        if stmt.decorator_list:  # a decorator receives the function and may call it
            self.run_functions.append(stmt)
        self.declared_globals(stmt)

    def block(self, stmt: ast.stmt, outer: str | None, inner: str) -> None:
        """A compound statement: its own parts in ``outer``, its bodies in ``inner``."""
        block = outer
        for name, value in ast.iter_fields(stmt):
            if name in ("body", "orelse", "finalbody"):
                self.statements(value, inner)
            elif name == "handlers":
                for handler in value:
                    if handler.type is not None:
                        self.expr(handler.type, block)
                    if handler.name:
                        self.bind(handler.name, handler.lineno, "`except … as`", block)
                    self.statements(handler.body, inner)
            elif name == "cases":
                for case in value:
                    for captured in _pattern_names(case.pattern):
                        self.bind(captured, case.pattern.lineno, "a `case` pattern", block)
                    if case.guard is not None:
                        self.expr(case.guard, block)
                    self.statements(case.body, inner)
            elif name == "items":  # with … as target
                for item in value:
                    self.expr(item.context_expr, block)
                    if item.optional_vars is not None:
                        self.target(item.optional_vars, stmt.lineno, block, "`with … as`")
            elif name == "target":  # for target in …
                self.target(value, stmt.lineno, block, "a `for` loop variable")
            elif isinstance(value, ast.expr):  # if/while test, for iter, match subject
                self.expr(value, block)

    def class_body(self, body: list[ast.stmt]) -> None:
        """A class body runs at import time in its own namespace: only dynamic access,
        walrus-free reads of functions, and ``global`` declarations matter."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for deco in stmt.decorator_list:
                    self.expr(deco, None, bind=False)
                self.declared_globals(stmt)
            elif isinstance(stmt, ast.ClassDef):
                self.class_body(stmt.body)
            elif isinstance(stmt, ast.Global):
                for name in stmt.names:
                    self.found.add(name, Binding(stmt.lineno, "a `global` declaration in a class"))
            else:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.expr):
                        self.dynamic(node)

    def declared_globals(self, func: ast.AST) -> None:
        if not self.has_global:
            return
        for node in ast.walk(func):
            if isinstance(node, ast.Global):
                for name in node.names:
                    self.found.add(name, Binding(node.lineno, "a `global` declaration"))

    # -- expressions -------------------------------------------------------
    def expr(self, node: ast.expr, block: str | None, bind: bool = True) -> None:
        """Walrus bindings and dynamic access in an expression evaluated in module scope."""
        stack: list[ast.AST] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Lambda):
                stack.extend(d for d in (*current.args.defaults, *current.args.kw_defaults) if d)
                self.used.update(
                    n.id for n in ast.walk(current.body) if isinstance(n, ast.Name)
                )  # a lambda may be called at import time: the functions it names may run
                continue
            if isinstance(current, ast.NamedExpr) and bind:
                self.bind(current.target.id, current.lineno, "a walrus (`:=`)", block)
                stack.append(current.value)
                continue
            if isinstance(current, ast.comprehension):
                stack.append(current.iter)  # its target is the comprehension's own
                stack.extend(current.ifs)
                continue
            if isinstance(current, ast.expr):
                self.dynamic(current)
            stack.extend(ast.iter_child_nodes(current))

    def dynamic(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            self.used.add(node.id)
            if node.id in DYNAMIC_NAMES:
                self.found.dynamic.append((node.lineno, f"`{node.id}`"))
            elif node.id in self.imported_dynamic:
                self.found.dynamic.append((node.lineno, f"the module `{node.id}`"))
        elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC_ATTRIBUTES:
            self.found.dynamic.append((node.lineno, f"`.{node.attr}`"))

    def function_bodies(self) -> None:
        """Bodies of the functions import-time code uses run at import time too."""
        done: set[int] = set()
        todo = list(self.run_functions)
        while True:
            todo.extend(f for name in list(self.used) for f in self.functions.get(name, ()))
            todo = [f for f in todo if id(f) not in done]
            if not todo:
                return
            func = todo.pop()
            done.add(id(func))
            for stmt in func.body:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.expr):
                        self.dynamic(node)


def collect(tree: ast.Module, text: str) -> ModuleBindings:
    """The bindings of ``tree``, parsed from ``text``."""
    collector = _Collector(has_global="global" in text)
    collector.statements(tree.body, None)
    collector.function_bodies()
    return collector.found


_WRITE_ONE = (
    "write one top-level `{field} = ...` holding the value Alembic should load (a string, "
    "a tuple of strings, or None); alembic-git reads files without running them"
)


def refusal(found: ModuleBindings, read_from: dict[str, set[str]]) -> tuple[str, int, str] | None:
    """The first binding (by line) that could make Alembic load something other than what
    the plain top-level assignments say; None when every field is provably read right.

    Several plain top-level assignments of a field are fine: the module keeps the last,
    and so does the reader."""
    problems: list[tuple[int, str, str]] = []
    for name in FIELDS:
        odd = [b for b in found.names.get(name, []) if not b.plain]
        if odd:
            hint = _WRITE_ONE.format(field=name)
            problems.append((odd[0].line, f"{name} is bound by {odd[0].kind}", hint))
    for name, names in read_from.items():
        for used in sorted(names):
            problem = found.problem(used)
            if problem is not None:
                line, how = problem
                problems.append(
                    (
                        line,
                        f"{name} is computed from {used}, which is {how}",
                        f"bind {used} once, in a top-level assignment, or "
                        + _WRITE_ONE.format(field=name),
                    )
                )
    unbound = [f for f in FIELDS if f not in found.names]
    first_field = min((b.line for f in FIELDS for b in found.names.get(f, [])), default=None)
    for line in found.star_imports:
        if unbound or (first_field is not None and line > first_field):
            problems.append(
                (
                    line,
                    "`from … import *` may bind " + ", ".join(unbound or FIELDS),
                    "import the names you use by name",
                )
            )
    if unbound and "__getattr__" in found.names:
        line = found.names["__getattr__"][0].line
        problems.append(
            (
                line,
                f"a module `__getattr__` answers for {', '.join(unbound)}, which Alembic reads "
                "with getattr()",
                "assign " + ", ".join(f"{f} = None" for f in unbound if f != "revision"),
            )
        )
    for line, what in found.dynamic:
        problems.append(
            (
                line,
                f"{what} in code that runs on import can change revision, down_revision, "
                "branch_labels or depends_on behind alembic-git's back",
                "move it into upgrade()/downgrade(), or out of the revision file",
            )
        )
    if not problems:
        return None
    line, message, hint = min(problems)
    return message, line, hint
