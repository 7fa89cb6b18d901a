"""The one user-facing error type.

Every expected failure becomes an ``AlembicGitError``: the CLI prints it as one
line and exits 2 without a traceback.  The message says what is wrong, where
(``file:line``) and what to do next.
"""

from __future__ import annotations

EXIT_CONFLICT = 1  # a conflict was found (or, from a hook, the push is refused)
EXIT_ERROR = 2  # the command could not do its job


class AlembicGitError(Exception):
    """An error the user can act on; always exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    @property
    def location(self) -> str | None:
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        text = self.message
        if self.location:
            text = f"{self.location}: {text}"
        if self.hint:
            text = f"{text}; {self.hint}"
        return text


class GitError(AlembicGitError):
    """A git command failed; the message carries the command and its stderr."""
