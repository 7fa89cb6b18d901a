"""Generate a synthetic, reproducible Alembic project with a long git history.

Usage::

    python bench/generate.py DEST --revisions 3000 --branches 40 [--seed 1]
                             [--remote PATH] [--force] [--quiet]

What it creates (stdlib + the ``git`` executable only):

* ``DEST``: a git repository, checked out on ``main``, holding an Alembic
  project: ``alembic.ini`` (``script_location = %(here)s/migrations``, a SQLite
  URL, ``path_separator = os``), ``migrations/env.py``,
  ``migrations/script.py.mako`` (Alembic's generic template) and ``--revisions``
  revision files in ``migrations/versions/``, written the way
  ``alembic revision`` 1.16+ writes them (docstring, typed assignments,
  ``op.create_table`` / ``op.add_column`` / ... bodies, 1-2 KB each).
* The revision history is mostly linear, with occasional forks of 2 (sometimes
  3) lanes that a merge revision joins again soon after, so ``main`` has
  exactly one head.  It is committed in a few dozen commits, only ever at
  points where the tree has a single head.
* The tail of ``main`` is a series of small feature branches merged with
  ``--no-ff`` merge commits; their branch refs are left behind (status "ok":
  already merged, like the stale branches every real remote has).
* ``DEST.remote.git`` (or ``--remote``): a bare repository, added as
  ``origin``; every branch is pushed there and ``origin/HEAD`` points at
  ``main``.
* ``--branches`` feature branches in total (``feature/NN-slug``), each adding
  1-3 revision files in one or two commits:

  - kind ``stale`` (about a quarter): forked from an older commit of main and
    attached to that commit's head revision, so merging it into main leaves
    two heads: expected status ``conflict``;
  - kind ``tip`` (about a quarter, an even number): forked from main's tip and
    attached to main's head revision: each is fine alone (``ok``), but any two
    of them collide with each other (both add a child of main's head);
  - kind ``merged`` (the rest): already merged into main: ``ok``.

The generator is deterministic for a given ``--seed`` and set of parameters:
commit author/committer names and dates are fixed in the stream fed to
``git fast-import``, so two runs produce identical commit ids.

A JSON summary is printed on stdout and written to
``DEST/../<name of DEST>.summary.json``.  Its ``collisions`` are computed from
the revision graph, not from the branch kinds: every pair of branches, each
``ok`` alone against main, that together leave more than one head.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUMMARY_FORMAT = 1

AUTHORS: tuple[tuple[str, str], ...] = (
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("Edsger Dijkstra", "edsger@example.com"),
    ("Barbara Liskov", "barbara@example.com"),
    ("Ken Thompson", "ken@example.com"),
)
EPOCH = 1_546_300_800  # 2019-01-01T00:00:00Z: first commit of every generated repo

ENTITIES: tuple[str, ...] = (
    "user", "account", "invoice", "payment", "order", "order_line", "product",
    "customer", "address", "shipment", "warehouse", "stock_item", "coupon",
    "subscription", "plan", "team", "membership", "project", "task", "comment",
    "attachment", "tag", "audit_event", "webhook", "api_key", "session",
    "notification", "report", "dashboard", "widget", "ledger_entry", "refund",
    "tax_rate", "currency", "exchange_rate", "supplier", "purchase_order",
    "contract", "ticket", "sla_policy", "region", "store", "employee", "shift",
    "timesheet", "vendor", "catalog", "price_list", "discount", "campaign",
)
COLUMN_NAMES: tuple[str, ...] = (
    "name", "title", "description", "status", "kind", "email", "phone", "code",
    "slug", "notes", "amount", "quantity", "priority", "position", "score",
    "is_active", "is_archived", "is_public", "created_at", "updated_at",
    "deleted_at", "expires_at", "started_at", "finished_at", "external_id",
    "reference", "currency_code", "country_code", "locale", "timezone",
    "version", "checksum", "payload", "metadata_json", "source", "channel",
    "owner_id", "parent_id", "sort_key", "label", "color", "weight", "url",
)
COLUMN_TYPES: tuple[str, ...] = (
    "sa.String(length=64)", "sa.String(length=255)", "sa.Text()", "sa.Integer()",
    "sa.BigInteger()", "sa.Boolean()", "sa.DateTime(timezone=True)", "sa.Date()",
    "sa.Numeric(precision=12, scale=2)", "sa.JSON()", "sa.Float()",
)
MODULES: tuple[str, ...] = ("", "", "", "", "billing_", "crm_", "hr_", "ops_", "shop_", "cms_")
QUALIFIERS: tuple[str, ...] = ("v2", "raw", "ext", "utc", "local", "old", "new", "alt")
VERBS: tuple[str, ...] = (
    "add", "track", "store", "index", "extend", "support", "backfill", "record",
)
BRANCH_TOPICS: tuple[str, ...] = (
    "billing", "search", "audit-log", "sso", "exports", "reporting", "onboarding",
    "webhooks", "rate-limits", "inventory", "refunds", "i18n", "notifications",
    "feature-flags", "gdpr", "analytics", "scheduling", "payouts", "tagging",
    "archiving",
)

ALEMBIC_INI = """\
# A generic, single database configuration (generated by bench/generate.py).

[alembic]
# path to migration scripts, relative to the token %(here)s (this file's folder)
script_location = %(here)s/migrations

# sys.path path, will be prepended to sys.path if present.
prepend_sys_path = .

# Use os.pathsep to split version_locations and prepend_sys_path.
path_separator = os

sqlalchemy.url = sqlite:///%(here)s/bench.db


[post_write_hooks]

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

ENV_PY = '''\
from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# add your model's MetaData object here for 'autogenerate' support
target_metadata = None


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode (emit SQL, no Engine)."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode, with an Engine and a connection."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

# Alembic's default "generic" template, byte for byte.
SCRIPT_PY_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

GITIGNORE = "__pycache__/\n*.py[cod]\n*.db\n.alembic-git/\n"

README = """\
# Synthetic Alembic project

Generated by `bench/generate.py` of alembic-git for benchmarks and tests.
Run `alembic heads` here to see the single head of `main`.
"""


# --------------------------------------------------------------------------- model


@dataclass
class Revision:
    rev: str
    parents: tuple[str, ...]
    message: str
    created: int  # unix time, rendered as the Create Date
    upgrade: list[str] = field(default_factory=list)
    downgrade: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        words = "".join(c if c.isalnum() else "_" for c in self.message.lower())
        return "_".join(w for w in words.split("_") if w)[:40].rstrip("_")

    @property
    def path(self) -> str:
        return f"migrations/versions/{self.rev}_{self.slug}.py"

    def render(self) -> str:
        if not self.parents:
            down: str | tuple[str, ...] | None = None
            revises = ""
        elif len(self.parents) == 1:
            down = self.parents[0]
            revises = self.parents[0]
        else:
            down = self.parents
            revises = ", ".join(self.parents)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.created))
        micro = int(self.rev[:5], 16) % 1_000_000
        up_body = "\n    ".join(self.upgrade) if self.upgrade else "pass"
        down_body = "\n    ".join(self.downgrade) if self.downgrade else "pass"
        return (
            f'"""{self.message}\n\n'
            f"Revision ID: {self.rev}\n"
            f"Revises: {revises}\n"
            f"Create Date: {stamp}.{micro:06d}\n\n"
            '"""\n'
            "from typing import Sequence, Union\n\n"
            "from alembic import op\n"
            "import sqlalchemy as sa\n\n\n"
            "# revision identifiers, used by Alembic.\n"
            f"revision: str = {self.rev!r}\n"
            f"down_revision: Union[str, Sequence[str], None] = {down!r}\n"
            "branch_labels: Union[str, Sequence[str], None] = None\n"
            "depends_on: Union[str, Sequence[str], None] = None\n\n\n"
            "def upgrade() -> None:\n"
            '    """Upgrade schema."""\n'
            f"    # ### commands auto generated by Alembic - please adjust! ###\n"
            f"    {up_body}\n"
            "    # ### end Alembic commands ###\n\n\n"
            "def downgrade() -> None:\n"
            '    """Downgrade schema."""\n'
            "    # ### commands auto generated by Alembic - please adjust! ###\n"
            f"    {down_body}\n"
            "    # ### end Alembic commands ###\n"
        )


class Schema:
    """Tracks tables/columns so the generated operations are consistent."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tables: dict[str, set[str]] = {}
        self.suffix: dict[str, int] = {}
        self.indexes: set[str] = set()

    def _unique(self, base: str, taken: set[str] | dict[str, set[str]]) -> str:
        if base not in taken:
            return base
        for qualifier in QUALIFIERS:
            name = f"{base}_{qualifier}"
            if name not in taken:
                return name
        n = self.suffix.get(base, 1)
        while f"{base}_{n}" in taken:
            n += 1
        self.suffix[base] = n
        return f"{base}_{n}"

    def _new_table_name(self) -> str:
        prefix = self.rng.choice(MODULES)
        return self._unique(f"{prefix}{self.rng.choice(ENTITIES)}", self.tables)

    def _new_column_name(self, table: str) -> str:
        return self._unique(self.rng.choice(COLUMN_NAMES), self.tables[table])

    def operations(self) -> tuple[str, list[str], list[str]]:
        """One revision's (message, upgrade lines, downgrade lines)."""
        rng = self.rng
        if not self.tables or rng.random() < 0.08:
            return self._create_table()
        table = rng.choice(sorted(self.tables))
        roll = rng.random()
        if roll < 0.55:
            n = rng.choice((1, 1, 2, 2, 3))
            ups: list[str] = []
            downs: list[str] = []
            cols = []
            for _ in range(n):
                col = self._new_column_name(table)
                self.tables[table].add(col)
                cols.append(col)
                nullable = rng.random() < 0.8
                ups.append(
                    f"op.add_column({table!r}, sa.Column({col!r}, "
                    f"{rng.choice(COLUMN_TYPES)}, nullable={nullable}))"
                )
                downs.insert(0, f"op.drop_column({table!r}, {col!r})")
            if rng.random() < 0.4:
                idx = self._unique(f"ix_{table}_{cols[0]}", self.indexes)
                self.indexes.add(idx)
                ups.append(f"op.create_index(op.f({idx!r}), {table!r}, [{cols[0]!r}], "
                           "unique=False)")
                downs.insert(0, f"op.drop_index(op.f({idx!r}), table_name={table!r})")
            verb = rng.choice(VERBS)
            return f"{verb} {', '.join(cols)} to {table}", ups, downs
        if roll < 0.8:
            col = rng.choice(sorted(self.tables[table]))
            idx = self._unique(f"ix_{table}_{col}", self.indexes)
            self.indexes.add(idx)
            unique = rng.random() < 0.2
            ups = [f"op.create_index(op.f({idx!r}), {table!r}, [{col!r}], unique={unique})"]
            downs = [f"op.drop_index(op.f({idx!r}), table_name={table!r})"]
            return f"index {table}.{col}", ups, downs
        col = rng.choice(sorted(self.tables[table]))
        new_type = rng.choice(COLUMN_TYPES)
        ups = [
            f"op.alter_column({table!r}, {col!r},\n"
            f"               existing_type=sa.String(length=64),\n"
            f"               type_={new_type},\n"
            f"               existing_nullable=True)"
        ]
        downs = [
            f"op.alter_column({table!r}, {col!r},\n"
            f"               existing_type={new_type},\n"
            f"               type_=sa.String(length=64),\n"
            f"               existing_nullable=True)"
        ]
        return f"change type of {table}.{col}", ups, downs

    def _create_table(self) -> tuple[str, list[str], list[str]]:
        rng = self.rng
        table = self._new_table_name()
        cols = {"id"}
        lines = [f"op.create_table({table!r},",
                 "    sa.Column('id', sa.Integer(), nullable=False),"]
        for _ in range(rng.randint(2, 5)):
            col = rng.choice(COLUMN_NAMES)
            if col in cols:
                continue
            cols.add(col)
            lines.append(
                f"    sa.Column({col!r}, {rng.choice(COLUMN_TYPES)}, "
                f"nullable={rng.random() < 0.7}),"
            )
        lines.append("    sa.PrimaryKeyConstraint('id')")
        lines.append("    )")
        self.tables[table] = cols
        ups = ["\n    ".join(lines)]
        downs = [f"op.drop_table({table!r})"]
        if rng.random() < 0.5:
            col = sorted(cols - {"id"})[0]
            idx = self._unique(f"ix_{table}_{col}", self.indexes)
            self.indexes.add(idx)
            ups.append(f"op.create_index(op.f({idx!r}), {table!r}, [{col!r}], unique=False)")
            downs.insert(0, f"op.drop_index(op.f({idx!r}), table_name={table!r})")
        return f"create {table} table", ups, downs


class History:
    """Revisions in creation order, with unique ids and increasing dates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.schema = Schema(rng)
        self.revs: dict[str, Revision] = {}
        self.clock = EPOCH

    def _new_id(self) -> str:
        while True:
            rev = f"{self.rng.getrandbits(48):012x}"
            if rev not in self.revs:
                return rev

    def tick(self, low: int = 600, high: int = 36 * 3600) -> int:
        self.clock += self.rng.randint(low, high)
        return self.clock

    def add(self, parents: tuple[str, ...]) -> Revision:
        message, ups, downs = self.schema.operations()
        rev = Revision(self._new_id(), parents, message, self.tick(), ups, downs)
        self.revs[rev.rev] = rev
        return rev

    def merge(self, parents: tuple[str, ...]) -> Revision:
        rev = Revision(self._new_id(), parents, "merge heads", self.tick())
        self.revs[rev.rev] = rev
        return rev


def heads_of(revs: set[str], parents: dict[str, tuple[str, ...]]) -> list[str]:
    """The revisions of ``revs`` that no other revision of ``revs`` revises."""
    referenced = {p for r in revs for p in parents[r]}
    return sorted(revs - referenced)


# ---------------------------------------------------------------------- fast-import


@dataclass
class Commit:
    mark: int
    ref: str
    message: str
    when: int
    author: tuple[str, str]
    files: dict[str, str]
    parent: int | None
    merge: int | None = None


class Stream:
    """Builds a ``git fast-import`` stream; commits are referred to by mark."""

    def __init__(self) -> None:
        self.commits: list[Commit] = []
        self.marks = itertools.count(1)

    def commit(self, ref: str, message: str, when: int, author: tuple[str, str],
               files: dict[str, str], parent: int | None, merge: int | None = None) -> int:
        mark = next(self.marks)
        self.commits.append(Commit(mark, ref, message, when, author, files, parent, merge))
        return mark

    def encode(self) -> bytes:
        out: list[bytes] = []
        for c in self.commits:
            ident = f"{c.author[0]} <{c.author[1]}> {c.when} +0000"
            msg = c.message.encode()
            out.append(f"commit {c.ref}\nmark :{c.mark}\n".encode())
            out.append(f"author {ident}\ncommitter {ident}\n".encode())
            out.append(f"data {len(msg)}\n".encode() + msg + b"\n")
            if c.parent is not None:
                out.append(f"from :{c.parent}\n".encode())
            if c.merge is not None:
                out.append(f"merge :{c.merge}\n".encode())
            for path in sorted(c.files):
                data = c.files[path].encode()
                out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
            out.append(b"\n")
        out.append(b"done\n")
        return b"".join(out)


# ------------------------------------------------------------------------ generator


@dataclass
class BranchPlan:
    name: str
    kind: str  # "stale" | "tip" | "merged"
    fork_mark: int
    attaches_to: str
    revisions: list[str]
    commit_marks: list[int]


def _git(args: list[str], cwd: Path, *, stdin: bytes | None = None) -> str:
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": AUTHORS[0][0], "GIT_AUTHOR_EMAIL": AUTHORS[0][1],
        "GIT_COMMITTER_NAME": AUTHORS[0][0], "GIT_COMMITTER_EMAIL": AUTHORS[0][1],
        "GIT_AUTHOR_DATE": f"@{EPOCH} +0000", "GIT_COMMITTER_DATE": f"@{EPOCH} +0000",
        "GIT_TERMINAL_PROMPT": "0",
    })
    proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(
            f"generate.py: git {' '.join(args[:3])} failed in {cwd} "
            f"(exit {proc.returncode}):\n{proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout.decode().strip()


def _split_counts(n_branches: int) -> tuple[int, int, int]:
    """(stale, tip, merged) counts for ``n_branches``."""
    if n_branches <= 0:
        return 0, 0, 0
    stale = max(1, round(n_branches / 4))
    tip = 2 * max(1, round(n_branches / 8)) if n_branches >= 3 else 0
    tip = min(tip, n_branches - stale)
    return stale, tip, n_branches - stale - tip


def generate(dest: Path, revisions: int, branches: int, seed: int,
             remote: Path | None = None, force: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    if shutil.which("git") is None:
        raise SystemExit("generate.py: the git executable is not on PATH")
    dest = dest.resolve()
    remote = (remote or dest.with_name(dest.name + ".remote.git")).resolve()
    summary_path = dest.with_name(dest.name + ".summary.json")
    for path in (dest, remote):
        if path.exists():
            if not force:
                raise SystemExit(f"generate.py: {path} exists (use --force to replace it)")
            shutil.rmtree(path)

    n_stale, n_tip, n_merged = _split_counts(branches)
    merged_revs = [0] * n_merged
    rng = random.Random(seed)
    for i in range(n_merged):
        merged_revs[i] = rng.randint(1, 3)
    bulk_budget = revisions - sum(merged_revs)
    if bulk_budget < 1:
        raise SystemExit(
            f"generate.py: --revisions {revisions} is too small for --branches {branches}"
        )

    history = History(random.Random(f"history-{seed}"))
    parents: dict[str, tuple[str, ...]] = {}
    stream = Stream()
    author_rng = random.Random(f"authors-{seed}")

    # 1. The bulk of main: mostly linear, with forks merged soon after.
    #    A "segment" is one linear revision or one whole fork+merge; commit
    #    boundaries fall only between segments, where the tree has one head.
    segments: list[list[Revision]] = []
    head: str | None = None
    remaining = bulk_budget
    fork_rng = random.Random(f"forks-{seed}")
    while remaining > 0:
        lanes = 3 if fork_rng.random() < 0.25 else 2
        lens = [fork_rng.randint(1, 4) for _ in range(lanes)]
        if head is not None and remaining > sum(lens) + 1 and fork_rng.random() < 0.025:
            tips = [head] * lanes
            seg: list[Revision] = []
            # interleave lanes, as parallel work lands in any order
            order = [i for i, n in enumerate(lens) for _ in range(n)]
            fork_rng.shuffle(order)
            for lane in order:
                r = history.add((tips[lane],))
                tips[lane] = r.rev
                seg.append(r)
            m = history.merge(tuple(tips))
            seg.append(m)
            head = m.rev
            remaining -= sum(lens) + 1
        else:
            r = history.add((head,) if head else ())
            seg = [r]
            head = r.rev
            remaining -= 1
        segments.append(seg)
    for r in history.revs.values():
        parents[r.rev] = r.parents

    n_bulk_commits = max(1, min(len(segments), max(8, revisions // 120)))
    # cut points at random segment boundaries, deterministic
    cut_rng = random.Random(f"cuts-{seed}")
    cuts = sorted(cut_rng.sample(range(1, len(segments)), n_bulk_commits - 1)) \
        if n_bulk_commits > 1 else []
    bounds = [0, *cuts, len(segments)]
    scaffold = {
        "alembic.ini": ALEMBIC_INI,
        "migrations/env.py": ENV_PY,
        "migrations/script.py.mako": SCRIPT_PY_MAKO,
        "migrations/README": "Generic single-database configuration.\n",
        ".gitignore": GITIGNORE,
        "README.md": README,
    }
    main_mark: int | None = None
    main_heads: list[tuple[int, str]] = []  # (commit mark, head revision at that commit)
    for i in range(len(bounds) - 1):
        files: dict[str, str] = dict(scaffold) if i == 0 else {}
        count = 0
        for seg in segments[bounds[i]:bounds[i + 1]]:
            for r in seg:
                files[r.path] = r.render()
                count += 1
        last = segments[bounds[i + 1] - 1][-1]
        title = "Initial Alembic project" if i == 0 else f"Schema changes, batch {i + 1}"
        main_mark = stream.commit(
            "refs/heads/main", f"{title}\n\nAdd {count} migration(s); head is {last.rev}.\n",
            last.created,
            author_rng.choice(AUTHORS), files, main_mark,
        )
        main_heads.append((main_mark, last.rev))
    assert main_mark is not None and head is not None

    plans: list[BranchPlan] = []
    topics = list(BRANCH_TOPICS)
    branch_rng = random.Random(f"branches-{seed}")
    name_counter = itertools.count(1)

    def branch_name() -> str:
        i = next(name_counter)
        return f"feature/{i:02d}-{topics[(i * 7) % len(topics)]}"

    def branch_commits(plan: BranchPlan, n_revs: int) -> int:
        revs: list[Revision] = []
        tip = plan.attaches_to
        for _ in range(n_revs):
            r = history.add((tip,))
            parents[r.rev] = r.parents
            revs.append(r)
            tip = r.rev
        plan.revisions = [r.rev for r in revs]
        split = 1 if len(revs) > 1 and branch_rng.random() < 0.5 else len(revs)
        groups = [revs[:split], revs[split:]] if split < len(revs) else [revs]
        mark = plan.fork_mark
        who = branch_rng.choice(AUTHORS)
        for group in groups:
            msg = f"{group[0].message.capitalize()}\n\nMigration(s): " + \
                ", ".join(r.rev for r in group) + "\n"
            mark = stream.commit(f"refs/heads/{plan.name}", msg, group[-1].created, who,
                                 {r.path: r.render() for r in group}, mark)
            plan.commit_marks.append(mark)
        return mark

    # 2. The tail of main: small feature branches merged with --no-ff.
    for n_revs in merged_revs:
        plan = BranchPlan(branch_name(), "merged", main_mark, head, [], [])
        tip_mark = branch_commits(plan, n_revs)
        head = plan.revisions[-1]
        history.tick()
        # fast-import starts a commit from its first parent's tree: the merge
        # commit must carry the branch's files itself.
        merged_files = {history.revs[r].path: history.revs[r].render() for r in plan.revisions}
        main_mark = stream.commit(
            "refs/heads/main", f"Merge branch '{plan.name}'\n", history.clock,
            branch_rng.choice(AUTHORS), merged_files, main_mark, merge=tip_mark,
        )
        main_heads.append((main_mark, head))
        plans.append(plan)
    main_head = head
    main_revs = set(parents)

    # 3. Open branches: stale ones fork at recent commits of main (before its
    #    tip), tip ones at main's tip.
    recent = [mh for mh in main_heads[-13:-1] if mh[1] != main_head] or \
        [mh for mh in main_heads[:-1] if mh[1] != main_head]
    kinds = ["stale"] * n_stale + ["tip"] * n_tip
    branch_rng.shuffle(kinds)
    for kind in kinds:
        fork_mark, base = main_mark, main_head
        if kind == "stale":
            if recent:
                fork_mark, base = branch_rng.choice(recent)
            elif parents[main_head]:  # a one-commit main: attach below its head
                base = parents[main_head][0]
        history.tick(60, 3 * 3600)
        plan = BranchPlan(branch_name(), kind, fork_mark, base, [], [])
        branch_commits(plan, branch_rng.randint(1, 3))
        plans.append(plan)

    # 4. Write the repository with one git fast-import.
    dest.mkdir(parents=True)
    _git(["init", "-q", "-b", "main"], dest)
    _git(["config", "user.name", AUTHORS[0][0]], dest)
    _git(["config", "user.email", AUTHORS[0][1]], dest)
    _git(["config", "advice.detachedHead", "false"], dest)
    stream_bytes = stream.encode()
    _git(["fast-import", "--quiet", f"--export-marks={dest / '.git' / 'bench-marks'}"],
         dest, stdin=stream_bytes)
    marks: dict[int, str] = {}
    marks_file = dest / ".git" / "bench-marks"
    for line in marks_file.read_text().splitlines():
        mark, sha = line.split()
        marks[int(mark[1:])] = sha
    marks_file.unlink()
    _git(["reset", "-q", "--hard", "main"], dest)

    # 5. The bare remote, origin/HEAD, and every branch pushed with upstreams.
    remote.parent.mkdir(parents=True, exist_ok=True)
    _git(["init", "-q", "--bare", "-b", "main", str(remote)], dest)
    _git(["remote", "add", "origin", str(remote)], dest)
    _git(["push", "-q", "-u", "origin", "main"], dest)
    _git(["remote", "set-head", "origin", "main"], dest)
    _git(["push", "-q", "-u", "origin", *[f"refs/heads/{p.name}" for p in plans]], dest)

    # 6. Expected results, computed from the revision graph.
    def union_heads(*extra: list[str]) -> list[str]:
        revs = set(main_revs)
        for e in extra:
            revs.update(e)
        return heads_of(revs, parents)

    branch_entries: list[dict[str, Any]] = []
    ok_new: dict[str, list[str]] = {}
    for plan in sorted(plans, key=lambda p: p.name):
        new = [r for r in plan.revisions if r not in main_revs]
        after = union_heads(new)
        status = "ok" if len(after) == 1 else "conflict"
        if status == "ok" and new:
            ok_new[plan.name] = new
        branch_entries.append({
            "name": plan.name,
            "ref": f"refs/heads/{plan.name}",
            "kind": plan.kind,
            "expected": status,
            "commit": marks[plan.commit_marks[-1]],
            "fork_commit": marks[plan.fork_mark],
            "commits": len(plan.commit_marks),
            "attaches_to": plan.attaches_to,
            "revisions": plan.revisions,
            "new_revisions": new,
            "files": [history.revs[r].path for r in plan.revisions],
            "head_revision": plan.revisions[-1],
            "heads_after_merge": after,
        })
    collisions = [
        [a, b] for a, b in itertools.combinations(sorted(ok_new), 2)
        if len(union_heads(ok_new[a], ok_new[b])) > 1
    ]
    n_merge_revs = sum(1 for r in main_revs if len(parents[r]) > 1)
    summary: dict[str, Any] = {
        "format": SUMMARY_FORMAT,
        "generator": "bench/generate.py",
        "seed": seed,
        "repo": str(dest),
        "remote": str(remote),
        "summary_path": str(summary_path),
        "alembic_ini": str(dest / "alembic.ini"),
        "versions_dir": str(dest / "migrations" / "versions"),
        "revisions": len(main_revs),
        "main": {
            "branch": "main",
            "commit": marks[main_mark],
            "commits": int(_git(["rev-list", "--count", "main"], dest)),
            "head_revision": main_head,
            "heads": heads_of(main_revs, parents),
            "revisions": len(main_revs),
            "merge_revisions": n_merge_revs,
        },
        "branches": branch_entries,
        "counts": {
            "branches": len(branch_entries),
            "ok": sum(1 for b in branch_entries if b["expected"] == "ok"),
            "conflict": sum(1 for b in branch_entries if b["expected"] == "conflict"),
            "stale": n_stale, "tip": n_tip, "merged": n_merged,
        },
        "collisions": collisions,
        "elapsed_seconds": round(time.perf_counter() - started, 3),
    }
    assert summary["main"]["heads"] == [main_head], summary["main"]["heads"]
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a reproducible Alembic project with a git history "
                    "and feature branches, for benchmarks and tests.")
    parser.add_argument("dest", type=Path, help="repository to create (must not exist)")
    parser.add_argument("--revisions", type=int, default=3000,
                        help="revisions on main (default 3000)")
    parser.add_argument("--branches", type=int, default=40,
                        help="feature branches (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--remote", type=Path, default=None,
                        help="bare remote to create (default DEST.remote.git)")
    parser.add_argument("--force", action="store_true",
                        help="replace DEST and the remote if they exist")
    parser.add_argument("--quiet", action="store_true", help="do not print the JSON summary")
    args = parser.parse_args(argv)
    if args.revisions < 1 or args.branches < 0:
        parser.error("--revisions must be >= 1 and --branches >= 0")
    summary = generate(args.dest, args.revisions, args.branches, args.seed,
                       args.remote, args.force)
    if not args.quiet:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
