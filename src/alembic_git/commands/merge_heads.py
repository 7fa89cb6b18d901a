"""``alembic-git merge-heads``: one head per label group again, by a merge revision or a rebase.

Everything is planned and checked before the first byte is written: the
strategy of every group, the rewritten bytes, the new merge file, uncommitted
changes, the post-write hooks' configuration.  Then all files are written
atomically, the environment's Alembic ``post_write_hooks`` run on each new merge
revision (as ``alembic merge`` runs them; a rebase only edits two values of the
user's own files, which Alembic would never pass through them), the graph is read
again, and if a hook fails or any resolved group does not have its single head,
every file is restored.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import click

from alembic_git.errors import AlembicGitError
from alembic_git.resolve import journal, post_write
from alembic_git.resolve.merge import MergeFile, check_rev_id, render_merge
from alembic_git.resolve.plan import GroupPlan, Sides, decide, duplicate_merge
from alembic_git.resolve.rebase import rebase_file, unified_diff
from alembic_git.resolve.sides import Targets, find_targets, sides_for
from alembic_git.resolve.write import Change, write_verified
from alembic_git.revisions.conflicts import ConflictGroup, conflict_groups
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.reader import decode_source
from alembic_git.workspace import Workspace

#: An extra check of each environment's graph as read back after writing; it returns
#: problems (any problem rolls every file back).  For callers of the Python API.
Verifier = Callable[[Environment, RevisionGraph], Sequence[str]]


@dataclass
class EnvWork:
    env: Environment
    graph: RevisionGraph
    plans: list[GroupPlan]
    sides: Sides | None
    changes: list[Change] = field(default_factory=list)
    merges: list[MergeFile] = field(default_factory=list)
    lines: list[tuple[str, Change | None]] = field(default_factory=list)  # (text, its change)


def _group_title(env: Environment, graph: RevisionGraph, group: ConflictGroup) -> str:
    under = f" under label {', '.join(map(repr, group.labels))}" if group.labels else ""
    fork = ""
    if group.fork_points:
        f = group.fork_points
        fork = f" (they fork from {', '.join(f)})"
    return f"{env.name}: {len(group.heads)} heads{under}: {', '.join(group.heads)}{fork}"


def _strategy_line(plan: GroupPlan, asked: str) -> str:
    how = "auto" if asked == "auto" else f"--strategy {asked}"
    return f"  {plan.strategy} ({how}): {plan.reason}"


def _rel(ws: Workspace, path: str) -> str:
    return os.path.relpath(path, ws.cwd).replace(os.sep, "/")


def _rebase_changes(work: EnvWork, plan: GroupPlan) -> None:
    assert plan.rebase is not None
    for move in plan.rebase.moves:
        f = work.graph.revisions[move.revision]
        if any(c.path == f.path for c in work.changes):  # plans never do this; be sure
            raise AlembicGitError(
                f"{f.display} would be rewritten twice", hint="use --strategy merge"
            )
        if os.path.islink(f.path):
            raise AlembicGitError(
                "is a symbolic link; not rewriting it", path=f.display, hint="rebase its target"
            )
        with open(f.path, "rb") as fh:
            data = fh.read()
        new = rebase_file(data, f.display, move.revision, move.old, move.new)
        change = Change(f.path, f.display, data, new)
        work.changes.append(change)
        old = ", ".join(move.old) or "None"
        work.lines.append((f"rewrite {f.display}: down_revision {old} -> {move.new}", change))


def _merge_change(
    ws: Workspace, work: EnvWork, plan: GroupPlan, message: str | None, rev_id: str | None
) -> None:
    heads = plan.group.heads
    duplicate = duplicate_merge(work.graph, heads, work.sides)
    if duplicate is not None:
        raise AlembicGitError(
            f"{work.env.name}: not writing a second merge revision: {duplicate}",
            hint="nothing was written",
        )
    taken = set(work.graph.revisions) | {m.revision for m in work.merges}
    merge = render_merge(work.env, work.graph, heads, message, rev_id, taken)
    work.merges.append(merge)
    display = ws.worktree().display(merge.path)
    change = Change(merge.path, display, None, merge.data)
    work.changes.append(change)
    text = f"write {display}: merge revision {merge.revision} of {', '.join(heads)}"
    work.lines.append((text, change))


def _check_dirty(ws: Workspace, works: list[EnvWork], force: bool) -> None:
    repo = ws.repo
    if force or repo is None or repo.toplevel is None:
        return
    # display is relative to the work tree's top, or absolute outside it (not tracked here)
    inside = {c.display for w in works for c in w.changes if c.old is not None}
    modified = repo.modified_paths(sorted(p for p in inside if not os.path.isabs(p)))
    if modified:
        shown = modified[0]
        more = f" (and {len(modified) - 1} more)" if len(modified) > 1 else ""
        raise AlembicGitError(
            f"{shown} has uncommitted changes{more}; not rewriting it",
            hint="commit or stash them first, or pass --force (nothing was written)",
        )


def _verify(
    ws: Workspace, works: list[EnvWork], verifier: Verifier | None, strict: bool
) -> list[str]:
    problems: list[str] = []
    source = ws.worktree()
    for work in works:
        graph = ws.graph(source, work.env)
        for plan in work.plans:
            for move in plan.rebase.moves if plan.rebase else ():
                got = graph.revisions[move.revision].down_revisions
                if got != (move.new,):
                    problems.append(f"{move.revision} has down_revision {got}, not {move.new}")
        for merge in work.merges:
            f = graph.revisions.get(merge.revision)
            if f is None or set(f.down_revisions) != set(merge.parents):
                found = "missing" if f is None else ", ".join(f.down_revisions) or "None"
                problems.append(
                    f"merge revision {merge.revision} should join {', '.join(merge.parents)} "
                    f"but its down_revision reads {found} (check the script.py.mako)"
                )
        for group in conflict_groups(graph, strict):
            problems.append(f"{work.env.name} still has heads {', '.join(group.heads)}")
        if verifier is not None:
            problems.extend(verifier(work.env, graph))
        work.graph = graph
    return problems


def _next_steps(ws: Workspace, works: list[EnvWork], targets: Targets | None) -> list[str]:
    paths = [_rel(ws, c.path) for w in works for c in w.changes]
    steps = [shlex.join(["git", "add", *paths])]
    state = targets.state if targets is not None else None
    if state == "merge":
        steps.append("git commit (to conclude the merge)")
    elif state == "rebase":
        steps.append("git rebase --continue (once any conflict is resolved)")
    for w in works:
        alembic = ["alembic"]
        if w.env.config_file is not None and _rel(ws, w.env.config_file) != "alembic.ini":
            alembic += ["-c", _rel(ws, w.env.config_file)]
        if w.env.section != "alembic":
            alembic += ["-n", w.env.section]
        # Heads kept apart on purpose (one per branch label) need "heads": "head" would fail.
        target = "head" if len(w.graph.heads) <= 1 else "heads"
        steps.append(shlex.join([*alembic, "upgrade", target]))
    return [f"next: {' && '.join(steps[:1])}", *(f"then: {s}" for s in dict.fromkeys(steps[1:]))]


def _plan_env(
    ws: Workspace,
    env: Environment,
    graph: RevisionGraph,
    groups: list[ConflictGroup],
    strategy: str,
    targets: Targets,
    published_dbs: Sequence[str] = (),
) -> EnvWork:
    sides = sides_for(ws, env, targets)
    if sides is not None and strategy != "merge":
        from alembic_git.db import published  # SQLAlchemy: only when databases are listed

        dbs = published.databases(ws, published_dbs)
        if dbs:
            sides = published.with_databases(ws.worktree(), env, graph, sides, dbs)
    rank: dict[str, int] = {}
    repo = ws.repo
    if strategy != "merge" and sides is not None and repo is not None and repo.toplevel:
        ours = {
            f.display: rev  # relative to the work tree's top; absolute outside it
            for rev, f in graph.revisions.items()
            if rev not in sides.onto_revisions and not os.path.isabs(f.display)
        }
        rank = {ours[p]: r for p, r in repo.added_order("HEAD", sorted(ours)).items()}
    plans = [decide(graph, g, strategy, sides, targets.missing, rank) for g in groups]
    return EnvWork(env, graph, plans, sides)


def _unused(rev_id: str | None, message: str | None, merges: int) -> list[str]:
    if merges:
        return []
    given = [o for o, v in (("--rev-id", rev_id), ("-m", message)) if v is not None]
    return [f"note: {o} was not used (no merge revision)" for o in given]


def run(
    ws: Workspace,
    strategy: str = "auto",
    onto: str | None = None,
    message: str | None = None,
    rev_id: str | None = None,
    dry_run: bool = False,
    check: bool = False,
    force: bool = False,
    verifier: Verifier | None = None,
    strict: bool = False,
    post_write_hooks: bool = True,
    published_dbs: Sequence[str] = (),
) -> int:
    source = ws.worktree()
    journal_file = recover_interrupted(ws)
    works: list[EnvWork] = []
    targets: Targets | None = None
    for env in ws.environments(source):
        graph = ws.graph(source, env)
        groups = conflict_groups(graph, strict)
        if not groups:
            heads = ", ".join(graph.heads) or "no revisions"
            click.echo(f"ok: {env.name}: one head per label group ({heads}); nothing to do")
            continue
        if targets is None:
            targets = find_targets(ws.repo, onto)
        works.append(_plan_env(ws, env, graph, groups, strategy, targets, published_dbs))
    if not works:
        return 0
    merge_count = sum(p.strategy == "merge" for w in works for p in w.plans)
    if rev_id is not None:
        if merge_count > 1:
            raise AlembicGitError(
                f"--rev-id names one revision, but {merge_count} merge revisions are needed",
                hint="leave --rev-id out, or select one environment with -c",
            )
        for w in works:
            if any(p.strategy == "merge" for p in w.plans):
                check_rev_id(rev_id, {*w.graph.revisions, *w.graph.label_owner})
    for w in works:
        for plan in w.plans:
            w.lines.append((_group_title(w.env, w.graph, plan.group), None))
            w.lines.append((_strategy_line(plan, strategy), None))
            if plan.strategy == "rebase":
                _rebase_changes(w, plan)
            else:
                _merge_change(ws, w, plan, message, rev_id)
    _check_dirty(ws, works, force)
    notes = _unused(rev_id, message, merge_count)
    hooks = _hooks(ws, works) if post_write_hooks else []
    if dry_run:
        _show_dry_run(works)
        for hook, display, _ in hooks:
            click.echo(f"  would run post-write hook {hook.name!r} on {display}")
        for note in notes:
            click.echo(note)
        if check:  # as black --check / ruff format --check: files would change -> exit 1
            count = sum(len(w.changes) for w in works)
            click.echo(f"check: {count} file(s) would change; nothing written")
            return 1
        click.echo("dry run: nothing written")
        return 0
    changes = [c for w in works for c in w.changes]
    ran: dict[str, list[str]] = {}  # path of a merge revision -> the hooks run on it
    write_verified(
        changes,
        lambda: _verify(ws, works, verifier, strict),
        journal_file,
        (lambda: _run_hooks(hooks, ran)) if hooks else None,
    )
    for w in works:
        for text, change in w.lines:
            click.echo(text if change is None else f"  {_past(text)}")
            for line in ran.get(change.path, []) if change is not None else []:
                click.echo(f"  {line}")
        click.echo(f"{w.env.name}: one head per label group now: {', '.join(w.graph.heads)}")
    for line in [*notes, *_next_steps(ws, works, targets)]:
        click.echo(line)
    return 0


def _hooks(ws: Workspace, works: list[EnvWork]) -> list[tuple[post_write.Hook, str, str]]:
    """(hook, display, path) for each merge revision and each of its environment's hooks,
    checked now (a missing executable, an unknown type) so a bad one stops us before
    anything is written."""
    runs = []
    for w in works:
        configured = post_write.configured_hooks(w.env) if w.merges else []
        for merge in w.merges:
            display = _rel(ws, merge.path)
            for hook in configured:
                post_write.command(hook, merge.path)
                runs.append((hook, display, merge.path))
    return runs


def _run_hooks(hooks: list[tuple[post_write.Hook, str, str]], ran: dict[str, list[str]]) -> None:
    for hook, display, path in hooks:
        try:
            post_write.run(hook, path, display)
        except post_write.HookFailed as exc:
            if exc.output:
                click.echo(exc.output, err=True)
            raise
        ran.setdefault(path, []).append(f"ran post-write hook {hook.name!r} on {display}")


def recover_interrupted(ws: Workspace) -> str:
    """Roll back the writes of an earlier run cut off between renames (its journal), saying
    so on stderr; the journal's path, for this run."""
    path = journal.journal_path(ws.repo, ws.cwd)
    for line in journal.recover(path):
        click.echo(line, err=True)
    return path


def _past(text: str) -> str:
    verb, rest = text.split(" ", 1)
    return f"{'rewrote' if verb == 'rewrite' else 'wrote'} {rest}"


def _show_dry_run(works: list[EnvWork]) -> None:
    for w in works:
        for text, change in w.lines:
            if change is None:
                click.echo(text)
                continue
            click.echo(f"  would {text}")
            if change.old is None:
                try:
                    text = decode_source(change.new)[0]
                except (SyntaxError, UnicodeDecodeError, LookupError):
                    text = change.new.decode("utf-8", "replace")
                lines = text.splitlines(keepends=True)
                click.echo(f"--- /dev/null\n+++ b/{change.display}\n@@ -0,0 +1,{len(lines)} @@")
                click.echo("".join(f"+{ln}" for ln in lines), nl=False)
            else:
                click.echo(unified_diff(change.old, change.new, change.display), nl=False)
