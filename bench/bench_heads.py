"""Benchmark: ``alembic heads`` against ``alembic-git heads`` on a long history.

What it measures: the wall time of one whole ``alembic heads`` process and of
one whole ``alembic-git heads`` process, in the checkout of ``main`` of a
generated project with ``--revisions`` revision files (default 3,000).  Both
sides are warm: one untimed warm-up run of each fills Alembic's
``__pycache__`` (Alembic imports every revision file) and alembic-git's cache;
then they run alternately for ``--rounds`` rounds and the medians are compared.

Figure: ``speedup = median(alembic heads) / median(alembic-git heads)``;
goal: >= 2.5x.

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
import sys

import benchlib

GOAL = 2.5


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
        result = benchlib.compare_or_explain(
            "heads", alembic("heads"), agit("heads"), ws.repo, args, agit,
            names=("alembic", "alembic-git"), env=env)
        assert result is not None
        head = ws.summary["main"]["head_revision"]
        if head not in result.b.output:
            print(f"warning: alembic-git heads did not print main's head {head}; "
                  f"it printed: {result.b.output.strip()[:200]!r}", file=sys.stderr)
        goals = [{"goal": f"alembic heads / alembic-git heads >= {GOAL}x",
                  "value": round(result.speedup, 2), "met": result.speedup >= GOAL}]
        code = benchlib.report(args, "heads", ws, [alembic, agit], [result], goals)
        print(f"\nalembic-git heads is {result.speedup:.2f}x faster than alembic heads "
              f"({result.a.median * 1000:,.0f} ms vs {result.b.median * 1000:,.0f} ms, "
              f"{ws.summary['revisions']} revisions)")
        return code
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
