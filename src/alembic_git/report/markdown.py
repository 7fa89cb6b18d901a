"""Markdown reports: ``check --format markdown`` and the pull-request comments.

Per environment: a status line; on a conflict, the fork drawn in Mermaid (only
its neighbourhood: the heads, where they fork, the revisions in between with
long runs folded, and a few ancestors), a table of the heads, and the command
that fixes it in a copyable block.  Every piece of text that comes from the
repository goes through ``markdown.escape``/``mono``; each body is kept under
the forges' size limit (GitHub: 65,536 characters).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from alembic_git.merging.against import BOTH, THIS_BRANCH, Comparison, EnvComparison
from alembic_git.report.against import fix_command
from alembic_git.report.check import heads_state, merge_heads_command, upgrade_target
from alembic_git.report.drawing import mermaid, node_id
from alembic_git.report.markdown_text import code, escape, fence, mono, size, table
from alembic_git.revisions.conflicts import ConflictGroup, EnvResult
from alembic_git.revisions.graph import RevisionGraph

BUDGET = 64_000  # UTF-8 bytes per environment; GitHub allows 65,536 characters a comment
PER_SIDE = 4  # revisions drawn next to each head and above each fork point
BELOW = 2  # ancestors drawn below each fork point
MAX_HEADS = 8  # heads drawn per conflict; the table lists them all
_MESSAGE = 120  # characters of a revision message shown
_PATH = 200


# -- the fork, drawn -------------------------------------------------------------------
@dataclass(frozen=True)
class Gap:
    """A dashed node standing for what is not drawn, tied to the drawn revisions around it."""

    label: str
    above: str | None
    below: str | None


def fork_view(
    graph: RevisionGraph,
    groups: Sequence[ConflictGroup],
    first: Collection[str] = (),
    per_side: int = PER_SIDE,
) -> tuple[set[str], list[Gap]]:
    """The revisions to draw for these conflicts, and what is folded away.

    At most ``MAX_HEADS`` heads per group (those in ``first`` before the others).
    """
    keep: set[str] = set()
    gaps: list[Gap] = []
    for group in groups:
        floor: set[str] = set()
        for f in group.fork_points:
            floor |= graph.ancestors(f)
            keep.update(_walk([f], lambda r: graph.revisions[r].down_revisions, BELOW + 1))
        heads = sorted(group.heads, key=lambda h: h not in first)
        for head in heads[:MAX_HEADS]:
            drawn, gap = _fold(graph, head, graph.ancestors(head) - floor, per_side)
            keep |= drawn
            if gap is not None:
                gaps.append(gap)
        if len(heads) > MAX_HEADS:
            fork = group.fork_points[0] if group.fork_points else None
            gaps.append(Gap(f"… {len(heads) - MAX_HEADS} more heads", None, fork))
    return keep, gaps


def _fold(
    graph: RevisionGraph, head: str, run: set[str], per_side: int
) -> tuple[set[str], Gap | None]:
    """``run`` (a head's side above the fork) drawn as its two ends around a folded middle."""
    if len(run) <= 2 * per_side + 1:
        return run, None

    def down(rev: str) -> list[str]:
        return [p for p in graph.revisions[rev].down_revisions if p in run]

    def up(rev: str) -> list[str]:
        return [c for c in graph.children[rev] if c in run]

    top = _walk([head], down, per_side)
    bottom = _walk([r for r in graph.revisions if r in run and not down(r)], up, per_side)
    drawn = set(top) | set(bottom)
    hidden = len(run - drawn)
    return drawn, (Gap(f"… {hidden} more revisions", top[-1], bottom[-1]) if hidden else None)


def _walk(
    starts: Sequence[str], step: Callable[[str], Sequence[str]], limit: int = 10**9
) -> list[str]:
    """Breadth-first from ``starts``, nearest first, at most ``limit`` revisions."""
    order: list[str] = []
    seen = set(starts)
    todo = list(starts)
    while todo and len(order) < limit:
        rev = todo.pop(0)
        order.append(rev)
        for nxt in step(rev):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return order


def fork_mermaid(
    graph: RevisionGraph, groups: Sequence[ConflictGroup], first: Collection[str] = ()
) -> str:
    keep, gaps = fork_view(graph, groups, first)
    heads = [h for g in groups for h in g.heads]
    lines = [mermaid(graph, keep, highlight=heads)]
    for i, gap in enumerate(gaps, 1):
        gid = f"gap_{i}"
        lines.append(f'  {gid}(["{gap.label}"])')
        if gap.above is not None:
            lines.append(f"  {node_id(gap.above)} -.-> {gid}")
        if gap.below is not None:
            lines.append(f"  {gid} -.-> {node_id(gap.below)}")
    if gaps:
        lines.append("  classDef gap fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:3 3")
        lines.append(f"  class {','.join(f'gap_{i}' for i in range(1, len(gaps) + 1))} gap")
    return fence("\n".join(lines), "mermaid")


# -- pieces ------------------------------------------------------------------------------
def _message(graph: RevisionGraph, rev: str) -> str:
    msg = graph.revisions[rev].message
    return escape(msg.splitlines()[0], _MESSAGE) if msg.strip() else ""


def _file(graph: RevisionGraph, rev: str) -> str:
    f = graph.revisions[rev]
    line = f.line_of("revision")
    return mono(f"{f.display}:{line}" if line else f.display, _PATH)


def _described(graph: RevisionGraph, revs: Sequence[str]) -> str:
    parts = []
    for rev in revs:
        msg = _message(graph, rev)
        parts.append(f"{mono(rev)} ({msg})" if msg else mono(rev))
    return ", ".join(parts)


def _what_fails(group: ConflictGroup) -> str:
    target = upgrade_target(group)
    labels = ", ".join(mono(x) for x in group.labels)
    scope = f" under branch label {labels}" if labels else ""
    # A label is the pull request's text: escaped in <code>, not raw in a code span.
    command = mono(f"alembic upgrade {target}") if labels else code(f"alembic upgrade {target}")
    return (
        f"**{len(group.heads)} heads**{scope}: {command} "
        "fails with *Multiple head revisions are present*"
    )


def _forks(graph: RevisionGraph, group: ConflictGroup) -> str:
    if not group.fork_points:
        return "They share no ancestor (separate bases)."
    return f"They fork from {_described(graph, group.fork_points)}."


def _heads_table(
    graph: RevisionGraph,
    groups: Sequence[ConflictGroup],
    ec: EnvComparison | None,
    max_rows: int | None,
) -> str:
    heads = list(dict.fromkeys(h for g in groups for h in g.heads))
    labelled = any(graph.labels[h] for h in heads)
    header = ["Head", "Message", "File"]
    header += ["Branch labels"] if labelled else []
    header += ["Introduced in", "Side"] if ec is not None else []
    rows = []
    for h in heads[:max_rows]:
        row = [mono(h), _message(graph, h), _file(graph, h)]
        if labelled:
            row.append(", ".join(mono(x) for x in sorted(graph.labels[h])))
        if ec is not None:
            row += _origin_cells(ec, h)
        rows.append(row)
    text = table(header, rows)
    if max_rows is not None and len(heads) > max_rows:
        text += f"\n\n*… and {len(heads) - max_rows} more heads, not shown: the comment is full.*"
    return text


def _origin_cells(ec: EnvComparison, head: str) -> list[str]:
    origin = ec.origins.get(head)
    if origin is None:
        return ["", ""]
    if origin.side == BOTH:
        return ["", "both"]
    commit = origin.commit[:10] if origin.commit else "uncommitted"  # hex: forges link it
    side = "this branch" if origin.side == THIS_BRANCH else mono(origin.side)
    return [commit, side]


def _fix_block(command: str, intro: str) -> str:
    return (
        f"**Fix**: {intro}\n\n{fence(command, 'sh')}\n\n"
        "then commit what it writes (a merge revision, or the rebased revision files), and push."
    )


def _fit(render: Callable[[int | None, bool], str], budget: int) -> str:
    """``render(max_rows, draw)`` at its fullest that fits ``budget``."""
    text = render(None, True)
    if size(text) <= budget:
        return text
    for draw in (True, False):
        rows = 200 if draw else None  # the full render with the drawing was tried above
        while True:
            text = render(rows, draw)
            if size(text) <= budget or rows == 0:
                break
            rows = 200 if rows is None else rows // 2
        if size(text) <= budget:
            return text
    note = "\n\n*… cut here: the report is longer than a comment may be.*"
    return _cut(text, budget - size(note)) + note


def _cut(text: str, budget: int) -> str:
    data = text.encode("utf-8")[: max(budget, 0)]
    cut = data.decode("utf-8", "ignore")
    return cut[: cut.rfind("\n")] if "\n" in cut else cut


# -- environments ------------------------------------------------------------------------
def conflict_section(
    title: str,
    graph: RevisionGraph,
    groups: Sequence[ConflictGroup],
    lead: str,
    fix: str | None,
    ec: EnvComparison | None = None,
    budget: int = BUDGET,
) -> str:
    # Drawn once: the retries below only shorten the table.  The target's heads first:
    # they are the fewest, and the ones to merge with.
    theirs = [h for h, o in ec.origins.items() if o.side != THIS_BRANCH] if ec else []
    drawing = fork_mermaid(graph, groups, theirs)

    def render(max_rows: int | None, draw: bool) -> str:
        parts = [f"### ❌ {title}", ""]
        for g in groups:
            parts.append(f"{lead}{_what_fails(g)}. {_forks(graph, g)}")
        if ec is not None:
            parts += [f"- {escape(p.message, 2000)}" for p in ec.problems]
        if draw:
            parts += ["", drawing]
        parts += ["", _heads_table(graph, groups, ec, max_rows)]
        if fix:
            parts += ["", fix]
        return "\n".join(parts)

    return _fit(render, budget)


def env_comparison(
    cmp: Comparison,
    ec: EnvComparison,
    cwd: str,
    *,
    before: Sequence[str] | None = None,
    resolved: bool = False,
    budget: int = BUDGET,
) -> str:
    """One environment of ``check --against`` (or of a pull request's comment).

    ``before``: the commands that bring the target in, when ``git merge TARGET``
    is not what the reader should run (a pull request from a fork).
    """
    env = mono(ec.env.name)
    what = f"merging {mono(cmp.ours_label, 100)} into {mono(cmp.target_ref, 100)}"
    if ec.error and not ec.conflict:
        return f"### ⚠️ Alembic heads not checked · {env}\n\n⚠️ {what}: {escape(ec.error, 2000)}"
    merged = ec.merged
    if merged is None or not merged.conflicts:
        if ec.problems:
            problems = "\n".join(
                f"- {escape(p.message, 2000)}\n  **Fix**: {escape(p.fix, 2000)}"
                for p in ec.problems
            )
            return f"### ❌ Alembic revisions conflict · {env}\n\n❌ {what}:\n\n{problems}"
        assert merged is not None
        state = heads_state(merged.graph, mono)
        if resolved:
            return (
                f"### ✅ Alembic heads resolved · {env}\n\n✅ {what[0].upper()}{what[1:]} now "
                f"keeps {state}. The multiple heads reported earlier are merged."
            )
        return f"✅ {env}: {what} keeps {state}."
    command = fix_command(cmp, ec, cwd, before)
    fix = _fix_block(command, "on this branch, run")
    return conflict_section(
        f"Multiple Alembic heads after the merge · {env}",
        merged.graph,
        merged.conflicts,
        f"{what[0].upper()}{what[1:]} gives ",
        fix,
        ec,
        budget,
    )


def comparison_markdown(cmp: Comparison, cwd: str) -> str:
    """``check --against --format markdown``: every environment."""
    budget = BUDGET // max(len(cmp.envs), 1)
    return "\n\n".join(env_comparison(cmp, ec, cwd, budget=budget) for ec in cmp.envs)


def check_markdown(results: Sequence[EnvResult], cwd: str) -> str:
    """``check --format markdown``: the graph as it is (working tree or ``--commit``)."""
    budget = BUDGET // max(len(results), 1)
    out = []
    for r in results:
        env = mono(r.env.name)
        if r.conflicts:
            fix = _fix_block(merge_heads_command(r, cwd), "run")
            out.append(
                conflict_section(
                    f"Multiple Alembic heads · {env}", r.graph, r.conflicts, "", fix, None, budget
                )
            )
            continue
        out.append(f"✅ {env}: {heads_state(r.graph, mono)}.")
    return "\n\n".join(out)


def footer(cmp: Comparison) -> str:
    return (
        f"alembic-git checked {mono(cmp.ours[:10])} against {mono(cmp.target_ref, 100)} "
        f"({mono(cmp.target_sha[:10])}); this comment is updated on every push."
    )
