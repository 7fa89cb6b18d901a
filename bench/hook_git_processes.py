"""Count the git processes one ``alembic-git hook pre-push`` starts (needs ``strace``).

Three pushes in a small project with a bare ``origin``: ``docs`` (touches no
migration), ``clean`` (adds a revision on top of origin/main: the fast path) and
``feature`` (adds a revision beside origin/main's: the full comparison).  Each is run
twice: the second run reads through the caches the first one wrote.

Run from a checkout (the source under test is ``--src``, default this checkout's)::

    python bench/hook_git_processes.py [--src OTHER/src]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.repo import add_revision, commit_all, git, init_project  # noqa: E402

ZERO = "0" * 40


def isolate_git(home: Path) -> None:
    config = home / "gitconfig"
    config.write_text("[user]\n name = t\n email = t@t\n[init]\n defaultBranch = main\n")
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        del os.environ[key]
    os.environ.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1", GIT_TEMPLATE_DIR="")


def build(root: Path) -> Path:
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", str(remote))
    proj = init_project(root / "proj")
    add_revision(proj, "aaa111", None, "first")
    commit_all(proj, "first")
    git(proj, "remote", "add", "origin", str(remote))
    git(proj, "push", "-q", "-u", "origin", "main")
    git(proj, "remote", "set-head", "origin", "main")
    git(proj, "checkout", "-q", "-b", "docs")
    (proj / "README").write_text("x")
    commit_all(proj, "docs")
    git(proj, "checkout", "-q", "-b", "feature", "main")
    add_revision(proj, "bbb111", "aaa111", "b")
    commit_all(proj, "b")
    git(proj, "checkout", "-q", "main")
    add_revision(proj, "ccc333", "aaa111", "c")
    commit_all(proj, "c")
    git(proj, "push", "-q", "origin", "main")
    git(proj, "checkout", "-q", "-b", "clean")
    add_revision(proj, "ddd444", "ccc333", "d")
    commit_all(proj, "d")
    git(proj, "checkout", "-q", "feature")
    return proj


def git_processes(proj: Path, branch: str, src: Path, trace: Path) -> int:
    sha = git(proj, "rev-parse", branch)
    line = f"refs/heads/{branch} {sha} refs/heads/{branch} {ZERO}\n"
    command = [sys.executable, "-m", "alembic_git", "hook", "pre-push", "origin", "url"]
    subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(trace), *command],
        cwd=proj, input=line, text=True, capture_output=True, check=True,
        env=dict(os.environ, PYTHONPATH=str(src)),
    )  # fmt: skip
    calls = [c for c in trace.read_text().splitlines() if "execve(" in c and "= 0" in c]
    return sum(1 for c in calls if '["git"' in c or '/git", ["git"' in c)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="agbench-"))
    isolate_git(root)
    proj = build(root)
    for branch in ("docs", "clean", "feature"):
        counts = [git_processes(proj, branch, args.src, root / f"{branch}{i}") for i in (0, 1)]
        print(f"{branch:8} git processes: first run {counts[0]}, second run {counts[1]}")


if __name__ == "__main__":
    main()
