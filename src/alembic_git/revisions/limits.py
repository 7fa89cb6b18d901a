"""How large a file alembic-git agrees to read."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError

# A revision file larger than this is refused before it is parsed: parsing is
# superlinear in practice (50 MB took 400 s and 21 GB), and no real revision file
# comes near it.  Raised by the environment variable, then by pyproject.toml.
DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024
MAX_FILE_SIZE_ENV = "ALEMBIC_GIT_MAX_FILE_SIZE"
MAX_FILE_SIZE_KEY = "max-revision-file-size"
_SIZE = re.compile(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class SizeLimit:
    """The largest file the loader reads, and where that number came from."""

    max_bytes: int = DEFAULT_MAX_FILE_SIZE
    origin: str = "the default"

    @classmethod
    def configured(cls, toml: dict[str, object] | None = None) -> SizeLimit:
        """``ALEMBIC_GIT_MAX_FILE_SIZE`` wins, then ``max-revision-file-size`` in
        ``[tool.alembic-git]`` (``toml``), then the default."""
        env = os.environ.get(MAX_FILE_SIZE_ENV, "").strip()
        if env:
            return cls(_parse_size(env, MAX_FILE_SIZE_ENV), MAX_FILE_SIZE_ENV)
        value = (toml or {}).get(MAX_FILE_SIZE_KEY)
        if value is not None:
            where = f"pyproject.toml [tool.alembic-git] {MAX_FILE_SIZE_KEY}"
            return cls(_parse_size(value, where), where)
        return cls()

    def check(self, size: int, display: str) -> None:
        if size <= self.max_bytes:
            return
        origin = "" if self.origin == "the default" else f" (set by {self.origin})"
        raise AlembicGitError(
            f"{_human(size)}, over the {_human(self.max_bytes)} limit{origin} for a file "
            "alembic-git reads; not parsed",
            path=display,
            hint=f"if it really is a revision file, raise the limit: {MAX_FILE_SIZE_ENV}=64M, "
            f'or {MAX_FILE_SIZE_KEY} = "64M" in [tool.alembic-git] of pyproject.toml',
        )


def _parse_size(value: object, where: str) -> int:
    """Bytes from ``4194304``, ``"512K"``, ``"4M"``, ``"4MiB"``, ``"1G"``."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    m = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if m is None or int(m.group(1)) <= 0:
        raise AlembicGitError(
            f"{where} is {value!r}, not a size",
            hint='write a number of bytes, or one with K, M or G (e.g. "16M")',
        )
    return int(m.group(1)) << (10 * " kmg".index(m.group(2).lower() or " "))


def _human(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
