"""Benchmark: branch-aware alembic-git commands against one ``alembic heads``.

What it measures, on the generated project with ``--revisions`` revisions on
main and ``--branches`` feature branches pushed to ``origin`` (defaults 3,000
and 40), in the checkout of one feature branch (``--branch``; default the
first branch of kind "tip": fine alone against main):

1. ``alembic-git check --against origin/main`` against ``alembic heads``
   (which sees the working tree only).
   Figure: ``speedup = median(alembic heads) / median(check --against)``;
   goal: >= 5x (warm: the warm-up run leaves the verdicts).
2. ``alembic-git forecast --target origin/main`` (every branch against main,
   and against each other) against one ``alembic heads``.
   Figure: ``ratio = median(forecast) / median(alembic heads)``; goal: <= 3x.

Both sides are warm (one untimed warm-up run of each), then alternate for
``--rounds`` rounds; medians are compared.  Exit codes 0 and 1 (findings:
conflicts exist) are both accepted from alembic-git; anything else is a
failure.

Run::

    python bench/bench_branches.py
    python bench/bench_branches.py --reuse --rounds 11 --json branches.json
    python bench/bench_branches.py --branch feature/21-webhooks   # a conflicting one

Exit code 0 when everything was measured (1 with --strict if a goal was
missed); 1 with a clear message when alembic-git is missing or fails, after
the Alembic side has been timed and printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import benchlib
import timing

CHECK_GOAL = 5.0  # warm: the verdicts of the target and the merge are cached
FORECAST_GOAL = 3.0
FINDINGS = (0, 1)  # alembic-git: 0 = clean, 1 = conflicts found, 2 = error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_common_args(parser)
    parser.add_argument("--branch", default=None,
                        help="feature branch to check out (default: the first 'tip' branch)")
    parser.add_argument("--target", default="origin/main",
                        help="ref given to --against and --target (default origin/main)")
    args = parser.parse_args(argv)
    ws = benchlib.prepare(args)
    try:
        branch = benchlib.pick_branch(ws.summary, args.branch)
        alembic, agit = benchlib.tools(args)
        env = benchlib.env_for(alembic, agit)
        benchlib.git(["checkout", "-q", "-f", branch["name"]], ws.repo)
        print(f"alembic:     {' '.join(alembic.argv)}  ({alembic.how})")
        print(f"alembic-git: {' '.join(agit.argv)}  ({agit.how})")
        print(f"repo: {ws.repo}, {ws.summary['revisions']} revisions on main, "
              f"{ws.summary['counts']['branches']} branches")
        print(f"checked out {branch['name']} (kind {branch['kind']}, expected "
              f"{branch['expected']} against main)")
        results: list[timing.Comparison] = []
        goals: list[dict[str, Any]] = []
        check = benchlib.compare_or_explain(
            "check --against", alembic("heads"), agit("check", "--against", args.target),
            ws.repo, args, agit, names=("alembic", "alembic-git"), env=env,
            ok_codes_b=FINDINGS, fatal=False)
        if check is not None:
            results.append(check)
            goals.append({"goal": f"alembic heads / check --against >= {CHECK_GOAL}x",
                          "value": round(check.speedup, 2),
                          "met": check.speedup >= CHECK_GOAL})
        forecast = benchlib.compare_or_explain(
            "forecast", alembic("heads"), agit("forecast", "--target", args.target),
            ws.repo, args, agit, names=("alembic", "alembic-git"), env=env,
            ok_codes_b=FINDINGS, fatal=False)
        if forecast is not None:
            results.append(forecast)
            goals.append({"goal": f"forecast ({ws.summary['counts']['branches']} branches) / "
                                  f"alembic heads <= {FORECAST_GOAL}x",
                          "value": round(forecast.ratio, 2),
                          "met": forecast.ratio <= FORECAST_GOAL})
        if not results:
            return 1
        code = benchlib.report(args, "branches", ws, [alembic, agit], results, goals,
                               {"branch": branch["name"], "target": args.target})
        if check is not None:
            print(f"\ncheck --against is {check.speedup:.2f}x faster than alembic heads")
        if forecast is not None:
            print(f"forecast takes {forecast.ratio:.2f}x the time of one alembic heads")
        if check is None or forecast is None:
            return 1
        return code
    finally:
        benchlib.git(["checkout", "-q", "-f", "main"], ws.repo)
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
