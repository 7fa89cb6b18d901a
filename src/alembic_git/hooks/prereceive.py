"""``alembic-git hook pre-receive``: a server refuses a protected branch with conflicting heads.

git feeds one line per ref on stdin: ``<old sha> SP <new sha> SP <ref> LF``.  A
push that would leave a protected branch (the repository's HEAD branch, or
``main``/``master`` when HEAD names an unborn branch, plus
``alembic-git.protect`` / ``[tool.alembic-git] protect`` / ``--protect``; ``main``
means ``refs/heads/main``, glob patterns such as ``release/*`` work) with
conflicting heads is refused: the new commit is checked alone with the plain
conflict rule.  git runs the hook before the pushed objects are moved in, so they
are read through its quarantine variables (``GIT_OBJECT_DIRECTORY`` and
``GIT_ALTERNATE_OBJECT_DIRECTORIES``), which every git call keeps.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.hooks.common import check_alone
from alembic_git.hooks.prepush import _SHA
from alembic_git.report.check import conflict_text
from alembic_git.settings import HookSettings
from alembic_git.workspace import Workspace


def parse_receive_lines(text: str) -> list[tuple[str, str, str]]:
    updates = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split(" ", 2)
        if len(parts) != 3 or not all(_SHA.fullmatch(s) for s in parts[:2]):
            raise AlembicGitError(
                f"unexpected pre-receive input line {line!r}",
                hint="git passes '<old sha> <new sha> <ref>' lines",
            )
        updates.append((parts[0], parts[1], parts[2]))
    return updates


def head_branches(repo: Repo) -> tuple[list[str], str]:
    """(the refs HEAD stands for, how they were found).

    A bare repository created by ``git init --bare`` names ``master`` (or
    ``init.defaultBranch``) in HEAD even when every push goes to ``main``: a HEAD
    that names an unborn branch stands for ``main``/``master``, whichever exists,
    and for both (and HEAD's name) while the repository has no branch yet.
    """
    head = repo.symbolic_ref("HEAD")
    if head and repo.ref_exists(head):
        return [head], "the HEAD branch"
    usual = [f"refs/heads/{n}" for n in ("main", "master") if repo.ref_exists(f"refs/heads/{n}")]
    named = (
        f"HEAD names {head.removeprefix('refs/heads/')}, which does not exist"
        if head
        else ("HEAD is detached")
    )
    if usual:
        return usual, f"{named}; {' and '.join(_short(u) for u in usual)} exists"
    guesses = list(
        dict.fromkeys([*([head] if head else []), "refs/heads/main", "refs/heads/master"])
    )
    return guesses, f"{named}, nor does main or master yet: whichever the first push creates"


def _short(ref: str) -> str:
    return ref.removeprefix("refs/heads/")


def protected_patterns(repo: Repo, settings: HookSettings) -> list[str]:
    patterns = head_branches(repo)[0]
    for value in settings.protect:
        patterns.append(value if value.startswith("refs/") else f"refs/heads/{value}")
    return list(dict.fromkeys(patterns))


def describe_protection(repo: Repo, settings: HookSettings) -> str:
    """Which branches the hook protects and why, for ``hook install``."""
    heads, how = head_branches(repo)
    parts = [f"{', '.join(_short(h) for h in heads)} ({how})"]
    if settings.protect:
        parts.append(f"{', '.join(settings.protect)} (alembic-git.protect)")
    return " and ".join(parts)


def check_updates(
    ws: Workspace, settings: HookSettings, updates: list[tuple[str, str, str]]
) -> tuple[list[str], list[str]]:
    """(one refusal per protected branch left with a conflict, one line per failed check)."""
    patterns = protected_patterns(ws.require_repo(), settings)
    reports: list[str] = []
    errors: list[str] = []
    for old, new, ref in updates:
        if set(new) == {"0"} or not any(fnmatchcase(ref, p) for p in patterns):
            continue
        name = ref.removeprefix("refs/heads/")
        try:
            results, failed = check_alone(ws, new, f"{name} ({new[:10]})")
        except AlembicGitError as exc:
            errors.append(f"{name}: {exc}")
            continue
        errors += failed
        bad = [r for r in results if r.conflicts]
        if not bad:
            continue
        lines = [
            f"alembic-git: refusing the push to {name}: commit {new[:10]} would leave it "
            "with conflicting Alembic heads"
        ]
        groups = {frozenset(c.heads) for r in bad for c in r.conflicts}
        if set(old) != {"0"} and _had_them(ws, old, name, groups):
            lines.append(f"({name} already had these heads; a push that merges them is accepted)")
        cwd = ws.cwd_in(ws.tree(new, name))
        for r in bad:
            lines.append(conflict_text(r, cwd, label=f"fix, in your clone on {name}"))
        lines.append("then commit what it writes and push again")
        reports.append("\n".join(lines))
    return reports, errors


def _had_them(ws: Workspace, old: str, name: str, groups: set[frozenset[str]]) -> bool:
    try:
        results, _ = check_alone(ws, old, f"{name} ({old[:10]})")
    except AlembicGitError:
        return False
    before = {frozenset(c.heads) for r in results for c in r.conflicts}
    return groups <= before
