"""The environment our git processes run in.

A hook runs with ``GIT_DIR``, ``GIT_INDEX_FILE``, ``GIT_CONFIG_PARAMETERS``... of the
git command that called it.  Those must not redirect what we read.  GitPython starts
every process with a copy of ``os.environ`` plus its own overrides and cannot unset a
variable, so each such variable present gets an override that means "as if unset":
the repository's own paths, or the value git reads as "off".
"""

from __future__ import annotations

import os
from pathlib import Path

# Kept as they are: they say where objects live (a pre-receive hook sees the pushed
# objects only through the quarantine variables) or how git reaches the outside,
# not which repository to use.
KEPT_GIT_VARS = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_QUARANTINE_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        # GitPython's own settings (which git executable), not git's.
        "GIT_PYTHON_GIT_EXECUTABLE",
        "GIT_PYTHON_REFRESH",
        "GIT_PYTHON_TRACE",
    }
)

# What each variable a hook or `git --option` may pass down is set to instead.
_AS_IF_UNSET = {
    "GIT_CONFIG_PARAMETERS": "",  # `git -c key=value`: no entries
    "GIT_CONFIG_COUNT": "0",
    "GIT_NAMESPACE": "",
    "GIT_LITERAL_PATHSPECS": "0",
    "GIT_GLOB_PATHSPECS": "0",
    "GIT_NOGLOB_PATHSPECS": "0",
    "GIT_ICASE_PATHSPECS": "0",
    "GIT_REPLACE_REF_BASE": "refs/replace/",
    "GIT_TRACE": "0",
    "GIT_TRACE2": "0",
    "GIT_TRACE2_EVENT": "0",
    "GIT_TRACE2_PERF": "0",
    "GIT_TRACE_PERFORMANCE": "0",
    "GIT_TRACE_SETUP": "0",
    "GIT_TRACE_PACKET": "0",
    "GIT_TRACE_CURL": "0",
    "GIT_OPTIONAL_LOCKS": "1",
    "GIT_AUTHOR_NAME": "alembic-git",
    "GIT_AUTHOR_EMAIL": "alembic-git@localhost",
    "GIT_COMMITTER_NAME": "alembic-git",
    "GIT_COMMITTER_EMAIL": "alembic-git@localhost",
}


def clean_env() -> dict[str, str]:
    """``os.environ`` without the ``GIT_*`` variables that pick a repository, an index or
    a configuration (for a git process we start ourselves, outside GitPython)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in KEPT_GIT_VARS}
    env["LC_ALL"] = "C"  # messages we parse must not be translated
    return env


def pinned_env(git_dir: Path, common_dir: Path, toplevel: Path | None) -> dict[str, str]:
    """Overrides that pin every git process to this repository and neutralise the
    caller's other ``GIT_*`` variables (see the module docstring).  Set whether or not
    the variable is there now: the values are git's defaults for this repository."""
    env = {
        "GIT_DIR": str(git_dir),
        "GIT_COMMON_DIR": str(common_dir),
        "GIT_INDEX_FILE": str(git_dir / "index"),
        "GIT_SHALLOW_FILE": str(common_dir / "shallow"),
        **_AS_IF_UNSET,
    }
    if toplevel is not None:
        env["GIT_WORK_TREE"] = str(toplevel)
    return env


def commit_identity() -> dict[str, str]:
    """Who the throw-away snapshot commit is by: always us, never the caller's variables."""
    return {k: v for k, v in _AS_IF_UNSET.items() if k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
