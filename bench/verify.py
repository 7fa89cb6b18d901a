"""Check a repository made by generate.py against real Alembic.

What it checks, with Alembic's own ``ScriptDirectory`` (which imports every
revision file), in a scratch clone of the generated repository:

* ``main`` has exactly one head, the summary's ``main.head_revision``, and the
  summary's revision count;
* each checked branch, checked out alone, has one head;
* each checked branch merged into main (``git merge``) has the number of heads
  its ``expected`` status says: 1 for "ok", 2 for "conflict", and exactly the
  summary's ``heads_after_merge``;
* pairs of "ok" branches merged together into main (an octopus merge) have
  more than one head exactly when the summary lists them in ``collisions``.

By default it checks main, every "conflict" branch, two branches of each
other kind, three colliding pairs and two non-colliding ones (about a minute
on 3,000 revisions); ``--all`` checks every branch and every pair of "ok"
branches with new revisions.

Run::

    python bench/generate.py /tmp/g/repo --revisions 3000 --branches 40
    python bench/verify.py /tmp/g/repo.summary.json [--all]

Exit code 0 when everything matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "verify", "GIT_AUTHOR_EMAIL": "verify@example.com",
           "GIT_COMMITTER_NAME": "verify", "GIT_COMMITTER_EMAIL": "verify@example.com",
           "GIT_TERMINAL_PROMPT": "0"}


def git(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=GIT_ENV)
    if proc.returncode != 0:
        raise SystemExit(f"verify.py: git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def alembic_heads(repo: Path) -> tuple[list[str], int]:
    """(sorted heads, number of revisions), as Alembic sees the working tree."""
    script = ScriptDirectory.from_config(Config(str(repo / "alembic.ini")))
    return sorted(script.get_heads()), sum(1 for _ in script.walk_revisions())


class Checker:
    def __init__(self, scratch: Path, main_commit: str) -> None:
        self.scratch = scratch
        self.main = main_commit
        self.failures: list[str] = []
        self.checks = 0

    def expect(self, what: str, ok: bool, detail: str) -> None:
        self.checks += 1
        mark = "ok  " if ok else "FAIL"
        print(f"  {mark} {what}: {detail}", flush=True)
        if not ok:
            self.failures.append(f"{what}: {detail}")

    def at(self, commit: str) -> None:
        git(["checkout", "-q", "-f", "--detach", commit], self.scratch)
        git(["clean", "-q", "-fdx", "-e", "__pycache__"], self.scratch)

    def merged(self, *commits: str) -> list[str]:
        self.at(self.main)
        git(["merge", "-q", "--no-edit", "--no-ff", *commits], self.scratch)
        return alembic_heads(self.scratch)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("summary", type=Path, help="the .summary.json written by generate.py")
    parser.add_argument("--all", action="store_true",
                        help="check every branch and every pair of 'ok' branches")
    args = parser.parse_args(argv)
    summary: dict[str, Any] = json.loads(args.summary.read_text())
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="alembic-git-verify-"))
    try:
        scratch = tmp / "clone"
        git(["clone", "-q", summary["repo"], str(scratch)], tmp)
        c = Checker(scratch, summary["main"]["commit"])

        print("main:")
        c.at(c.main)
        heads, count = alembic_heads(scratch)
        c.expect("main heads", heads == [summary["main"]["head_revision"]], str(heads))
        c.expect("main revisions", count == summary["revisions"], f"{count}")

        branches: list[dict[str, Any]] = summary["branches"]
        if args.all:
            chosen = branches
        else:
            chosen = [b for b in branches if b["expected"] == "conflict"]
            for kind in ("tip", "merged"):
                chosen += [b for b in branches if b["kind"] == kind][:2]
        print(f"branches ({len(chosen)} of {len(branches)}):")
        for b in chosen:
            c.at(b["commit"])
            alone = alembic_heads(scratch)[0]
            c.expect(f"{b['name']} alone", alone == [b["head_revision"]], str(alone))
            after = c.merged(b["commit"])
            want = 1 if b["expected"] == "ok" else 2
            c.expect(f"{b['name']} merged into main ({b['expected']})",
                     len(after) == want and after == b["heads_after_merge"], str(after))

        by_name = {b["name"]: b for b in branches}
        colliding = {tuple(p) for p in summary["collisions"]}
        ok_new = sorted(b["name"] for b in branches if b["expected"] == "ok" and b["new_revisions"])
        pairs = list(itertools.combinations(ok_new, 2))
        if not args.all:
            pairs = [p for p in pairs if p in colliding][:3] + \
                [p for p in pairs if p not in colliding][:2]
            merged = [b["name"] for b in branches if b["kind"] == "merged"]
            if ok_new and merged:
                pairs.append((ok_new[0], merged[0]))
        print(f"pairs ({len(pairs)}):")
        for a, b in pairs:
            heads = c.merged(by_name[a]["commit"], by_name[b]["commit"])
            expected = 2 if (a, b) in colliding else 1
            c.expect(f"{a} + {b} ({'collide' if expected == 2 else 'fine'})",
                     len(heads) == expected, str(heads))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    took = time.perf_counter() - started
    print(f"{c.checks - len(c.failures)} of {c.checks} checks passed in {took:.0f} s")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
