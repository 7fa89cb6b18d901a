"""``alembic-git hook pre-push REMOTE URL``: what git pushes, against what it will meet.

git feeds one line per pushed ref on stdin (githooks(5))::

    <local ref> SP <local sha> SP <remote ref> SP <remote sha> LF

The pre-commit framework passes no lines but ``PRE_COMMIT_*`` variables for the
first ref with something new (``PRE_COMMIT_TO_REF`` the pushed commit,
``PRE_COMMIT_LOCAL_BRANCH``, ``PRE_COMMIT_REMOTE_BRANCH``, ``PRE_COMMIT_REMOTE_NAME``).

Each pushed branch (deletions and non-branch refs such as tags are skipped) is
checked as a commit, never as the working tree, from local objects only:

* against the remote's target branch (``alembic-git.target``, else the
  remote-tracking ref of the remote's default branch): the graph after merging,
  as ``check --against``; only conflicts this branch brings count, not one the
  target already has on its own;
* when the same push also updates the target branch: against what it pushes there;
* when the push *is* the target branch, or the remote has no default branch
  here: the pushed commit alone, with the plain conflict rule.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.git import ZERO_SHA
from alembic_git.hooks.common import check_alone, hook_environments
from alembic_git.hooks.quick import QuickCheck
from alembic_git.merging.against import Comparer, EnvComparison
from alembic_git.merging.targets import remote_default_ref
from alembic_git.report.against import comparison_text, merge_in
from alembic_git.report.check import conflict_text
from alembic_git.revisions.conflicts import conflict_groups
from alembic_git.revisions.discovery import Environment
from alembic_git.settings import HookSettings, RawSettings
from alembic_git.workspace import Workspace

_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


@dataclass(frozen=True)
class PushedRef:
    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str

    @property
    def deletion(self) -> bool:
        return set(self.local_sha) == {"0"}

    @property
    def branch(self) -> str | None:
        """The remote branch it updates; None for tags and other refs."""
        prefix = "refs/heads/"
        return self.remote_ref[len(prefix) :] if self.remote_ref.startswith(prefix) else None

    @property
    def local_branch(self) -> str | None:
        prefix = "refs/heads/"
        return self.local_ref[len(prefix) :] if self.local_ref.startswith(prefix) else None

    @property
    def label(self) -> str:
        if self.local_branch:
            return self.local_branch
        if _SHA.fullmatch(self.local_ref):
            return self.local_sha[:10]
        return f"{self.local_ref} ({self.local_sha[:10]})"


def parse_push_lines(text: str) -> list[PushedRef]:
    refs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.rsplit(" ", 3)
        if len(parts) != 4 or not all(_SHA.fullmatch(s) for s in (parts[1], parts[3])):
            raise AlembicGitError(
                f"unexpected pre-push input line {line!r}",
                hint="git passes '<local ref> <local sha> <remote ref> <remote sha>' lines",
            )
        refs.append(PushedRef(*parts))
    return refs


def from_pre_commit(
    environ: Mapping[str, str], ws: Workspace
) -> tuple[str | None, str | None, list[PushedRef]]:
    """(remote, url, refs) from pre-commit's pre-push variables."""
    repo = ws.require_repo()
    to_ref = environ.get("PRE_COMMIT_TO_REF")
    local = environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if not to_ref and not local:
        raise AlembicGitError(
            "hook pre-push got no REMOTE URL arguments and no PRE_COMMIT_TO_REF",
            hint="git runs it as `alembic-git hook pre-push REMOTE URL` with ref lines on "
            "stdin; pre-commit runs it in its pre-push stage",
        )
    sha = repo.resolve_commit(to_ref or local or "")
    if sha is None:
        raise AlembicGitError(f"the pushed commit {to_ref or local!r} is not in this repository")
    remote_ref = environ.get("PRE_COMMIT_REMOTE_BRANCH")
    if not remote_ref:
        branch = local[len("refs/heads/") :] if local and local.startswith("refs/heads/") else None
        branch = branch or repo.current_branch()
        if branch is None:
            raise AlembicGitError("cannot tell the pushed branch (no PRE_COMMIT_REMOTE_BRANCH)")
        remote_ref = f"refs/heads/{branch}"
    from_ref = environ.get("PRE_COMMIT_FROM_REF") or ZERO_SHA
    ref = PushedRef(local or sha, sha, remote_ref, from_ref)
    return environ.get("PRE_COMMIT_REMOTE_NAME"), environ.get("PRE_COMMIT_REMOTE_URL"), [ref]


@dataclass(frozen=True)
class _Alone:
    why: str


class PrePush:
    def __init__(
        self,
        ws: Workspace,
        raw: RawSettings,
        settings: HookSettings,
        remote: str | None,
        url: str | None,
    ) -> None:
        self.ws = ws
        self.repo = ws.require_repo()
        self.settings = settings
        self.remote = _remote_name(raw, remote, url)
        self.configured = self.remote in raw.remotes
        self._comparers: dict[tuple[str, tuple[Environment, ...]], Comparer] = {}
        self._quick = QuickCheck(ws)

    def check(self, refs: list[PushedRef]) -> tuple[list[str], list[str]]:
        """(one report per branch whose push brings a conflict, one line per failed check)."""
        branches = [r for r in refs if not r.deletion and r.branch is not None]
        pushed = {r.branch: r for r in branches if r.branch is not None}
        reports: list[str] = []
        errors: list[str] = []
        for ref in branches:
            try:
                report, failed = self._check_one(ref, pushed)
            except AlembicGitError as exc:
                errors.append(f"{ref.label}: {exc}")
                continue
            errors += failed
            if report is not None:
                reports.append(report)
        return reports, errors

    def _check_one(
        self, ref: PushedRef, pushed: dict[str, PushedRef]
    ) -> tuple[str | None, list[str]]:
        header = f"alembic-git: pushing {ref.label} ({ref.local_sha[:10]}) to {self.remote}"
        self.ws.commit(ref.local_sha, ref.label)  # a sha git does not have: an error, loudly
        target = self._target(ref, pushed)
        if isinstance(target, _Alone):
            results, errors = check_alone(self.ws, ref.local_sha, ref.label)
            bad = [r for r in results if r.conflicts]
            if not bad:
                return None, errors
            switch = self._switch(ref)
            texts = [conflict_text(r, self.ws.cwd, before=switch) for r in bad]
            lines = [f"{header}: {ref.label} has conflicting Alembic heads ({target.why})"]
            return "\n".join([*lines, *texts]), errors
        target_ref, how = target
        source = self.ws.tree(ref.local_sha, ref.label)  # a commit: git pushes it
        envs = hook_environments(self.ws, source)  # none: an error, never "nothing to check"
        if self._quick.surely_clean(ref.local_sha, ref.label, target_ref, envs, source):
            return None, []
        comparer = self._comparer(target_ref, envs)
        comparer.target_how = how
        cmp = comparer.compare(ref.local_sha, ref.label)
        errors = [f"{ec.env.name}: {ec.error}" for ec in cmp.envs if ec.error and not ec.conflict]
        if not any(_caused_by_push(ec) for ec in cmp.envs):
            return None, errors
        before = [*self._switch(ref), *merge_in(cmp)]
        return f"{header}:\n{comparison_text(cmp, self.ws.cwd, before)}", errors

    def _target(self, ref: PushedRef, pushed: dict[str, PushedRef]) -> tuple[str, str] | _Alone:
        """(the ref to merge into, how it was chosen), or why the commit is checked alone."""
        remote = self.remote
        if self.settings.target:
            target, how = self.settings.target, self.settings.target_from or "as configured"
            branch = target
            for prefix in (f"refs/remotes/{remote}/", f"{remote}/", "refs/heads/"):
                if target.startswith(prefix):
                    branch = target[len(prefix) :]
                    break
        else:
            found = remote_default_ref(self.repo, remote) if self.configured else None
            if found is None and not self.configured:
                return _Alone(
                    f"{remote} is not a configured remote: checked the pushed commit alone"
                )
            if found is None:
                return _Alone(
                    f"{remote} has no default branch here (no {remote}/HEAD, {remote}/main or "
                    f"{remote}/master): checked the pushed commit alone"
                )
            target, how = found, f"the default branch of remote {remote!r}"
            branch = found.removeprefix(f"refs/remotes/{remote}/")
        if branch == ref.branch:
            shown = self.repo.short_ref(target)
            return _Alone(f"{shown} is the target branch itself: checked the pushed commit alone")
        other = pushed.get(branch)
        if other is not None:
            # in full: a tag of the same name never stands in for the branch
            name = other.local_ref
            if not other.local_branch or self.repo.resolve_commit(name) != other.local_sha:
                name = other.local_sha
            return name, f"what this push sends to {remote}/{branch}"
        return target, how

    def _comparer(self, target: str, envs: list[Environment]) -> Comparer:
        key = (target, tuple(envs))
        if key not in self._comparers:
            self._comparers[key] = Comparer(self.ws, target, envs)
        return self._comparers[key]

    def _switch(self, ref: PushedRef) -> list[str]:
        """Fix commands run on the pushed branch: switch to it first when it is not checked out."""
        branch = ref.local_branch
        if branch is None or self.repo.current_branch() == branch:
            return []
        return [shlex.join(["git", "switch", branch])]


def _remote_name(raw: RawSettings, remote: str | None, url: str | None) -> str:
    """The remote's name; git passes the URL as the name when pushing to a bare URL."""
    if remote is None:
        return "origin"
    if remote in raw.remotes:
        return remote
    return raw.remote_for_url(url or remote) or raw.remote_for_url(remote) or remote


def _caused_by_push(ec: EnvComparison) -> bool:
    """A conflict the merge brings, not one the target already has on its own."""
    if ec.problems:
        return True
    if ec.merged is None or not ec.merged.conflicts:
        return False
    before = set()
    if ec.target_graph is not None:
        before = {frozenset(c.heads) for c in conflict_groups(ec.target_graph)}
    return any(frozenset(c.heads) not in before for c in ec.merged.conflicts)
