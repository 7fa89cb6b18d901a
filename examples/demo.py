"""The alembic-git demo, start to finish, in a throwaway repository.

Alice and Bob each add a migration on their own branch, on the same parent.
git merges such branches without a conflict, yet Alembic then has two heads
and ``alembic upgrade head`` fails at deploy time.  The demo shows that failure
first, and alembic-git fixing it; then, from the start, alembic-git finding it
from git alone (``forecast``, ``check --against``, the pre-push hook) and fixing
it (``merge-heads`` with both strategies), and
Alembic upgrading a real SQLite database afterwards; then a branch switch that
leaves the database ahead of the branch (the post-checkout warning, ``db status``,
``db sync``).

Run it with ``python3 dev.py demo`` (or ``python examples/demo.py`` where
alembic-git and alembic are installed).  Exit 0 when every step did what it
should.  The throwaway repository is removed at the end; ``--keep`` keeps it
(and says where), and so does a failed step, to look at what went wrong.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP = HERE / "demo-app"
INVOICES = "e1f4b6a8c023_create_invoices_table.py"
COMMENTS = "4b9d2e7f1a36_create_comments_table.py"
BIN = Path(sys.executable).parent
BOLD = "\033[1m" if sys.stdout.isatty() else ""
PLAIN = "\033[0m" if sys.stdout.isatty() else ""


def step(text: str) -> None:
    print(f"\n{BOLD}== {text}{PLAIN}", flush=True)


def sh(cwd: Path, *cmd: str, expect: int | tuple[int, ...] = 0, stdin: str | None = None) -> str:
    """Run a command as a user would type it, show it and its output, check its exit code."""
    print(f"$ {shlex.join(cmd)}", flush=True)
    exe = str(BIN / cmd[0]) if (BIN / cmd[0]).exists() else cmd[0]
    proc = subprocess.run(
        [exe, *cmd[1:]],
        cwd=cwd,
        input=stdin,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    out = "\n".join(
        line
        for line in proc.stdout.splitlines()
        if not line.startswith("INFO  [alembic.runtime.migration]")
    )
    if out:
        print(out, flush=True)
    wanted = (expect,) if isinstance(expect, int) else expect
    if proc.returncode not in wanted:
        raise SystemExit(f"demo: `{' '.join(cmd)}` exited {proc.returncode}, expected {wanted}")
    return proc.stdout


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def add_migration(repo: Path, branch: str, name: str) -> None:
    git(repo, "checkout", "-q", "-b", branch, "main")
    shutil.copy(APP / "feature_migrations" / name, repo / "migrations" / "versions" / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"add {name.split('_', 1)[1][:-3].replace('_', ' ')}")
    git(repo, "push", "-q", "-u", "origin", branch)


def tables(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select name from sqlite_master where type='table' order by name")
        return [r[0] for r in rows if r[0] != "alembic_version"]


def show_the_failure(repo: Path) -> None:
    """The first screen: the failure this tool is about, then the tool finding and fixing it
    (on a throwaway branch, deleted afterwards with its database)."""
    step("the problem: git merges Alice's and Bob's branches cleanly, then Alembic fails")
    git(repo, "checkout", "-q", "-b", "release", "main")
    sh(repo, "git", "merge", "-q", "--no-edit", "feature/invoices")
    sh(repo, "git", "merge", "-q", "--no-edit", "feature/comments")  # no conflict: new files
    failed = sh(repo, "alembic", "upgrade", "head", expect=(1, 255))
    if "Multiple head revisions are present" not in failed:
        raise SystemExit("demo: alembic upgrade head did not fail with multiple heads")

    step("alembic-git finds the two heads and joins them; the upgrade then runs")
    sh(repo, "alembic-git", "check", expect=1)
    sh(repo, "alembic-git", "merge-heads", "--strategy", "merge", "-m", "merge release heads")
    sh(repo, "alembic", "upgrade", "head")
    print(f"tables: {', '.join(tables(repo / 'demo.db'))}")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "merge release heads")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "release")
    (repo / "demo.db").unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the demo repository")
    keep = parser.parse_args(argv).keep
    work = Path(tempfile.mkdtemp(prefix="alembic-git-demo-"))
    os.environ.pop("DATABASE_URL", None)  # the demo's database is its own SQLite file
    try:
        story(work)
    except BaseException:
        print(f"\ndemo: stopped; its files are kept in {work}", file=sys.stderr, flush=True)
        raise
    if keep:
        print(f"the demo repository is kept in {work / 'app'}")
    else:
        shutil.rmtree(work)
        print(f"removed the demo's temporary folder {work} (--keep keeps it)")
    return 0


def story(work: Path) -> None:
    """The whole story, in ``work``: a bare origin, Alice's and Bob's branches, both fixes."""
    for key, value in (("NAME", "Demo"), ("EMAIL", "demo@example.com")):
        os.environ.setdefault(f"GIT_AUTHOR_{key}", value)
        os.environ.setdefault(f"GIT_COMMITTER_{key}", value)
    repo = work / "app"
    shutil.copytree(
        APP, repo, ignore=shutil.ignore_patterns("feature_migrations", "*.db", "__pycache__")
    )
    (repo / ".gitignore").write_text("*.db\n__pycache__/\n", encoding="utf-8")
    git(work, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "app with three migrations")
    git(repo, "remote", "add", "origin", str(work / "origin.git"))
    git(repo, "push", "-q", "-u", "origin", "main")
    git(repo, "remote", "set-head", "origin", "main")

    add_migration(repo, "feature/invoices", INVOICES)
    add_migration(repo, "feature/comments", COMMENTS)
    show_the_failure(repo)

    step("now from the start: main has one head; the database is up to date")
    git(repo, "checkout", "-q", "main")
    sh(repo, "alembic-git", "heads")
    sh(repo, "alembic", "upgrade", "head")
    print(f"tables: {', '.join(tables(repo / 'demo.db'))}")
    print("Alice (feature/invoices) and Bob (feature/comments) each added a migration on it")

    step("forecast: each branch is fine alone, but together they collide")
    sh(repo, "alembic-git", "forecast", expect=1)

    step("Alice's branch is merged first: git sees no conflict")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "feature/invoices")
    git(repo, "push", "-q", "origin", "main")
    sh(repo, "alembic-git", "check")
    sh(repo, "alembic", "upgrade", "head")
    print(f"tables: {', '.join(tables(repo / 'demo.db'))}  (production is at main's head)")

    step("Bob checks his branch against origin/main before merging")
    git(repo, "checkout", "-q", "feature/comments")
    sh(repo, "alembic-git", "check", "--against", expect=1)

    step("the pre-push hook warns Bob when he pushes (warn mode lets the push through)")
    sh(repo, "alembic-git", "hook", "install")
    (repo / "README.md").write_text("Bob's notes\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "notes")
    sh(repo, "git", "push", "-q", "origin", "feature/comments")
    before_fix = git(repo, "rev-parse", "HEAD")

    step("fix 1, rebase: Bob's unpublished revision moves on top of origin/main's head")
    git(repo, "merge", "-q", "--no-edit", "origin/main")
    sh(repo, "alembic-git", "check", expect=1)
    sh(repo, "alembic-git", "merge-heads", "--strategy", "rebase", "--dry-run")
    sh(repo, "alembic-git", "merge-heads", "--strategy", "rebase")
    sh(repo, "alembic-git", "check")
    git(repo, "commit", "-q", "-am", "rebase the comments migration onto invoices")

    step("a database at origin/main's head upgrades to the fixed head")
    sh(repo, "alembic", "upgrade", "head")
    print(f"tables: {', '.join(tables(repo / 'demo.db'))}")

    step("fix 2, merge: the same fork joined by a merge revision from the project's template")
    git(repo, "checkout", "-q", "-b", "feature/comments-merge", before_fix)
    git(repo, "merge", "-q", "--no-edit", "origin/main")
    (repo / "demo.db").unlink()
    sh(repo, "alembic", "upgrade", "e1f4b6a8c023")  # a fresh copy of production
    sh(
        repo,
        "alembic-git",
        "merge-heads",
        "--strategy",
        "merge",
        "-m",
        "merge invoices and comments",
    )
    sh(repo, "alembic-git", "heads")
    sh(repo, "alembic", "upgrade", "head")
    print(f"tables: {', '.join(tables(repo / 'demo.db'))}")
    missing = {"users", "posts", "invoices", "comments"} - set(tables(repo / "demo.db"))
    if missing:
        raise SystemExit(f"demo: tables missing after upgrade: {sorted(missing)}")

    step("Bob switches back to main: his database ran revisions main does not have")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "merge invoices and comments")
    sh(repo, "alembic-git", "hook", "install", "--hook-type", "post-checkout")
    sh(repo, "git", "switch", "main")  # the post-checkout hook warns (it changes nothing)
    sh(repo, "alembic-git", "db", "status", expect=1)
    sh(repo, "alembic-git", "db", "sync", "--yes")  # their own downgrade(), from git objects
    sh(repo, "alembic-git", "db", "status")
    print(f"tables: {', '.join(tables(repo / 'demo.db'))}  (main's, again)")
    if "comments" in tables(repo / "demo.db"):
        raise SystemExit("demo: db sync left the comments table behind")

    step("done")


if __name__ == "__main__":
    sys.exit(main())
