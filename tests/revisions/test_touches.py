"""Touch sets: what a revision's upgrade() touches, read from Alembic's own operation forms,
and checked against what Alembic really changes in a SQLite database."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

import pytest
from support.paths import EXAMPLES
from support.repo import INI, alembic_cli, init_project

from alembic_git.revisions.touches import TouchSet, overlaps, touch_set


def upgrade(body: str) -> str:
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'x'\n"
        "down_revision = None\n\n\ndef upgrade():\n" + textwrap.indent(body, "    ") + "\n"
    )


def touches(body: str) -> set[tuple[str, str]]:
    found = touch_set(upgrade(body))
    assert not found.unknown, found.unknown
    return {(t.object, t.action) for t in found.touches}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "op.create_table('users', sa.Column('id', sa.Integer), sa.Column('email', sa.String))",
            {("users", "creates"), ("users.id", "creates"), ("users.email", "creates")},
        ),
        ("op.drop_table('users')", {("users", "drops")}),
        ("op.drop_table('users', schema='auth')", {("auth.users", "drops")}),
        ("op.rename_table('users', 'accounts')", {("users", "renames"), ("accounts", "creates")}),
        ("op.add_column('users', sa.Column('email', sa.String()))", {("users.email", "adds")}),
        ("op.add_column('users', column=sa.Column('email', sa.String()))",
         {("users.email", "adds")}),
        ("op.drop_column('users', 'email')", {("users.email", "drops")}),
        ("op.alter_column('users', 'email', nullable=False)", {("users.email", "alters")}),
        (
            "op.alter_column('users', 'email', new_column_name='mail', schema='auth')",
            {("auth.users.email", "alters"), ("auth.users.mail", "creates")},
        ),
        (
            "op.create_index('ix_users_email', 'users', ['email'], unique=True)",
            {("index:ix_users_email", "creates"), ("users.email", "uses")},
        ),
        ("op.drop_index('ix_users_email', table_name='users')",
         {("index:ix_users_email", "drops")}),
        (
            "op.create_unique_constraint('uq_email', 'users', ['email'])",
            {("constraint:uq_email", "creates"), ("users.email", "uses")},
        ),
        (
            "op.create_foreign_key('fk_post_user', 'posts', 'users', ['user_id'], ['id'])",
            {("constraint:fk_post_user", "creates"), ("posts.user_id", "uses"),
             ("users", "uses")},
        ),
        ("op.create_check_constraint('ck_age', 'users', 'age > 0')",
         {("constraint:ck_age", "creates")}),
        ("op.drop_constraint('uq_email', 'users', type_='unique')",
         {("constraint:uq_email", "drops")}),
        (
            "with op.batch_alter_table('users') as batch_op:\n"
            "    batch_op.add_column(sa.Column('age', sa.Integer))\n"
            "    batch_op.alter_column('email', new_column_name='mail')\n"
            "    batch_op.drop_column('legacy')\n"
            "    batch_op.create_index('ix_age', ['age'])\n"
            "    batch_op.drop_constraint('uq_email')",
            {("users.age", "adds"), ("users.email", "alters"), ("users.mail", "creates"),
             ("users.legacy", "drops"), ("index:ix_age", "creates"), ("users.age", "uses"),
             ("constraint:uq_email", "drops")},
        ),
        ("pass", set()),
    ],
)
def test_each_operation_form_touches_what_it_names(
    body: str, expected: set[tuple[str, str]]
) -> None:
    assert touches(body) == expected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("op.execute('UPDATE users SET x = 1')", "op.execute at line 9"),
        ("conn = op.get_bind()", "a assign statement at line 9"),
        ("for t in ('a', 'b'):\n    op.drop_table(t)", "a for statement at line 9"),
        ("name = 'users'\nop.drop_table(name)", "a assign statement at line 9"),
        ("op.drop_table(TABLE)", "op.drop_table with a computed name at line 9"),
        ("helper()", "a call that is not an op.* operation at line 9"),
        ("op.create_unique_constraint(None, 'users', ['email'])",
         "op.create_unique_constraint without a literal name at line 9"),
    ],
)
def test_what_cannot_be_read_is_unknown_never_nothing(body: str, reason: str) -> None:
    found = touch_set(upgrade(body))
    assert reason in found.unknown


def test_a_file_without_upgrade_is_unknown() -> None:
    assert touch_set("revision = 'x'\n").unknown == ["no upgrade() function"]


def test_overlap_on_a_column_and_on_its_table() -> None:
    ours = {"a1": touch_set(upgrade("op.add_column('users', sa.Column('email', sa.String))"))}
    theirs = {
        "c3": touch_set(upgrade("op.alter_column('users', 'email', nullable=False)")),
        "c4": touch_set(upgrade("op.drop_table('users')")),
        "c5": touch_set(upgrade("op.add_column('users', sa.Column('age', sa.Integer))")),
    }
    found = {o.revisions: o.objects for o in overlaps(ours, theirs)}
    assert found == {("a1", "c3"): ("users.email",), ("a1", "c4"): ("users",)}


def _schema(db: Path) -> set[str]:
    """Every table, column and index of a SQLite database, named as touch sets name them."""
    con = sqlite3.connect(db)
    try:
        names: set[str] = set()
        tables = [r[0] for r in con.execute(
            "select name from sqlite_master where type='table' and name != 'alembic_version'"
        )]
        for t in tables:
            names.add(t)
            names |= {f"{t}.{r[1]}" for r in con.execute(f"pragma table_info('{t}')")}
        names |= {f"index:{r[0]}" for r in con.execute(
            "select name from sqlite_master where type='index' and sql is not null"
        )}
        return names
    finally:
        con.close()


SETUP = """\
op.create_table('users', sa.Column('id', sa.Integer, primary_key=True),
                sa.Column('email', sa.String), sa.Column('legacy', sa.String))
op.create_table('posts', sa.Column('id', sa.Integer, primary_key=True),
                sa.Column('user_id', sa.Integer))"""

CHANGES = [
    "op.add_column('users', sa.Column('age', sa.Integer))",
    "op.drop_column('users', 'legacy')",
    "op.rename_table('posts', 'articles')",
    "op.create_index('ix_users_email', 'users', ['email'])",
    "op.drop_table('posts')",
    "with op.batch_alter_table('users') as batch_op:\n"
    "    batch_op.alter_column('email', new_column_name='mail')\n"
    "    batch_op.add_column(sa.Column('age', sa.Integer))",
]


@pytest.mark.parametrize("change", CHANGES)
def test_what_alembic_changes_in_a_database_is_in_the_touch_set(
    tmp_path: Path, change: str
) -> None:
    project = init_project(tmp_path / "p", ini=INI, commit=False)
    versions = project / "migrations" / "versions"
    (versions / "s1_setup.py").write_text(upgrade(SETUP).replace("'x'", "'s1'"))
    step = upgrade(change).replace("revision = 'x'", "revision = 's2'")
    step = step.replace("down_revision = None", "down_revision = 's1'")
    (versions / "s2_change.py").write_text(step)
    assert alembic_cli(project, "upgrade", "s1").returncode == 0
    before = _schema(project / "app.db")
    result = alembic_cli(project, "upgrade", "s2")
    assert result.returncode == 0, result.stderr
    after = _schema(project / "app.db")
    changed = before ^ after
    assert changed, "the change must change something"
    found: TouchSet = touch_set(step)
    assert not found.unknown
    objects = found.objects
    tables_touched = {t.object for t in found.touches if t.kind == "table"}
    for name in changed:
        table = name.split(".")[0]
        assert name in objects or table in tables_touched, (name, objects)




def test_every_example_revision_is_read_and_only_raw_sql_is_unknown() -> None:
    files = sorted(EXAMPLES.rglob("versions/**/*.py")) + sorted(
        EXAMPLES.glob("demo-app/feature_migrations/*.py")
    )
    assert len(files) >= 15
    unknown = []
    for path in files:
        found = touch_set(path.read_text(encoding="utf-8"))
        assert found.touches, path
        unknown += [(path.name, u.split(" at line")[0]) for u in found.unknown]
    assert unknown == [("f07c4a2e9b13_contract_drop_networks_tenant_id.py", "op.execute")]


def test_the_touches_command_prints_what_it_read(tmp_path: Path) -> None:
    import shutil

    from support.repo import run_cli

    app = tmp_path / "demo-app"
    shutil.copytree(EXAMPLES / "demo-app", app)
    result = run_cli(app, "touches", "c5d7", "--format", "json")
    assert result.returncode == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["revision"] == "c5d7a3e91f02"
    assert {(t["object"], t["action"]) for t in record["touches"]} == {
        ("users.display_name", "adds"),
        ("posts.published_at", "adds"),
    }
    assert record["unknown"] == []
    missing = run_cli(app, "touches", "ffff")
    assert missing.returncode == 2 and "'ffff' is not a revision" in missing.stderr
