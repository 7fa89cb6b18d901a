"""Each example's README shows alembic-git at work, and what it shows is what it prints:
the read-only commands of every "Try it" block are run here and compared, line by line."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT

EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/README.md"))


def try_it(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("## Try it") :]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block is not None, f"{readme}: no console block under Try it"
    return block.group(1).splitlines()


def commands_and_outputs(lines: list[str]) -> list[tuple[str, str, list[str]]]:
    """(folder, command, expected output) for each alembic-git command before the first
    command that changes the example (cp)."""
    cwd, found = ROOT, []
    for i, line in enumerate(lines):
        if not line.startswith("$ "):
            continue
        command = line[2:].split("  #")[0].split("; echo")[0].strip()
        if command.startswith("cp "):
            break
        for part in command.split(" && "):
            if part.startswith("cd "):
                cwd = cwd / part[3:]
            elif part.startswith("alembic-git"):
                out = []
                for following in lines[i + 1 :]:
                    if following.startswith("$ "):
                        break
                    out.append(following)
                found.append((str(cwd), part, [o for o in out if not o.startswith("exit ")]))
    return found


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_try_it_runs_alembic_git_and_shows_what_it_prints(example: Path) -> None:
    runs = commands_and_outputs(try_it(example / "README.md"))
    assert runs, f"{example.name}: Try it runs no alembic-git command"
    env = {**os.environ, "NO_COLOR": "1"}
    for cwd, command, expected in runs:
        argv = shlex.split(command)[1:]
        proc = subprocess.run(
            [sys.executable, "-m", "alembic_git", *argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert proc.stdout.splitlines() == expected, (command, proc.stderr)
