"""How ``db status`` (and the post-checkout hook) say what they found."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass

from alembic_git.db.status import BEHIND, DIVERGED, EMPTY, ORPHANED, UP_TO_DATE, DbStatus
from alembic_git.db.url import DatabaseUrl
from alembic_git.db.version_table import VersionTable
from alembic_git.revisions.discovery import Environment


@dataclass(frozen=True)
class EnvStatus:
    env: Environment
    db: DatabaseUrl
    table: VersionTable
    status: DbStatus


def _ids(revs: tuple[str, ...]) -> str:
    return ", ".join(revs) if revs else "(none)"


def headline(es: EnvStatus, many: bool) -> str:
    prefix = f"{es.env.name}: " if many else ""
    table = f", table {es.table.shown}" if es.table.shown != "alembic_version" else ""
    return f"{prefix}database {es.db.shown} ({es.db.origin}{table}): {es.status.status}"


def status_text(es: EnvStatus, many: bool) -> str:
    st = es.status
    lines = [headline(es, many)]
    if st.status == UP_TO_DATE:
        plural = "s" if len(st.heads) > 1 else ""
        lines.append(f"  at {_ids(st.current)}, this branch's head{plural}")
        return "\n".join(lines)
    if st.status == EMPTY:
        lines.append(f"  no version table {es.table.shown}: nothing has run yet")
    elif st.current:
        lines.append(f"  the database is at {_ids(st.current)}")
    if st.orphans:
        lines += orphan_lines(st)
    if st.pending:
        lines.append(f"  pending, in upgrade order: {_ids(st.pending)}")
    lines += fix_lines(st, es.env)
    return "\n".join(lines)


def orphan_lines(st: DbStatus) -> list[str]:
    n = len(st.orphans)
    lines = [
        f"  it ran {n} revision{'s' if n > 1 else ''} this branch does not have "
        "(newest first):"
    ]
    for o in st.orphans:
        where = f"in {', '.join(o.found_in)}" if o.found_in else "in no branch or recent commit"
        message = f"  {o.message}" if o.message else ""
        lines.append(f"    {o.revision}{message}  ({where})")
    return lines


def alembic_command(env: Environment | None) -> str:
    """``alembic``, with ``-c``/``-n`` when the environment's config is not the default
    one of the current folder (the folder the printed commands are run from)."""
    words = ["alembic"]
    config = env.config_file or env.toml_file if env is not None else None
    if config is not None:
        rel = os.path.relpath(config)
        if rel not in ("alembic.ini", "pyproject.toml"):
            words += ["-c", rel]
    if env is not None and env.config_file is not None and env.section != "alembic":
        words += ["-n", env.section]
    return shlex.join(words)


def fix_lines(st: DbStatus, env: Environment | None = None) -> list[str]:
    alembic = alembic_command(env)
    if st.status == EMPTY or (st.status == BEHIND):
        return [f"  to fix: {alembic} upgrade heads"]
    if st.status not in (ORPHANED, DIVERGED):
        return []
    lines = ["  to fix: alembic-git db sync"]
    manual = manual_fix(st, alembic)
    if manual:
        lines.append(f"     or: {manual}")
    return lines


def manual_fix(st: DbStatus, alembic: str = "alembic") -> str | None:
    """``git switch <branch> && alembic downgrade <rev> && git switch -``, when one plain
    downgrade removes exactly the orphans: linear chains standing on the one revision
    the database keeps (else only ``db sync`` does it right)."""
    if not st.orphans or not st.orphans[0].switch or len(st.kept) > 1:
        return None
    orphaned = {o.revision for o in st.orphans}
    if any(len(o.down_revisions) > 1 for o in st.orphans):
        return None  # a merge revision: "downgrade <rev>" would leave one parent applied
    target = st.kept[0] if st.kept else "base"
    roots = [o for o in st.orphans if not orphaned.intersection(o.down_revisions)]
    if any(tuple(o.down_revisions) != tuple(st.kept) for o in roots):
        return None
    tail = f" && {alembic} upgrade heads" if st.pending else ""
    switch = " ".join(shlex.quote(part) for part in st.orphans[0].switch.split(" "))
    return f"git switch {switch} && {alembic} downgrade {target} && git switch -{tail}"
