"""Where things are: this checkout (or unpacked sdist), its package, its examples."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "alembic_git"
EXAMPLES = ROOT / "examples"


# Never part of a snapshot: environments, build output, caches.
_NOT_SOURCE = (".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def snapshot_working_tree(dest: Path, root: Path = ROOT) -> str:
    """A new repository at ``dest`` whose one commit is this checkout's working tree as it
    is now (edits not yet committed included; ignored files left out); returns its sha.

    Tests that install alembic-git from a git URL (pre-commit) use it, so they test the
    code under test and not the last commit. From an unpacked sdist (no .git) the files
    are copied as they are.
    """
    if (root / ".git").exists():
        listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        dest.mkdir(parents=True)
        for name in sorted(set(filter(None, listed.split("\0")))):
            source = root / name
            if source.is_file():  # listed but deleted in the work tree: gone in the snapshot
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:
        shutil.copytree(root, dest, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "the working tree under test")
    return _git(dest, "rev-parse", "HEAD").strip()


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout
