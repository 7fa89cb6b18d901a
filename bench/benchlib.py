"""Shared plumbing for the bench_*.py scripts: options, the generated
repository (fresh or reused), finding ``alembic`` and ``alembic-git``, and
reporting a missing or failing alembic-git as one clear message."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import generate
import timing

SRC = Path(__file__).resolve().parent.parent / "src"


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=7,
                        help="timed rounds after one warm-up of each command (default 7)")
    parser.add_argument("--revisions", type=int, default=3000,
                        help="revisions on main in the generated repo (default 3000)")
    parser.add_argument("--branches", type=int, default=40,
                        help="feature branches in the generated repo (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for the generated repo (default: a new temp folder, "
                             "or $TMPDIR/alembic-git-bench with --reuse)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a repo generated earlier with the same --revisions, "
                             "--branches and --seed in the work folder (implies --keep)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated repo and print where it is")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the results as JSON to FILE (- for stdout)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a goal is missed (default: report only)")
    parser.add_argument("--alembic", metavar="CMD", default=None,
                        help="command to run Alembic (default: the 'alembic' script of this "
                             "Python, then PATH, then 'python -m alembic')")
    parser.add_argument("--alembic-git", metavar="CMD", default=None, dest="alembic_git",
                        help="command to run alembic-git (default: the 'alembic-git' script "
                             "of this Python, then PATH, then 'python -m alembic_git')")


@dataclass
class Tool:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    found: bool = True
    how: str = ""

    def __call__(self, *args: str) -> list[str]:
        return [*self.argv, *args]


def _script_beside_python(name: str) -> str | None:
    path = Path(sys.executable).parent / name
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def find_tool(name: str, module: str, override: str | None) -> Tool:
    """Resolve ``name``: --override, the script beside ``sys.executable``
    (not a pyenv shim, which adds ~0.5 s per run), PATH, ``python -m``."""
    if override:
        return Tool(name, shlex.split(override), how="--" + name)
    script = _script_beside_python(name)
    if script:
        return Tool(name, [script], how="script of this Python")
    which = shutil.which(name)
    if which:
        return Tool(name, [which], how="PATH")
    if importlib.util.find_spec(module) is not None:
        return Tool(name, [sys.executable, "-m", module], how="python -m")
    if (SRC / module / "__main__.py").is_file():
        path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
        return Tool(name, [sys.executable, "-m", module], {"PYTHONPATH": path},
                    how=f"python -m with PYTHONPATH={SRC}")
    return Tool(name, [name], found=False, how="not found")


def tools(args: argparse.Namespace) -> tuple[Tool, Tool]:
    return (find_tool("alembic", "alembic", args.alembic),
            find_tool("alembic-git", "alembic_git", args.alembic_git))


def env_for(*used: Tool) -> dict[str, str]:
    extra: dict[str, str] = {}
    for tool in used:
        extra.update(tool.env)
    return timing.child_env(extra)


def git(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env=timing.child_env())
    if proc.returncode != 0:
        raise SystemExit(f"git {shlex.join(args)} failed in {cwd}: {proc.stderr.strip()}")
    return proc.stdout.strip()


@dataclass
class Workspace:
    summary: dict[str, Any]
    repo: Path
    remote: Path
    base: Path
    remove: bool

    def close(self) -> None:
        if self.remove:
            shutil.rmtree(self.base, ignore_errors=True)
        else:
            print(f"kept: {self.repo} (remote {self.remote})")


def prepare(args: argparse.Namespace) -> Workspace:
    """Generate the repo (or reuse a matching one) and check out main."""
    temp = args.workdir is None and not args.reuse
    if args.workdir is not None:
        base = args.workdir.resolve()
    elif args.reuse:
        base = Path(tempfile.gettempdir()) / "alembic-git-bench"
    else:
        base = Path(tempfile.mkdtemp(prefix="alembic-git-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    repo = base / f"r{args.revisions}-b{args.branches}-s{args.seed}"
    summary_path = repo.with_name(repo.name + ".summary.json")
    summary: dict[str, Any] | None = None
    if args.reuse and summary_path.is_file() and (repo / ".git").is_dir():
        data = json.loads(summary_path.read_text())
        if (data.get("format") == generate.SUMMARY_FORMAT and data.get("seed") == args.seed
                and data.get("revisions") == args.revisions
                and data.get("counts", {}).get("branches") == args.branches):
            summary = data
            print(f"reusing {repo}")
    if summary is None:
        print(f"generating {args.revisions} revisions and {args.branches} branches "
              f"in {repo} ...", flush=True)
        summary = generate.generate(repo, args.revisions, args.branches, args.seed,
                                    force=True)
        print(f"generated in {summary['elapsed_seconds']:.1f} s")
    git(["checkout", "-q", "-f", "main"], repo)
    keep = args.keep or args.reuse or args.workdir is not None
    return Workspace(summary, repo, Path(summary["remote"]), base, remove=temp and not keep)


def pick_branch(summary: dict[str, Any], wanted: str | None, kind: str = "tip") -> dict[str, Any]:
    branches: list[dict[str, Any]] = summary["branches"]
    if wanted:
        for b in branches:
            if b["name"] == wanted:
                return b
        raise SystemExit(f"no branch {wanted!r} in the generated repo")
    for b in branches:
        if b["kind"] == kind:
            return b
    for b in branches:
        if b["new_revisions"]:
            return b
    raise SystemExit("the generated repo has no feature branch with new revisions; "
                     "use --branches 1 or more")


def alembic_git_failed(tool: Tool, exc: timing.CommandFailed) -> str:
    """The one message for 'the alembic-git side could not be measured'."""
    if exc.returncode is None and tool.how.startswith("--"):
        why = f"{exc.describe()} (check --alembic-git)"
    elif not tool.found or exc.returncode is None:
        why = ("alembic-git is not installed: no 'alembic-git' script beside "
               f"{sys.executable}, none on PATH, and no importable alembic_git.__main__ "
               "(install it with `pip install -e .`, or pass --alembic-git CMD)")
    else:
        why = f"alembic-git failed: {exc.describe()}"
    return f"\nERROR: {why}\nThe alembic-git side was not measured.\n"


def compare_or_explain(label: str, cmd_a: list[str], cmd_b: list[str], cwd: Path,
                       args: argparse.Namespace, agit: Tool, *, names: tuple[str, str],
                       env: dict[str, str], fatal: bool = True,
                       **kw: Any) -> timing.Comparison | None:
    """``timing.compare``; if the alembic-git side (B) fails, time A alone,
    print its median, print one clear error and exit 1.  A failure of A exits 1
    with its command and output.  With ``fatal=False`` an alembic-git failure
    returns None instead of exiting."""
    try:
        return timing.compare(label, cmd_a, cmd_b, cwd, args.rounds, names=names,
                              env=env, progress=sys.stderr.isatty(), **kw)
    except timing.CommandFailed as exc:
        if exc.side != names[1]:
            sys.stderr.write(f"\nERROR: {exc.describe()}\n")
            raise SystemExit(1) from None
        kw.pop("ok_codes_b", None)
        ok_a = kw.pop("ok_codes_a", (0,))
        m = timing.measure(names[0], cmd_a, cwd, args.rounds, env=env, ok_codes=ok_a,
                           warmup=0, **kw)
        runs = ", ".join(f"{t * 1000:.0f}" for t in m.times)
        print(f"\n{label}: {names[0]} `{shlex.join(m.cmd)}`: median "
              f"{m.median * 1000:,.0f} ms over {args.rounds} warm runs ({runs})")
        sys.stderr.write(alembic_git_failed(agit, exc))
        if fatal:
            raise SystemExit(1) from None
        return None


def goal_line(text: str, met: bool) -> str:
    return f"goal: {text}: {'MET' if met else 'NOT MET'}"


def report(args: argparse.Namespace, name: str, ws: Workspace, tools_used: list[Tool],
           comparisons: list[timing.Comparison], goals: list[dict[str, Any]],
           extra: dict[str, Any] | None = None) -> int:
    """Print the table and goals, write --json; return the exit code."""
    print()
    timing.print_table(comparisons)
    print()
    for g in goals:
        print(goal_line(g["goal"], g["met"]))
    if args.json:
        payload: dict[str, Any] = {
            "benchmark": name,
            "environment": timing.environment(),
            "repo": {"revisions": ws.summary["revisions"],
                     "branches": ws.summary["counts"]["branches"],
                     "seed": ws.summary["seed"],
                     "main_commits": ws.summary["main"]["commits"]},
            "tools": {t.name: {"argv": t.argv, "how": t.how} for t in tools_used},
            "rounds": args.rounds,
            "comparisons": [c.to_dict() for c in comparisons],
            "goals": goals,
        }
        if extra:
            payload.update(extra)
        timing.write_json(args.json, payload)
    if args.strict and not all(g["met"] for g in goals):
        return 1
    return 0
