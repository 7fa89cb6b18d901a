"""The alembic-git demo: two branches each add a migration, git merges them cleanly,
and Alembic would fail at deploy time.  alembic-git finds it from git alone.

Run with ``python3 dev.py demo`` (or ``python examples/demo.py`` with alembic-git installed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP = HERE / "demo-app"
FEATURES = APP / "feature_migrations"
BIN = Path(sys.executable).parent


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


def sh(cwd: Path, *cmd: str, ok: tuple[int, ...] = (0,)) -> int:
    shown = " ".join(cmd)
    print(f"$ {shown}", flush=True)
    exe = str(BIN / cmd[0]) if (BIN / cmd[0]).exists() else cmd[0]
    code = subprocess.run([exe, *cmd[1:]], cwd=cwd).returncode
    if code not in ok:
        raise SystemExit(f"demo: `{shown}` exited {code}")
    return code


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="alembic-git-demo-"))
    repo = work / "app"
    shutil.copytree(APP, repo, ignore=shutil.ignore_patterns("feature_migrations", "*.db", "__pycache__"))
    env_vars = {"GIT_AUTHOR_NAME": "Demo", "GIT_AUTHOR_EMAIL": "demo@example.com",
                "GIT_COMMITTER_NAME": "Demo", "GIT_COMMITTER_EMAIL": "demo@example.com"}
    os.environ.update(env_vars)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "app with three migrations")
    versions = repo / "migrations" / "versions"
    for branch, name in (("feature/invoices", "e1f4b6a8c023_create_invoices_table.py"),
                         ("feature/comments", "4b9d2e7f1a36_create_comments_table.py")):
        git(repo, "checkout", "-q", "-b", branch, "main")
        shutil.copy(FEATURES / name, versions / name)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"add {name}")
    git(repo, "checkout", "-q", "main")

    say("main has one head")
    sh(repo, "alembic-git", "check")
    say("merge both feature branches: git sees no conflict")
    git(repo, "merge", "-q", "--no-edit", "feature/invoices")
    git(repo, "merge", "-q", "--no-edit", "feature/comments")
    sh(repo, "alembic-git", "check", ok=(1,))
    say("what Alembic says at deploy time")
    sh(repo, "alembic", "upgrade", "head", ok=(255, 1))
    print(f"\n(the demo repository is in {repo})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
