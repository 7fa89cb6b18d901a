"""Naming commits: git's rules for short ref names, but refusing what git would
silently pick among (a tag ``main`` beside the branch ``main``).

Whether a ref exists is read by GitPython from the ref files (loose and packed), with
no process; a reftable repository, which GitPython does not read, asks ``for-each-ref``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alembic_git.errors import AlembicGitError, GitError
from alembic_git.git.base import RepoBase, refuse_option
from alembic_git.git.catfile import is_oid
from alembic_git.git.gitpython import SymbolicReference

# How git expands a short ref name (refs.c, ref_rev_parse_rules): more than one
# existing match is what git calls ambiguous, and then it silently takes the first.
REF_RULES = (
    "refs/{}",
    "refs/tags/{}",
    "refs/heads/{}",
    "refs/remotes/{}",
    "refs/remotes/{}/HEAD",
)
# HEAD, MERGE_HEAD, FETCH_HEAD...: files in the git dir, not refs/.
_PSEUDO_REF = re.compile(r"[A-Z_]*HEAD")
# Where a revision's ref name ends: main~2, main^{tree}, main@{1}, main:path.
_REV_SUFFIX = re.compile(r"[~^:]|@\{")


class RefsRepo(RepoBase):
    def resolve_commit(self, ref: str) -> str | None:
        """The commit ``ref`` names; None if none.  A short name git would find ambiguous
        (a tag ``main`` beside the branch ``main``) raises instead of git's silent pick."""
        proc = self.git(
            "rev-parse",
            "--verify",
            "--quiet",
            f"{self.unambiguous(refuse_option(ref))}^{{commit}}",
            ok_codes=(0, 1, 128),
        )
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def unambiguous(self, rev: str) -> str:
        """``rev`` with its leading ref name spelled in full (``main~2`` ->
        ``refs/heads/main~2``), so no other ref of the same short name can win."""
        match = _REV_SUFFIX.search(rev)
        base, rest = (rev[: match.start()], rev[match.start() :]) if match else (rev, "")
        full = self.full_ref(base) if base else None
        return full + rest if full else rev

    def full_ref(self, name: str) -> str | None:
        """The one ref a name stands for, by git's rules; None when it names no ref (a
        commit id, ``HEAD``, a missing ref).  Raises if git would find it ambiguous."""
        refuse_option(name)
        if name.startswith("refs/"):
            return name if self._existing_refs([name]) else None
        if is_oid(name) or _PSEUDO_REF.fullmatch(name):
            return None
        found = self._existing_refs([rule.format(name) for rule in REF_RULES])
        if len(found) > 1:
            raise AlembicGitError(
                f"{name!r} is ambiguous: it names both {found[0]} and {found[1]}",
                hint=f"name the one you mean in full (e.g. {found[-1]})",
            )
        return found[0] if found else None

    def short_ref(self, full: str) -> str:
        """The shortest name that means ``full`` alone (``origin/main``; ``remotes/origin/main``
        when a tag ``origin/main`` exists): what messages and suggested commands say."""
        if not full.startswith("refs/"):
            return full
        for prefix in ("refs/heads/", "refs/tags/", "refs/remotes/", "refs/"):
            if full.startswith(prefix):
                short = full[len(prefix) :]
                try:
                    if self.full_ref(short) == full:
                        return short
                except AlembicGitError:
                    continue
        return full

    def _existing_refs(self, candidates: Sequence[str]) -> list[str]:
        """Which of ``candidates`` (full ref names, all under ``refs/``) exist, in order."""
        if (self.common_dir / "reftable").is_dir():
            out = self.git("for-each-ref", "--format=%(refname)", *candidates).stdout
            existing = set(out.decode("utf-8", "surrogateescape").splitlines())
            return [c for c in dict.fromkeys(candidates) if c in existing]
        return [c for c in dict.fromkeys(candidates) if self._ref_file_exists(c)]

    def _ref_file_exists(self, name: str) -> bool:
        """Whether ``name`` is a ref that points somewhere, as ``for-each-ref`` would list
        it (a symbolic ref to a missing ref does not count, nor does an invalid name)."""
        try:
            SymbolicReference.dereference_recursive(self._gp, name)
        except (ValueError, OSError):
            return False
        return True

    def ref_exists(self, ref: str) -> bool:
        return self.resolve_commit(ref) is not None

    def symbolic_ref(self, name: str) -> str | None:
        proc = self.git("symbolic-ref", "--quiet", "--", refuse_option(name), ok_codes=(0, 1, 128))
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def current_branch(self) -> str | None:
        ref = self.symbolic_ref("HEAD")
        return ref.removeprefix("refs/heads/") if ref and ref.startswith("refs/heads/") else None

    def refs(self, *patterns: str) -> list[tuple[str, str]]:
        """(refname, commit) pairs for refs matching the patterns, commits only."""
        for pattern in patterns:
            refuse_option(pattern, "ref pattern")
        out = self.out("for-each-ref", "--format=%(objecttype) %(objectname) %(refname)", *patterns)
        pairs = []
        for line in out.splitlines():
            kind, oid, name = line.split(" ", 2)
            if kind == "commit":
                pairs.append((name, oid))
        return pairs

    def glob_refs(self, pattern: str) -> list[tuple[str, str]]:
        """(full ref, commit) of each ref matching a glob; a pattern outside ``refs/``
        matches wherever git's rules for short names would look (so
        ``origin/release/*`` is ``refs/remotes/origin/release/*``, and any tag or branch
        spelled the same).  Annotated tags count as the commit they tag."""
        full = [pattern] if pattern.startswith("refs/") else [r.format(pattern) for r in REF_RULES]
        out = self.git(
            "for-each-ref",
            "--format=%(refname) %(objecttype) %(objectname) %(*objecttype) %(*objectname)",
            *full,
        ).stdout.decode("utf-8", "surrogateescape")
        found = []
        for line in out.splitlines():
            name, kind, oid, peeled_kind, peeled = line.split(" ", 4)
            if kind == "commit":
                found.append((name, oid))
            elif kind == "tag" and peeled_kind == "commit":
                found.append((name, peeled))
        return found

    def merge_bases(self, a: str, b: str) -> list[str]:
        key = ("merge-base", a, b)
        if key not in self._memo:
            args = [refuse_option(a), refuse_option(b)]
            proc = self.git("merge-base", "--all", *args, ok_codes=(0, 1))
            self._memo[key] = proc.stdout.decode().split()
        return list(self._memo[key])

    # -- the state of a merge or rebase in progress -----------------------
    def merge_heads(self) -> list[str]:
        """The commits being merged (``MERGE_HEAD``; several for an octopus), else []."""
        path = self.git_dir / "MERGE_HEAD"
        if not path.exists():
            return []
        shas = []
        for line in path.read_text(encoding="ascii", errors="replace").split():
            sha = self._named_in(path, line)
            shas.append(sha)
        return shas

    def rebase_onto(self) -> str | None:
        """The commit a rebase in progress replays onto (rebase-merge or rebase-apply)."""
        for folder in ("rebase-merge", "rebase-apply"):
            path = self.git_dir / folder / "onto"
            if path.exists():
                name = path.read_text(encoding="ascii", errors="replace").strip()
                return self._named_in(path, name)
        return None

    def _named_in(self, path: object, name: str) -> str:
        # Never read a broken state file as "no merge in progress": that flips the sides.
        sha = None if name.startswith("-") else self.resolve_commit(name)
        if sha is None:
            raise GitError(f"{path} names {name!r}, which is not a commit")
        return sha
