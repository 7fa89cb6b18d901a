"""Benchmark: ``alembic heads`` against ``alembic-git heads`` on a long history.

What it measures: the wall time of one whole ``alembic heads`` process and of
one whole ``alembic-git heads`` process, in the checkout of ``main`` of a
generated project with ``--revisions`` revision files (default 3,000).  One
untimed warm-up run of each fills Alembic's ``__pycache__`` (Alembic imports
every revision file) and alembic-git's caches; then they run alternately for
``--rounds`` rounds and the medians are compared, twice:

* **warm**: alembic-git answers from its verdict cache (the files are unchanged);
* **new verdict**: the verdicts deleted before every run (the parse cache kept),
  as on the first run after a revision file changed: the graph is built;
* **cold**: alembic-git with ``ALEMBIC_GIT_NO_CACHE=1`` (no verdict, no parse
  cache: every file read and parsed, the graph built), Alembic warm as before.

Then the peak memory (maximum resident set) of one run of each.

Figures: ``speedup = median(alembic heads) / median(alembic-git heads)``;
goals: warm >= 10x, cold >= 2.5x.

Run::

    python bench/bench_heads.py                       # 3,000 revisions, 7 rounds
    python bench/bench_heads.py --reuse --rounds 11   # reuse the generated repo
    python bench/bench_heads.py --json heads.json     # also write the figures

Exit code 0 when both sides were measured (1 with --strict if the goal was
missed); 1 with a one-paragraph message when alembic-git is missing or fails,
after the Alembic side has been timed and printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import benchlib

WARM_GOAL = 10.0
COLD_GOAL = 2.5


def peak_rss_mb(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """The maximum resident set of one run of ``cmd``, in MB (from wait4)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped here
    return usage.ru_maxrss / 1024  # kB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_common_args(parser)
    args = parser.parse_args(argv)
    ws = benchlib.prepare(args)
    try:
        alembic, agit = benchlib.tools(args)
        print(f"alembic:     {' '.join(alembic.argv)}  ({alembic.how})")
        print(f"alembic-git: {' '.join(agit.argv)}  ({agit.how})")
        print(f"repo: {ws.repo} on main, {ws.summary['revisions']} revisions, "
              f"head {ws.summary['main']['head_revision']}")
        env = benchlib.env_for(alembic, agit)
        cold_env = {**env, "ALEMBIC_GIT_NO_CACHE": "1"}
        warm = benchlib.compare_or_explain(
            "heads (warm)", alembic("heads"), agit("heads"), ws.repo, args, agit,
            names=("alembic", "alembic-git"), env=env)
        verdicts = ws.repo / ".git" / "alembic-git" / "verdicts"
        rebuilt = benchlib.compare_or_explain(
            "heads (new verdict)", alembic("heads"), agit("heads"), ws.repo, args, agit,
            names=("alembic", "alembic-git"), env=env,
            before=lambda: shutil.rmtree(verdicts, ignore_errors=True))
        cold = benchlib.compare_or_explain(
            "heads (cold, no cache)", alembic("heads"), agit("heads"), ws.repo, args, agit,
            names=("alembic", "alembic-git"), env=cold_env)
        assert warm is not None and rebuilt is not None and cold is not None
        head = ws.summary["main"]["head_revision"]
        for result in (warm, rebuilt, cold):
            if head not in result.b.output:
                print(f"warning: alembic-git heads did not print main's head {head}; "
                      f"it printed: {result.b.output.strip()[:200]!r}", file=sys.stderr)
        goals = [{"goal": f"alembic heads / alembic-git heads (warm) >= {WARM_GOAL}x",
                  "value": round(warm.speedup, 2), "met": warm.speedup >= WARM_GOAL},
                 {"goal": f"alembic heads / alembic-git heads (cold) >= {COLD_GOAL}x",
                  "value": round(cold.speedup, 2), "met": cold.speedup >= COLD_GOAL}]
        memory = {"alembic heads": peak_rss_mb(alembic("heads"), ws.repo, env),
                  "alembic-git heads (cold)": peak_rss_mb(agit("heads"), ws.repo, cold_env),
                  "alembic-git heads (warm)": peak_rss_mb(agit("heads"), ws.repo, env)}
        code = benchlib.report(args, "heads", ws, [alembic, agit], [warm, rebuilt, cold], goals,
                               {"peak_rss_mb": {k: round(v, 1) for k, v in memory.items()}})
        print()
        for name, mb in memory.items():
            print(f"peak memory: {name}: {mb:,.0f} MB")
        n = ws.summary["revisions"]
        for what, r in (("warm", warm), ("new verdict", rebuilt), ("cold", cold)):
            print(f"alembic-git heads ({what}) is {r.speedup:.2f}x faster than alembic heads "
                  f"({r.a.median * 1000:,.0f} ms vs {r.b.median * 1000:,.0f} ms, "
                  f"{n} revisions)")
        return code
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
