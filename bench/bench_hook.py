"""Benchmark: the latency the alembic-git pre-push hook adds to ``git push``.

What it measures: in the generated project (defaults: 3,000 revisions, 40
branches, remote ``origin`` a local bare repository), the wall time of
``git push origin BRANCH`` for one feature branch (``--branch``; default the
first branch of kind "tip", which the hook lets through):

* A: ``git push --no-verify origin BRANCH``: git skips the pre-push hook;
* B: ``git push origin BRANCH`` with the hook that ``alembic-git hook install``
  wrote, which runs ``alembic-git hook pre-push REMOTE URL``.

Before every push (untimed) the remote's branch is reset to the commit the
branch forked from, so every push really sends the branch's commits and the
hook really has new commits to judge.  One warm-up of each, then ``--rounds``
alternating rounds.  Figure: milliseconds added (median B - median A).

Run::

    python bench/bench_hook.py
    python bench/bench_hook.py --reuse --rounds 11 --json hook.json

The hook is removed again at the end (an existing pre-push hook is put back)
and the remote branch is restored.  Exit code 0 when measured; 1 with a clear
message when alembic-git (or its hook) is missing or fails, after plain
``git push`` has been timed and printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import benchlib
import timing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_common_args(parser)
    parser.add_argument("--branch", default=None,
                        help="feature branch to push (default: the first 'tip' branch)")
    args = parser.parse_args(argv)
    ws = benchlib.prepare(args)
    hooks_dir = Path(benchlib.git(["rev-parse", "--git-path", "hooks"], ws.repo))
    if not hooks_dir.is_absolute():
        hooks_dir = ws.repo / hooks_dir
    hook = hooks_dir / "pre-push"
    saved = hook.read_bytes() if hook.exists() else None
    branch = benchlib.pick_branch(ws.summary, args.branch)
    ref = f"refs/heads/{branch['name']}"
    remote = ws.remote

    def reset_remote() -> None:
        subprocess.run(["git", "--git-dir", str(remote), "update-ref", ref,
                        branch["fork_commit"]], check=True)

    try:
        agit = benchlib.tools(args)[1]
        env = benchlib.env_for(agit)
        print(f"alembic-git: {' '.join(agit.argv)}  ({agit.how})")
        print(f"repo: {ws.repo}, {ws.summary['revisions']} revisions on main; pushing "
              f"{branch['name']} ({len(branch['revisions'])} new revision(s), "
              f"{branch['commits']} commit(s)) to {remote}")
        if hook.exists():
            hook.unlink()
        try:
            timing.run_once(agit("hook", "install"), ws.repo, env=env, side="alembic-git")
        except timing.CommandFailed as exc:
            plain = timing.measure("git push", ["git", "push", "-q", "origin", ref],
                                   ws.repo, args.rounds, env=env, before=reset_remote)
            print(f"\ngit push without a hook: median {plain.median * 1000:,.0f} ms over "
                  f"{args.rounds} runs")
            sys.stderr.write(benchlib.alembic_git_failed(agit, exc))
            return 1
        if not hook.exists():
            sys.stderr.write(f"\nERROR: `alembic-git hook install` exited 0 but wrote no "
                             f"{hook}\nThe alembic-git side was not measured.\n")
            return 1
        result = benchlib.compare_or_explain(
            "git push", ["git", "push", "-q", "--no-verify", "origin", ref],
            ["git", "push", "-q", "origin", ref], ws.repo, args, agit,
            names=("no hook", "alembic-git hook"), env=env, before=reset_remote)
        assert result is not None
        added = result.delta * 1000
        code = benchlib.report(args, "hook", ws, [agit], [result], [],
                               {"branch": branch["name"], "added_ms": round(added, 1)})
        print(f"\nthe pre-push hook adds {added:,.0f} ms to git push "
              f"({result.a.median * 1000:,.0f} ms -> {result.b.median * 1000:,.0f} ms)")
        return code
    finally:
        if saved is not None:
            hook.write_bytes(saved)
            hook.chmod(0o755)
        elif hook.exists():
            hook.unlink()
        subprocess.run(["git", "--git-dir", str(remote), "update-ref", ref, branch["commit"]],
                       check=False)
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
