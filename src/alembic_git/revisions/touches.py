"""What a revision's ``upgrade()`` touches: tables, columns, indexes and constraints, read
statically from its ``op.*`` calls (the file is never imported).

Two revisions from different sides that touch the same object can each be fine and still
break once both run, in either order: that is an *overlap*, reported as a warning. What
cannot be read (``op.execute``, a loop, a helper function, a name held in a variable) makes
the revision's touch set *unknown*, never empty.

Object names: ``table``, ``table.column``, ``index:name``, ``constraint:name``, each
prefixed with ``schema.`` when the call names a schema.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from alembic_git.kinds import TouchKind
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.source import Source

# op.<name>: (action, how to read its arguments)
_TABLE_OPS = {"create_table": "creates", "drop_table": "drops"}
_COLUMN_OPS = {"add_column": "adds", "drop_column": "drops", "alter_column": "alters"}
_INDEX_OPS = {"create_index": "creates", "drop_index": "drops"}
_CONSTRAINT_OPS = {
    "create_unique_constraint": "creates",
    "create_check_constraint": "creates",
    "create_primary_key": "creates",
    "create_foreign_key": "creates",
    "drop_constraint": "drops",
}
# Operations whose next argument after the table lists the columns they use.
_WITH_COLUMNS = frozenset(
    {"create_index", "create_unique_constraint", "create_primary_key", "create_foreign_key"}
)


@dataclass(frozen=True)
class Touch:
    object: str  # as reports name it: "users", "users.email", "index:ix_users_email"
    action: str  # creates, drops, alters, adds, renames, uses
    kind: TouchKind
    table: str | None  # the (schema-qualified) table of a table or column


@dataclass
class TouchSet:
    touches: list[Touch] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # "op.execute at line 12"

    @property
    def objects(self) -> set[str]:
        return {t.object for t in self.touches}

    def actions_on(self, obj: str) -> list[str]:
        return list(dict.fromkeys(t.action for t in self.touches if t.object == obj))


def touch_set(source: str) -> TouchSet:
    """The touch set of a revision file's ``upgrade()``."""
    found = TouchSet()
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        found.unknown.append(f"the file does not parse (line {exc.lineno})")
        return found
    upgrade = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None
    )
    if upgrade is None:
        found.unknown.append("no upgrade() function")
        return found
    _Reader(found).statements(upgrade.body, batch=None)
    return found


class _Reader:
    def __init__(self, out: TouchSet) -> None:
        self.out = out

    def statements(self, body: Sequence[ast.stmt], batch: tuple[str, str | None] | None) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Pass) or _is_docstring(stmt):
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self.call(stmt.value, batch)
            elif isinstance(stmt, ast.With) and batch is None and self.batch_block(stmt):
                continue
            else:
                self.unknown(f"a {type(stmt).__name__.lower()} statement", stmt)

    def batch_block(self, stmt: ast.With) -> bool:
        """``with op.batch_alter_table("t") as batch_op:``: its body acts on that table."""
        if len(stmt.items) != 1:
            return False
        item = stmt.items[0]
        call = item.context_expr
        if not (
            isinstance(call, ast.Call)
            and _op_name(call.func) == "batch_alter_table"
            and isinstance(item.optional_vars, ast.Name)
        ):
            return False
        table = _arg(call, 0, "table_name")
        if table is None:
            self.unknown("batch_alter_table with a computed table name", stmt)
            return True
        schema = _kwarg_str(call, "schema")
        self.statements_in_batch(stmt.body, item.optional_vars.id, (table, schema))
        return True

    def statements_in_batch(
        self, body: Sequence[ast.stmt], alias: str, table: tuple[str, str | None]
    ) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Pass) or _is_docstring(stmt):
                continue
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id == alias
            ):
                self.batch_call(call, call.func.attr, table)
            else:
                self.unknown("a statement in a batch_alter_table block", stmt)

    def call(self, call: ast.Call, batch: tuple[str, str | None] | None) -> None:
        name = _op_name(call.func)
        if name is None or name in ("execute", "bulk_insert", "get_bind", "get_context"):
            what = f"op.{name}" if name else "a call that is not an op.* operation"
            self.unknown(what, call)
            return
        schema = _kwarg_str(call, "schema")
        if name in _TABLE_OPS:
            table = self.need(call, 0, "table_name", name)
            if table is not None:
                self.add(_qualify(schema, table), _TABLE_OPS[name])
                if name == "create_table":
                    for col in _columns(call.args[1:]):
                        self.column(schema, table, col, "creates")
        elif name == "rename_table":
            old, new = _arg(call, 0, "old_table_name"), _arg(call, 1, "new_table_name")
            if old is None or new is None:
                self.unknown("op.rename_table with computed names", call)
            else:
                self.add(_qualify(schema, old), "renames")
                self.add(_qualify(schema, new), "creates")
        elif name in _COLUMN_OPS:
            self.column_op(call, name, schema)
        elif name in _INDEX_OPS or name in _CONSTRAINT_OPS:
            self.named_op(call, name, schema, table_at=1)
        else:
            self.unknown(f"op.{name}", call)

    def batch_call(self, call: ast.Call, name: str, table: tuple[str, str | None]) -> None:
        tname, schema = table
        if name in ("add_column", "drop_column", "alter_column"):
            col = (
                next(iter(_columns(call.args[:1])), None)
                if name == "add_column"
                else _arg(call, 0, "column_name")
            )
            if col is None:
                self.unknown(f"batch_op.{name} with a computed column", call)
                return
            self.column(schema, tname, col, _COLUMN_OPS[name])
            self.renamed_column(call, schema, tname)
        elif name in _INDEX_OPS or name in _CONSTRAINT_OPS:
            self.named_op(call, name, schema, table_at=None, table=tname)
        else:
            self.unknown(f"batch_op.{name}", call)

    def column_op(self, call: ast.Call, name: str, schema: str | None) -> None:
        table = self.need(call, 0, "table_name", name)
        if table is None:
            return
        if name == "add_column":
            cols = list(_columns(call.args[1:2])) or list(
                _columns([k.value for k in call.keywords if k.arg == "column"])
            )
            col = cols[0] if cols else None
        else:
            col = _arg(call, 1, "column_name")
        if col is None:
            self.unknown(f"op.{name} with a computed column", call)
            return
        self.column(schema, table, col, _COLUMN_OPS[name])
        self.renamed_column(call, schema, table)

    def renamed_column(self, call: ast.Call, schema: str | None, table: str) -> None:
        new = _kwarg_str(call, "new_column_name")
        if new is not None:
            self.column(schema, table, new, "creates")

    def named_op(
        self,
        call: ast.Call,
        name: str,
        schema: str | None,
        table_at: int | None,
        table: str | None = None,
    ) -> None:
        kind: TouchKind = "index" if name in _INDEX_OPS else "constraint"
        action = _INDEX_OPS.get(name) or _CONSTRAINT_OPS[name]
        obj = _arg(call, 0, "index_name" if kind == "index" else "constraint_name")
        if obj is None:
            # An unnamed constraint gets its name from the naming convention: unknown.
            self.unknown(f"{_prefix(table_at)}{name} without a literal name", call)
            return
        self.add(_qualify(schema, f"{kind}:{obj}"), action, kind, "")
        if table is None and table_at is not None:
            keyword = "source_table" if name == "create_foreign_key" else "table_name"
            table = _arg(call, table_at, keyword)
        if table is not None and name in _WITH_COLUMNS:
            cols_at = (2 if table_at is not None else 1) + (name == "create_foreign_key")
            for col in _strings(_arg_node(call, cols_at, "columns", "local_cols")):
                self.column(schema, table, col, "uses")
            if name == "create_foreign_key":
                referent = _arg(call, 2 if table_at is not None else 1, "referent_table")
                if referent is not None:
                    target_schema = _kwarg_str(call, "referent_schema")
                    self.add(_qualify(target_schema, referent), "uses")

    def column(self, schema: str | None, table: str, column: str, action: str) -> None:
        self.add(_qualify(schema, f"{table}.{column}"), action, "column", _qualify(schema, table))

    def need(self, call: ast.Call, index: int, keyword: str, name: str) -> str | None:
        value = _arg(call, index, keyword)
        if value is None:
            self.unknown(f"op.{name} with a computed name", call)
        return value

    def add(
        self, obj: str, action: str, kind: TouchKind = "table", table: str | None = None
    ) -> None:
        touch = Touch(obj, action, kind, table if table is not None else obj)
        if touch not in self.out.touches:
            self.out.touches.append(touch)

    def unknown(self, what: str, node: ast.AST) -> None:
        self.out.unknown.append(f"{what} at line {getattr(node, 'lineno', '?')}")


def _prefix(table_at: int | None) -> str:
    return "op." if table_at is not None else "batch_op."


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _op_name(func: ast.expr) -> str | None:
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    return func.attr if func.value.id == "op" else None


def _arg_node(call: ast.Call, index: int, *keywords: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg in keywords:
            return k.value
    return call.args[index] if index < len(call.args) else None


def _arg(call: ast.Call, index: int, keyword: str) -> str | None:
    node = _arg_node(call, index, keyword)
    if isinstance(node, ast.Call) and _op_name(node.func) == "f" and len(node.args) == 1:
        node = node.args[0]  # op.f("ix_name"): the name as given, outside the convention
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _kwarg_str(call: ast.Call, keyword: str) -> str | None:
    for k in call.keywords:
        if k.arg == keyword and isinstance(k.value, ast.Constant):
            return k.value.value if isinstance(k.value.value, str) else None
    return None


def _strings(node: ast.expr | None) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple):
        items = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        return [v for v in items if isinstance(v, str)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return []


def _columns(nodes: Iterable[ast.expr]) -> Iterable[str]:
    """The names of ``sa.Column("name", ...)`` / ``Column("name", ...)`` arguments."""
    for node in nodes:
        if (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "Column")
                or (isinstance(node.func, ast.Name) and node.func.id == "Column")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def _qualify(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


@dataclass(frozen=True)
class Overlap:
    objects: tuple[str, ...]
    revisions: tuple[str, str]  # one from each side


def overlaps(
    ours: dict[str, TouchSet], theirs: dict[str, TouchSet]
) -> list[Overlap]:
    """Each pair of revisions, one per side, that touch a common object. A column
    overlaps with its table being created, dropped or renamed."""
    found = []
    for a, ta in ours.items():
        for b, tb in theirs.items():
            common = _common(ta, tb)
            if common:
                found.append(Overlap(tuple(sorted(common)), (a, b)))
    return found


def _common(a: TouchSet, b: TouchSet) -> set[str]:
    common = a.objects & b.objects
    for x, y in ((a, b), (b, a)):
        whole = {t.object for t in x.touches if t.kind == "table"}
        common |= {t.table for t in y.touches if t.kind == "column" and t.table in whole}
    return {c for c in common if c}


def read_touch_sets(
    source: Source, graph: RevisionGraph, revisions: Iterable[str]
) -> dict[str, TouchSet]:
    """The touch sets of some revisions of ``graph``, their files read from ``source``."""
    found = {}
    for rev in revisions:
        data = source.read(graph.path_of(rev))
        found[rev] = (
            touch_set(data.decode("utf-8", "replace"))
            if data is not None
            else TouchSet(unknown=["the file cannot be read"])
        )
    return found
