"""Reports for ``heads`` and ``check``: text, JSON, GitHub workflow annotations."""

from __future__ import annotations

import os
import secrets
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.conflicts import ConflictGroup, EnvResult
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.status import Status


def log_line(text: str) -> str:
    """Text from a repository made one inert line for a terminal or a CI log.

    Control and invisible format characters (newlines, escapes, bidi overrides)
    are shown as Python escapes (``\\n``, ``\\x1b``, ``\\u202e``): a value can neither
    start a line of its own nor redraw the terminal.  GitHub's older ``##[command]``
    syntax, which the runner finds anywhere in a line, is broken up too.
    """
    out = [ch if ch == " " or ch.isprintable() else repr(ch)[1:-1] for ch in text]
    return "".join(out).replace("##[", "##\\[")


def log_lines(lines: Sequence[str]) -> str:
    """``lines`` (each meant as one line) joined, each made inert by ``log_line``."""
    return "\n".join(log_line(line) for line in lines)


def stop_commands(text: str) -> str:
    """``text`` for a GitHub Actions log, where no line of it is read as a command:
    between ``::stop-commands::TOKEN`` and ``::TOKEN::`` with an unguessable token."""
    token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{text}\n::{token}::"


def env_options(env: Environment, cwd: str) -> list[str]:
    """The global options that select ``env`` again from ``cwd``."""
    if env.declared:
        return ["--env", env.name]
    if env.config_file is None and env.toml_file is None:
        args: list[str] = []
        for loc in env.version_locations:
            args += ["--version-location", os.path.relpath(loc, cwd)]
        if env.recursive:
            args.append("--recursive")
        return args
    args = []
    config = env.config_file or env.toml_file
    assert config is not None
    rel = os.path.relpath(config, cwd)
    if rel not in ("alembic.ini", "pyproject.toml") or (
        env.config_file is None and os.path.exists(os.path.join(cwd, "alembic.ini"))
    ):
        args += ["-c", rel]
    if env.section != "alembic":
        args += ["-n", env.section]
    return args


def command_line(env: Environment, cwd: str, *args: str) -> str:
    return shlex.join(["alembic-git", *env_options(env, cwd), *args])


def merge_heads_command(r: EnvResult, cwd: str) -> str:
    """The command that joins these conflicts (with --strict when they are strict's)."""
    return command_line(r.env, cwd, "merge-heads", *(["--strict"] if r.strict else []))


def heads_state(graph: RevisionGraph, code: Callable[[str], str] = str) -> str:
    """The heads of a graph without conflicts, in words: each with its labels
    (``code`` shows an id or a label: Markdown escapes both, they are the branch's text)."""
    heads = graph.heads
    if not heads:
        return "no revisions"
    if len(heads) == 1:
        return f"one head ({code(heads[0])})"
    each = ", ".join(
        f"{code(h)} ({', '.join(code(x) for x in sorted(graph.labels[h])) or 'no label'})"
        for h in heads
    )
    return f"{len(heads)} heads, none in conflict: {each}"


def head_record(graph: RevisionGraph, rev: str) -> dict[str, Any]:
    f = graph.record(rev)
    return {
        "revision": rev,
        "message": f.message,
        "path": f.display,
        "line": f.line,
        "down_revisions": list(f.down_revisions),
        "branch_labels": sorted(graph.labels[rev]),
        "effective_head": rev in graph.effective_heads,
    }


def heads_text(results: Sequence[EnvResult]) -> str:
    lines = []
    for r in results:
        if len(results) > 1:
            lines.append(f"# {r.env.name}")
        g = r.graph
        for h in g.heads:
            labels = f" ({', '.join(sorted(g.labels[h]))})" if g.labels[h] else ""
            marker = "(effective head)" if h in g.effective_heads else "(head)"
            lines.append(f"{h}{labels} {marker}")
    return log_lines(lines)


def env_json(r: EnvResult) -> dict[str, Any]:
    g = r.graph
    return {
        "environment": r.env.name,
        "status": str(Status.of(bool(r.conflicts))),
        "heads": [head_record(g, h) for h in g.heads],
        "real_heads": list(g.real_heads),
        "bases": list(g.bases),
        "branch_points": list(g.branch_points),
        "merge_points": list(g.merge_points),
        "revisions": g.size,
        "conflicts": [
            {"heads": list(c.heads), "labels": list(c.labels), "fork_points": list(c.fork_points)}
            for c in r.conflicts
        ],
    }


def results_json(
    results: Sequence[EnvResult],
    many: bool,
    errors: Sequence[tuple[Environment | None, AlembicGitError]] = (),
) -> dict[str, Any]:
    """One environment's object, or every environment's under ``environments``; an
    environment that could not be read has ``"status": "error"`` and its ``error``."""
    if not many and len(results) == 1 and not errors:
        return env_json(results[0])
    if not many and not results and len(errors) == 1:
        return error_json(*errors[0])
    status = Status.of(any(r.conflicts for r in results), bool(errors))
    return {
        "status": str(status),
        "environments": [env_json(r) for r in results] + [error_json(*e) for e in errors],
    }


def error_json(env: Environment | None, error: AlembicGitError) -> dict[str, Any]:
    """A check that could not be made: the same ``status`` key as a verdict."""
    return {
        "environment": env.name if env else None,
        "status": str(Status.ERROR),
        "error": str(error),
        "path": error.path,
        "line": error.line,
    }


def _describe(graph: RevisionGraph, rev: str) -> str:
    msg = graph.record(rev).title
    return f"{rev} ({msg})" if msg else rev


def group_lines(
    graph: RevisionGraph,
    group: ConflictGroup,
    header: str,
    tag: Callable[[str], str] | None = None,
) -> list[str]:
    """One conflict group: the header, a line per head (message, notes, file:line), the fork."""
    lines = [header]
    width = max(len(h) for h in group.heads)
    for h in group.heads:
        f = graph.record(h)
        notes = ["effective head"] if h in graph.effective_heads else []
        if tag is not None:
            notes.append(tag(h))
        note = f"  [{'; '.join(notes)}]" if notes else ""
        lines.append(f"  {h:<{width}}  {f.title}{note}  ({f.where})")
    if group.fork_points:
        forks = ", ".join(_describe(graph, p) for p in group.fork_points)
        lines.append(f"  they fork from {forks}")
    else:
        lines.append("  they share no ancestor (separate bases)")
    return lines


def upgrade_target(group: ConflictGroup) -> str:
    """What ``alembic upgrade`` would be asked for, and fail on, for this group."""
    return f"{group.labels[0]}@head" if group.labels else "head"


def conflict_text(r: EnvResult, cwd: str, before: Sequence[str] = (), label: str = "fix") -> str:
    """The conflicts of one environment and the fix; ``before``: commands to run first
    (such as switching to the branch), ``label``: how the fix line starts."""
    lines = []
    for c in r.conflicts:
        scope = f"under branch label {', '.join(c.labels)} " if c.labels else ""
        header = (
            f"conflict: {r.env.name}: {len(c.heads)} heads {scope}"
            f"(`alembic upgrade {upgrade_target(c)}` will fail with "
            '"Multiple head revisions are present")'
        )
        lines += group_lines(r.graph, c, header)
    lines.append(f"{label}: {' && '.join([*before, merge_heads_command(r, cwd)])}")
    return log_lines(lines)


def check_text(results: Sequence[EnvResult], cwd: str) -> str:
    out = []
    for r in results:
        if r.conflicts:
            out.append(conflict_text(r, cwd))
        else:
            out.append(log_line(f"ok: {r.env.name}: {heads_state(r.graph)}"))
    return "\n".join(out)


def escape_workflow_command(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return escape_workflow_command(text).replace(":", "%3A").replace(",", "%2C")


def error_annotation(error: AlembicGitError) -> str:
    """One ``::error`` workflow command for a check that could not be made, on the file
    (and line) the error names."""
    props = [f"title={_escape_property('alembic-git could not check')}"]
    if error.path:
        props.insert(0, f"file={_escape_property(error.path)}")
        if error.line:
            props.insert(1, f"line={error.line}")
    return f"::error {','.join(props)}::{escape_workflow_command(str(error))}"


def github_annotations(
    results: Sequence[EnvResult], cwd: str, fix_for: Mapping[str, str] | None = None
) -> str:
    """``::error`` workflow commands, one per conflicting head, on its revision line.

    ``fix_for`` maps an environment's name to its fix when it is not plain
    ``merge-heads`` (before a merge, the target must be merged first).
    """
    lines = []
    for r in results:
        for c in r.conflicts:
            others = ", ".join(c.heads)
            for h in c.heads:
                f = r.graph.record(h)
                props = f"file={_escape_property(f.display)},line={f.line or 1}"
                props += f",title={_escape_property('Multiple Alembic heads')}"
                msg = (
                    f"{r.env.name}: revision {h} is one of {len(c.heads)} heads ({others}); "
                    f"fix with: {(fix_for or {}).get(r.env.name) or merge_heads_command(r, cwd)}"
                )
                lines.append(f"::error {props}::{escape_workflow_command(msg)}")
    return "\n".join(lines)
