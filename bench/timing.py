"""A small harness that times whole processes, A against B.

Each command runs in a fresh process (``subprocess.run``), so interpreter
start-up, imports and on-disk caches all count, as they do for a user.  After
one warm-up run of each (which also fills ``__pycache__`` and any tool cache),
the two commands run alternately, A, B, A, B, ..., so that drift in machine
load hits both sides alike.  The figures reported are medians.

Library use::

    from timing import compare, print_table
    result = compare("heads", ["alembic", "heads"], ["alembic-git", "heads"],
                     cwd=repo, rounds=7)
    print_table([result])
    result.speedup   # median A / median B
    result.ratio     # median B / median A

Command line::

    python bench/timing.py --cwd REPO --a "alembic heads" --b "alembic-git heads" \\
        [--label heads] [--names alembic alembic-git] [--rounds 7] \\
        [--stdin FILE] [--json out.json]

``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment, so the
warm-up leaves compiled bytecode behind as it would on a developer's machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Command = Sequence[str]


class CommandFailed(Exception):
    """A timed command could not run or exited with an unexpected code."""

    def __init__(self, cmd: Command, cwd: Path | str, returncode: int | None,
                 output: str, side: str = "") -> None:
        self.cmd = list(cmd)
        self.cwd = str(cwd)
        self.returncode = returncode
        self.output = output
        self.side = side
        super().__init__(self.describe())

    def describe(self) -> str:
        how = "could not be started" if self.returncode is None \
            else f"exited with code {self.returncode}"
        text = f"`{shlex.join(self.cmd)}` {how} (in {self.cwd})"
        tail = "\n".join(self.output.strip().splitlines()[-12:])
        if tail:
            text += "\n    " + tail.replace("\n", "\n    ")
        return text


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for timed children: ours, bytecode writing allowed,
    the running interpreter's script folder first on PATH."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    if extra:
        env.update(extra)
    return env


def run_once(cmd: Command, cwd: Path | str, *, stdin: str | bytes | None = None,
             env: Mapping[str, str] | None = None, ok_codes: Sequence[int] = (0,),
             side: str = "") -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Run ``cmd`` once; return (wall seconds, completed process).

    Raises ``CommandFailed`` if it cannot start or its exit code is not in
    ``ok_codes``.
    """
    data = stdin.encode() if isinstance(stdin, str) else stdin
    start = time.perf_counter()
    try:
        proc = subprocess.run(list(cmd), cwd=cwd, input=data, capture_output=True,
                              env=dict(env) if env is not None else child_env(),
                              stdin=None if data is not None else subprocess.DEVNULL)
    except OSError as exc:
        raise CommandFailed(cmd, cwd, None, str(exc), side) from None
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        output = proc.stderr.decode(errors="replace") + proc.stdout.decode(errors="replace")
        raise CommandFailed(cmd, cwd, proc.returncode, output, side)
    return elapsed, proc


@dataclass
class Measurement:
    """Repeated runs of one command."""

    label: str
    cmd: list[str]
    times: list[float] = field(default_factory=list)
    output: str = ""  # stdout of the last run

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def minimum(self) -> float:
        return min(self.times)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "cmd": self.cmd, "median_s": round(self.median, 4),
                "min_s": round(self.minimum, 4), "times_s": [round(t, 4) for t in self.times]}


@dataclass
class Comparison:
    """A and B, run alternately; ``ratio`` is B/A and ``speedup`` A/B."""

    label: str
    a: Measurement
    b: Measurement
    rounds: int

    @property
    def ratio(self) -> float:
        return self.b.median / self.a.median

    @property
    def speedup(self) -> float:
        return self.a.median / self.b.median

    @property
    def delta(self) -> float:
        """Median B minus median A, in seconds."""
        return self.b.median - self.a.median

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "rounds": self.rounds, "a": self.a.to_dict(),
                "b": self.b.to_dict(), "ratio_b_over_a": round(self.ratio, 3),
                "speedup_a_over_b": round(self.speedup, 3),
                "delta_ms": round(self.delta * 1000, 1)}


def measure(label: str, cmd: Command, cwd: Path | str, rounds: int = 7, *,
            stdin: str | bytes | None = None, env: Mapping[str, str] | None = None,
            ok_codes: Sequence[int] = (0,), before: Callable[[], None] | None = None,
            warmup: int = 1) -> Measurement:
    """Time one command alone: ``warmup`` untimed runs, then ``rounds`` timed."""
    env = env if env is not None else child_env()
    m = Measurement(label, list(cmd))
    for i in range(warmup + rounds):
        if before:
            before()
        elapsed, proc = run_once(cmd, cwd, stdin=stdin, env=env, ok_codes=ok_codes, side=label)
        if i >= warmup:
            m.times.append(elapsed)
        m.output = proc.stdout.decode(errors="replace")
    return m


def compare(label: str, cmd_a: Command, cmd_b: Command, cwd: Path | str, rounds: int = 7,
            stdin: str | bytes | None = None, *, names: tuple[str, str] = ("A", "B"),
            env: Mapping[str, str] | None = None,
            ok_codes_a: Sequence[int] = (0,), ok_codes_b: Sequence[int] = (0,),
            before: Callable[[], None] | None = None, warmup: int = 1,
            progress: bool = False) -> Comparison:
    """Time ``cmd_a`` against ``cmd_b`` in ``cwd``.

    One warm-up run of each (A first), then ``rounds`` rounds of A then B.
    ``stdin`` is fed to both; ``before`` (untimed) runs before every run,
    warm-ups included.  A failure raises ``CommandFailed`` whose ``side`` is
    ``names[0]`` or ``names[1]``.
    """
    if rounds < 1:
        raise ValueError("rounds must be >= 1")
    env = env if env is not None else child_env()
    a = Measurement(names[0], list(cmd_a))
    b = Measurement(names[1], list(cmd_b))
    plan: list[tuple[Measurement, Sequence[int], bool]] = []
    for _ in range(warmup):
        plan += [(a, ok_codes_a, False), (b, ok_codes_b, False)]
    for _ in range(rounds):
        plan += [(a, ok_codes_a, True), (b, ok_codes_b, True)]
    for n, (m, codes, timed) in enumerate(plan, 1):
        if before:
            before()
        elapsed, proc = run_once(m.cmd, cwd, stdin=stdin, env=env, ok_codes=codes,
                                 side=m.label)
        if timed:
            m.times.append(elapsed)
        m.output = proc.stdout.decode(errors="replace")
        if progress:
            sys.stderr.write(f"\r  {label}: run {n}/{len(plan)}")
            sys.stderr.flush()
    if progress:
        sys.stderr.write("\r" + " " * 60 + "\r")
    return Comparison(label, a, b, rounds)


def _seconds(s: float) -> str:
    return f"{s * 1000:,.0f} ms" if s < 10 else f"{s:,.2f} s"


def format_table(results: Sequence[Comparison]) -> str:
    """A plain-text table of medians, B/A and A/B for each comparison."""
    header = ("comparison", "A", "median A", "B", "median B", "B/A", "A/B")
    rows = [header]
    for r in results:
        rows.append((r.label, r.a.label, _seconds(r.a.median), r.b.label,
                     _seconds(r.b.median), f"{r.ratio:.2f}x", f"{r.speedup:.2f}x"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {2, 4, 5, 6}
    lines = []
    for k, row in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    detail = []
    for r in results:
        for m in (r.a, r.b):
            runs = ", ".join(f"{t * 1000:.0f}" for t in m.times)
            detail.append(f"  {r.label} / {m.label}: `{shlex.join(m.cmd)}` runs (ms): {runs}")
    return "\n".join(lines) + "\n" + "\n".join(detail)


def print_table(results: Sequence[Comparison]) -> None:
    print(format_table(results))


def environment() -> dict[str, Any]:
    """Versions and machine facts worth keeping next to the figures."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        from importlib.metadata import PackageNotFoundError, version
        for dist in ("alembic", "sqlalchemy", "alembic-git"):
            try:
                info[dist] = version(dist)
            except PackageNotFoundError:
                info[dist] = None
    except ImportError:  # pragma: no cover
        pass
    try:
        info["git"] = subprocess.run(["git", "--version"], capture_output=True,
                                     text=True).stdout.strip()
    except OSError:
        info["git"] = None
    return info


def write_json(path: str, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` as JSON to ``path`` (``-`` for stdout)."""
    text = json.dumps(payload, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time command A against command B.")
    parser.add_argument("--a", required=True, help="command A, one shell-quoted string")
    parser.add_argument("--b", required=True, help="command B, one shell-quoted string")
    parser.add_argument("--cwd", default=".", help="folder to run both in")
    parser.add_argument("--label", default="A vs B")
    parser.add_argument("--names", nargs=2, metavar=("NAME_A", "NAME_B"), default=("A", "B"),
                        help="names of the two sides in the table")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--stdin", type=Path, default=None,
                        help="file whose contents are fed to both commands")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON "
                                                      "(- for stdout)")
    args = parser.parse_args(argv)
    stdin = args.stdin.read_bytes() if args.stdin else None
    try:
        result = compare(args.label, shlex.split(args.a), shlex.split(args.b), args.cwd,
                         args.rounds, stdin, names=(args.names[0], args.names[1]),
                         progress=sys.stderr.isatty())
    except CommandFailed as exc:
        print(f"timing.py: {exc.describe()}", file=sys.stderr)
        return 1
    print_table([result])
    if args.json:
        write_json(args.json, {"environment": environment(), "comparisons": [result.to_dict()]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
