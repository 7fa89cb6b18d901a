"""Set up a virtual environment and run the demo or the tests: needs only Python 3 and git.

    python3 dev.py demo    # a throwaway repository where two branches collide, found and fixed
    python3 dev.py test    # ruff, mypy --strict, then the whole test suite
"""

from __future__ import annotations

import os
import subprocess
import sys
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
    print("installing alembic-git with its test dependencies ...", flush=True)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-e", f"{ROOT}[test]"],
        check=True,
    )
    STAMP.write_bytes(wanted)


def run(*cmd: str) -> int:
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT).returncode


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
    code = run("python", "-m", "pytest", *(argv[1:] or ["-q"]))
    if code == 5:  # pytest: no test was collected; for CI that is a failure, said plainly
        print("dev.py: pytest collected no tests", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
