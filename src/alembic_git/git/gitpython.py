"""GitPython, imported so that a missing git is our one-line error and not a traceback.

At import GitPython runs ``git version`` and, by default, raises ``ImportError`` when
there is no git.  Imported in its "quiet" mode, it loads; the first git command then
fails with ``GitCommandNotFound``, which ``base.git_errors`` turns into "git is not
installed or not on PATH".
"""

from __future__ import annotations

import os

_MODE = "GIT_PYTHON_REFRESH"
_chosen = _MODE in os.environ
if not _chosen:
    os.environ[_MODE] = "quiet"
try:
    import git
    from git.exc import (
        GitCommandError,
        GitCommandNotFound,
        InvalidGitRepositoryError,
        NoSuchPathError,
    )
    from git.refs.symbolic import SymbolicReference
finally:
    if not _chosen:
        del os.environ[_MODE]

__all__ = [
    "GitCommandError",
    "GitCommandNotFound",
    "InvalidGitRepositoryError",
    "NoSuchPathError",
    "SymbolicReference",
    "git",
]
