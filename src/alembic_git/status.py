"""The verdict every command, report and hook shares: ok, conflict, or error.

A conflict outranks an error (a conflict found in one environment is the answer even when
another could not be read: exit 1, the error still said), and both outrank ok.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from alembic_git.errors import EXIT_CONFLICT, EXIT_ERROR


class Status(str, enum.Enum):
    OK = "ok"
    ERROR = "error"
    CONFLICT = "conflict"

    def __str__(self) -> str:  # JSON and text print the word
        return self.value

    @property
    def exit_code(self) -> int:
        return {Status.OK: 0, Status.CONFLICT: EXIT_CONFLICT, Status.ERROR: EXIT_ERROR}[self]

    @staticmethod
    def worst(statuses: Iterable[Status]) -> Status:
        found = set(statuses)
        for status in (Status.CONFLICT, Status.ERROR):
            if status in found:
                return status
        return Status.OK

    @staticmethod
    def of(conflict: bool, error: bool = False) -> Status:
        """The verdict of one check: its conflict, else its error, else ok."""
        return Status.CONFLICT if conflict else Status.ERROR if error else Status.OK
