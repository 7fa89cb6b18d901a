"""Set up a virtual environment and run the demo or the tests: needs only Python 3 and git.

    python3 dev.py demo [--keep]   # a throwaway repository where two branches collide, found
                                   # and fixed (removed afterwards unless --keep)
    python3 dev.py test [ARGS]     # ruff, mypy --strict, then pytest ARGS (default -q) on
                                   # every core (-n auto; give -n 0 for one process)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("ALEMBIC_GIT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_venv() -> None:
    wanted = (ROOT / "pyproject.toml").read_bytes()
    if STAMP.exists() and STAMP.read_bytes() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("installing alembic-git with its test dependencies (about a minute the first time):",
          flush=True)
    pip_install(str(BIN / "python"), "-e", f"{ROOT}[test]")
    STAMP.write_bytes(wanted)


# pip's lines that say what it is doing; the rest (versions of wheels, caches) is noise.
_PROGRESS = ("Collecting", "Building", "Installing", "Successfully", "Obtaining", "ERROR")


def pip_install(python: str, *args: str) -> None:
    """``pip install ARGS`` with a line per step, so a first run is never a silent minute."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [python, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off",
         *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.lstrip().startswith(_PROGRESS):
            print(f"  [{time.monotonic() - start:4.0f}s] {line.strip()}", flush=True)
    if proc.wait():
        raise SystemExit(f"dev.py: pip install failed (exit {proc.returncode}); see above")


def run(*cmd: str) -> int:
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT).returncode


def pytest_args(args: list[str]) -> list[str]:
    """ARGS (default -q), spread over every core unless ARGS choose (-n, -p no:xdist)."""
    args = args or ["-q"]
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist" for a in args)
    return args if chosen else ["-n", "auto", *args]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__.strip())
        return 2
    ensure_venv()
    if argv[0] == "demo":
        return run("python", str(ROOT / "examples" / "demo.py"), *argv[1:])
    for step in (("ruff", "check", "src", "tests", "bench", "dev.py"), ("mypy",)):
        code = run(*step)
        if code:
            return code
    code = run("python", "-m", "pytest", *pytest_args(argv[1:]))
    if code == 5:  # pytest: no test was collected; for CI that is a failure, said plainly
        print("dev.py: pytest collected no tests", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
