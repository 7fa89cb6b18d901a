"""The post-checkout hook: after a real branch switch, warn when the developer's database
ran revisions the new branch does not have.

Git passes ``PREV NEW FLAG``; only FLAG 1 (a branch checkout, not a file checkout) with
a changed commit is a switch.  The hook reads the database read-only, with a connect
timeout, prints nothing when all is well, one quiet line when the database cannot be
reached, and never changes anything.  It always exits 0: git would report any other
code as the switch's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from alembic_git.errors import AlembicGitError
from alembic_git.workspace import Workspace

CONNECT_TIMEOUT = 2.0  # seconds: a switch is never slowed by more
_NAME = "alembic-git (post-checkout)"


def is_branch_switch(prev: str, new: str, flag: str) -> bool:
    return flag == "1" and prev != new


def arguments(
    prev: str | None, new: str | None, flag: str | None, environ: Mapping[str, str]
) -> tuple[str, str, str]:
    """Git's three arguments; under the pre-commit framework, its PRE_COMMIT_* variables."""
    if prev is not None and new is not None and flag is not None:
        return prev, new, flag
    found = [environ.get(f"PRE_COMMIT_{k}") for k in ("FROM_REF", "TO_REF", "CHECKOUT_TYPE")]
    if all(found):
        return found[0] or "", found[1] or "", found[2] or ""
    raise AlembicGitError(
        "hook post-checkout needs git's three arguments: PREV NEW FLAG",
        hint="install it with: alembic-git hook install --hook-type post-checkout",
    )


def run(
    ws: Workspace,
    prev: str | None,
    new: str | None,
    flag: str | None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stderr
    prev, new, flag = arguments(prev, new, flag, os.environ)
    if not is_branch_switch(prev, new, flag):
        return 0
    try:
        for block in _warnings(ws):
            print(block, file=out)
    except AlembicGitError as exc:
        print(f"{_NAME}: database not checked: {exc}", file=out)
    return 0


def _warnings(ws: Workspace) -> list[str]:
    from alembic_git.db.environment import env_status
    from alembic_git.db.report import fix_lines, orphan_lines
    from alembic_git.db.status import DIVERGED, ORPHANED
    from alembic_git.db.url import choose_url
    from alembic_git.db.version_table import Unreachable

    source = ws.worktree()
    envs = ws.environments(source)
    blocks = []
    for env in envs:
        try:
            # no database configured for this environment: nothing to compare
            es = env_status(ws, source, env, None, CONNECT_TIMEOUT, url_required=False)
        except Unreachable:
            db = choose_url(source, env, None)
            shown = db.shown if db is not None else "?"
            blocks.append(f"{_NAME}: database {shown} not reachable: not checked")
            continue
        if es is None or es.status.status not in (ORPHANED, DIVERGED):
            continue
        st = es.status
        where = f" ({env.name})" if len(envs) > 1 else ""
        lines = [
            f"{_NAME}: your database {es.db.shown}{where} is {st.status}: this branch "
            f"will fail with \"Can't locate revision identified by '{st.orphans[0].revision}'\"",
            *orphan_lines(st),
            *fix_lines(st, env),
        ]
        blocks.append("\n".join(lines))
    return blocks
