"""Writing a file so that readers see the old bytes or the new ones, never half."""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any


def atomic_write(path: str, data: bytes, mode: int, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    ``durable``: fsync the file and its folder first (a user's file); caches skip it.
    The temporary file never outlives a failure.
    """
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(folder)


def _fsync_dir(folder: str) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_dirs(folders: Iterable[str]) -> None:
    """Make renames in ``folders`` durable."""
    for folder in sorted(set(folders)):
        _fsync_dir(folder)


class Deferred:
    """The first SIGINT/SIGTERM/SIGHUP that arrived while signals were deferred, if any."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def _record(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum


_DEFERRABLE = ("SIGINT", "SIGTERM", "SIGHUP")


@contextlib.contextmanager
def signals_deferred() -> Iterator[Deferred]:
    """Hold SIGINT, SIGTERM and SIGHUP: they are recorded, not acted on, until the block
    ends; the caller looks at ``.signum`` at safe points (and rolls back).

    Without this, Ctrl-C raises KeyboardInterrupt between any two renames and SIGTERM
    ends the process there: half the files rewritten.  Only the main thread may set
    handlers; elsewhere (the Python API from a thread) nothing is deferred.
    """
    deferred = Deferred()
    if threading.current_thread() is not threading.main_thread():
        yield deferred
        return
    previous: dict[int, Any] = {}
    try:
        for name in _DEFERRABLE:
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            current = signal.getsignal(signum)
            if current is signal.SIG_IGN:  # started with it ignored (nohup, `&`): keep so
                continue
            previous[signum] = signal.signal(signum, deferred._record)
        yield deferred
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def remove_stale_bytecode(path: str) -> list[str]:
    """Delete ``__pycache__/<stem>.*.pyc`` beside ``path``; return what was deleted."""
    folder, name = os.path.split(path)
    stem = os.path.splitext(name)[0]
    pattern = os.path.join(glob.escape(folder), "__pycache__", f"{glob.escape(stem)}.*.pyc")
    removed = []
    for pyc in sorted(glob.glob(pattern)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(pyc)
            removed.append(pyc)
    return removed
