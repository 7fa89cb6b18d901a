"""Every git call alembic-git makes, over one subprocess wrapper.

The repository is located once with the caller's environment (so ``GIT_DIR``
from a hook or from the user is honoured); every later call names the git dir
explicitly and runs without the other ``GIT_*`` variables, so a hook's
``GIT_INDEX_FILE`` or ``GIT_WORK_TREE`` cannot redirect what we read.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from alembic_git.errors import AlembicGitError, GitError

ZERO_SHA = "0" * 40

# How git expands a short ref name (refs.c, ref_rev_parse_rules): more than one
# existing match is what git calls ambiguous, and then it silently takes the first.
_REF_RULES = (
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

# Kept when we strip the environment: they say where objects live (a
# pre-receive hook sees the pushed objects only through the quarantine
# variables) or how git reaches the outside, not which repository to use.
_KEPT_GIT_VARS = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_QUARANTINE_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
    }
)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT_GIT_VARS}
    # Messages we parse must not be translated.
    env["LC_ALL"] = "C"
    return env


def _describe(args: Sequence[str], code: int, stderr: bytes) -> str:
    err = stderr.decode("utf-8", "replace").strip().splitlines()
    detail = err[-1] if err else "no output"
    return f"`git {' '.join(args)}` failed (exit {code}): {detail}"


def run_git(
    args: Sequence[str],
    *,
    cwd: str | Path | None = None,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    ok_codes: Iterable[int] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    """Run git; raise ``GitError`` (command, exit code, stderr) unless the exit code is ok."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            env=env if env is not None else clean_env(),
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", hint="install git") from None
    if proc.returncode not in tuple(ok_codes):
        raise GitError(_describe(args, proc.returncode, proc.stderr))
    return proc


@functools.cache
def _git_version() -> tuple[int, ...]:
    text = run_git(["version"]).stdout.decode()
    nums = text.split()[2].split(".")
    return tuple(int(n) for n in nums[:3] if n.isdigit())


@dataclass(frozen=True)
class TreeEntry:
    path: str  # relative to the tree's root, POSIX separators
    mode: str
    oid: str


@dataclass
class Repo:
    git_dir: Path
    common_dir: Path
    toplevel: Path | None  # None for a bare repository
    _cat: CatFile | None = field(default=None, repr=False)
    # Answers about commits named by sha, which cannot change during a run.
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)

    @property
    def is_bare(self) -> bool:
        return self.toplevel is None

    # -- locating ---------------------------------------------------------
    @classmethod
    def discover(cls, start: Path, git_dir: str | None = None) -> Repo | None:
        """The repository containing ``start`` (or named by ``git_dir``/``GIT_DIR``), if any."""
        env = dict(os.environ, LC_ALL="C")
        if git_dir is not None:
            env["GIT_DIR"] = git_dir
        # One call: in a bare repository (or inside .git) git prints the first three
        # answers and then fails on --show-toplevel.
        proc = run_git(
            [
                "rev-parse",
                "--absolute-git-dir",
                "--git-common-dir",
                "--is-bare-repository",
                "--show-toplevel",
            ],
            cwd=start,
            env=env,
            ok_codes=(0, 128),
        )
        lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
        if len(lines) < 3:
            return None  # not a repository
        common = Path(lines[1])
        if not common.is_absolute():
            common = (start / common).resolve()
        top = Path(lines[3]) if lines[2] == "false" and len(lines) > 3 else None
        return cls(git_dir=Path(lines[0]), common_dir=common, toplevel=top)

    # -- plumbing ---------------------------------------------------------
    def git(
        self, *args: str, input: bytes | None = None, ok_codes: Iterable[int] = (0,)
    ) -> subprocess.CompletedProcess[bytes]:
        prefix = [f"--git-dir={self.git_dir}"]
        if self.toplevel is not None:
            prefix.append(f"--work-tree={self.toplevel}")
        return run_git(
            [*prefix, *args], cwd=self.toplevel or self.git_dir, input=input, ok_codes=ok_codes
        )

    def out(self, *args: str) -> str:
        return self.git(*args).stdout.decode("utf-8", "surrogateescape").strip()

    def resolve_commit(self, ref: str) -> str | None:
        """The commit ``ref`` names; None if none.  A short name git would find ambiguous
        (a tag ``main`` beside the branch ``main``) raises instead of git's silent pick."""
        proc = self.git(
            "rev-parse",
            "--verify",
            "--quiet",
            f"{self.unambiguous(ref)}^{{commit}}",
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
        if name.startswith("refs/"):
            return name if self._existing_refs([name]) else None
        if _is_oid(name) or _PSEUDO_REF.fullmatch(name):
            return None
        found = self._existing_refs([rule.format(name) for rule in _REF_RULES])
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
        """Which of ``candidates`` (full ref names) exist, in the order given."""
        out = self.git("for-each-ref", "--format=%(refname)", *candidates).stdout
        existing = set(out.decode("utf-8", "surrogateescape").splitlines())
        return [c for c in dict.fromkeys(candidates) if c in existing]

    def ref_exists(self, ref: str) -> bool:
        return self.resolve_commit(ref) is not None

    def symbolic_ref(self, name: str) -> str | None:
        proc = self.git("symbolic-ref", "--quiet", name, ok_codes=(0, 1, 128))
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def current_branch(self) -> str | None:
        ref = self.symbolic_ref("HEAD")
        return ref.removeprefix("refs/heads/") if ref and ref.startswith("refs/heads/") else None

    def config_get(self, key: str) -> str | None:
        proc = self.git("config", "--get", key, ok_codes=(0, 1))
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def config_regexp(self, pattern: str) -> list[tuple[str, str | None]]:
        """(key, value) of each config entry whose key matches; None: a bare key (true)."""
        proc = self.git("config", "-z", "--get-regexp", pattern, ok_codes=(0, 1))
        pairs: list[tuple[str, str | None]] = []
        for record in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if record:
                key, sep, value = record.partition("\n")
                pairs.append((key, value if sep else None))
        return pairs

    def diff_status(self, a: str, b: str, paths: Sequence[str]) -> list[tuple[str, str]]:
        """(status letter, path) of each file below ``paths`` that differs from commit a to b."""
        out = self.git("diff-tree", "-r", "--name-status", "-z", "--no-renames", a, b, "--", *paths)
        fields = out.stdout.decode("utf-8", "surrogateescape").split("\0")
        return [(fields[i][:1], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]

    def git_path(self, name: str) -> Path:
        """``git rev-parse --git-path``: honours core.hooksPath and linked worktrees."""
        path = Path(self.out("rev-parse", "--git-path", name))
        return path if path.is_absolute() else (self.toplevel or self.git_dir) / path

    def refs(self, *patterns: str) -> list[tuple[str, str]]:
        """(refname, commit) pairs for refs matching the patterns, commits only."""
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
        full = [pattern] if pattern.startswith("refs/") else [r.format(pattern) for r in _REF_RULES]
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
            proc = self.git("merge-base", "--all", a, b, ok_codes=(0, 1))
            self._memo[key] = proc.stdout.decode().split()
        return list(self._memo[key])

    def is_shallow(self) -> bool:
        return (self.common_dir / "shallow").exists()

    @property
    def can_merge_tree(self) -> bool:
        """Whether this git simulates a merge with ``merge-tree --write-tree`` (2.38+)."""
        return _git_version() >= (2, 38)

    def ls_tree(self, treeish: str, paths: Sequence[str] = ()) -> list[TreeEntry]:
        """Every blob below ``paths`` (or the whole tree) of ``treeish``, recursively."""
        args = ["ls-tree", "-r", "-z", "--full-tree", treeish]
        if paths:
            args += ["--", *paths]
        out = self.git(*args).stdout.decode("utf-8", "surrogateescape")
        entries = []
        for record in out.split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, oid = meta.split(" ")
            if kind == "blob":
                entries.append(TreeEntry(path, mode, oid))
        return entries

    def merge_tree_conflicts(self, ours: str, theirs: str) -> tuple[str, list[str]]:
        """The merged tree and the paths git could not merge cleanly (asked once per pair:
        the pre-push fast path and the full comparison merge the same commits)."""
        key = ("merge-tree", ours, theirs)
        if key not in self._memo:
            self._memo[key] = self._merge_tree(ours, theirs)
        return self._memo[key]  # type: ignore[no-any-return]

    def _merge_tree(self, ours: str, theirs: str) -> tuple[str, list[str]]:
        proc = self.git(
            "merge-tree",
            "--write-tree",
            "-z",
            "--name-only",
            "--no-messages",
            ours,
            theirs,
            ok_codes=(0, 1),
        )
        parts = proc.stdout.split(b"\0")
        tree = parts[0].decode()
        conflicted = []
        if proc.returncode == 1:
            for raw in parts[1:]:
                if not raw:
                    break
                conflicted.append(raw.decode("utf-8", "surrogateescape"))
        return tree, conflicted

    def snapshot_worktree(self, paths: Sequence[str]) -> str:
        """A commit (child of HEAD) holding the working tree's state of ``paths``.

        Uses a throw-away index, so HEAD, the real index and the work tree are untouched.
        """
        import shutil
        import tempfile

        assert self.toplevel is not None
        head = self.resolve_commit("HEAD")
        with tempfile.TemporaryDirectory(prefix="alembic-git-") as tmp:
            index = os.path.join(tmp, "index")
            if (self.git_dir / "index").exists():
                shutil.copyfile(self.git_dir / "index", index)
            env = clean_env()
            env["GIT_INDEX_FILE"] = index
            base = [f"--git-dir={self.git_dir}", f"--work-tree={self.toplevel}"]
            if head is None:
                run_git([*base, "read-tree", "--empty"], cwd=self.toplevel, env=env)
            run_git([*base, "add", "-A", "--", *paths], cwd=self.toplevel, env=env)
            proc = run_git([*base, "write-tree"], cwd=self.toplevel, env=env)
            tree = proc.stdout.decode().strip()
        parents = ["-p", head] if head else []
        env = clean_env()
        env.setdefault("GIT_AUTHOR_NAME", "alembic-git")
        env.setdefault("GIT_AUTHOR_EMAIL", "alembic-git@localhost")
        env.setdefault("GIT_COMMITTER_NAME", "alembic-git")
        env.setdefault("GIT_COMMITTER_EMAIL", "alembic-git@localhost")
        proc = run_git(
            [f"--git-dir={self.git_dir}", "commit-tree", tree, *parents, "-m", "working tree"],
            cwd=self.toplevel,
            env=env,
        )
        return proc.stdout.decode().strip()

    def ls_folder(self, treeish: str, path: str) -> list[TreeEntry]:
        """The entries directly in folder ``path`` of ``treeish`` (not recursive)."""
        spec = f"{treeish}:{path}" if path else treeish
        proc = self.git("ls-tree", "-z", spec, ok_codes=(0, 128))
        if proc.returncode != 0:
            return []
        entries = []
        for record in proc.stdout.split(b"\0"):
            if record:
                meta, name = record.split(b"\t", 1)
                mode, _, oid = meta.decode().split()
                entries.append(TreeEntry(name.decode("utf-8", "surrogateescape"), mode, oid))
        return entries

    def added_in(self, rev: str, path: str, since: str | None = None) -> str | None:
        """The commit that added ``path`` on ``rev``'s history, following renames.

        Not ``git log --follow``: revision files share so much boilerplate that
        its similarity guess calls a new file a copy of an old one.  Renames are
        traced inside the file's folder with git's rename detection instead.
        """
        spec = f"{since}..{rev}" if since else rev
        folder = path.rsplit("/", 1)[0] if "/" in path else "."
        out = self.out(
            "-c",
            "core.quotePath=false",
            "log",
            "-M",
            "--diff-filter=AR",
            "--format=commit %H",
            "--name-status",
            spec,
            "--",
            folder,
        )
        current, commit = path, ""
        for line in out.splitlines():
            if line.startswith("commit "):
                commit = line[7:]
                continue
            parts = line.split("\t")
            if parts[0] == "A" and len(parts) == 2 and parts[1] == current:
                return commit
            if parts[0].startswith("R") and len(parts) == 3 and parts[2] == current:
                current = parts[1]
        return None

    def dirty_paths(self, paths: Sequence[str]) -> list[str]:
        """Which of ``paths`` (relative to the work tree) differ from HEAD or are untracked."""
        if not paths:
            return []
        out = self.git(
            "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths
        ).stdout
        dirty = []
        records = out.split(b"\0")
        i = 0
        while i < len(records):
            rec = records[i]
            i += 1
            if not rec:
                continue
            status, path = rec[:2].decode(), rec[3:].decode("utf-8", "surrogateescape")
            if status[0] in "RC":
                i += 1  # the rename's source path follows
            dirty.append(path)
        return dirty

    # -- merge-heads: the state of a merge or rebase in progress ----------
    def merge_heads(self) -> list[str]:
        """The commits being merged (``MERGE_HEAD``; several for an octopus), else []."""
        path = self.git_dir / "MERGE_HEAD"
        if not path.exists():
            return []
        shas = []
        for line in path.read_text(encoding="ascii", errors="replace").split():
            sha = self.resolve_commit(line)
            if sha is None:  # never read a broken MERGE_HEAD as "no merge in progress"
                raise GitError(f"{path} names {line!r}, which is not a commit")
            shas.append(sha)
        return shas

    def rebase_onto(self) -> str | None:
        """The commit a rebase in progress replays onto (rebase-merge or rebase-apply)."""
        for folder in ("rebase-merge", "rebase-apply"):
            path = self.git_dir / folder / "onto"
            if path.exists():
                name = path.read_text(encoding="ascii", errors="replace").strip()
                sha = self.resolve_commit(name)
                if sha is None:
                    raise GitError(f"{path} names {name!r}, which is not a commit")
                return sha
        return None

    def added_order(self, rev: str, paths: Sequence[str]) -> dict[str, int]:
        """For each of ``paths`` added on ``rev``'s history: the rank of the commit that
        added it under that name, oldest first (topological order); paths never
        committed are absent.  No rename detection: a renamed file counts from its rename."""
        if not paths:
            return {}
        proc = self.git(
            "log", "--topo-order", "--reverse", "--no-renames", "--diff-filter=A", "--name-only",
            "-z", "--format=%x01%H", rev, "--", *paths, ok_codes=(0, 128),
        )  # fmt: skip
        ranks: dict[str, int] = {}
        for rank, record in enumerate(proc.stdout.split(b"\x01")[1:]):
            for raw in record.split(b"\0")[1:]:
                path = raw.lstrip(b"\n").decode("utf-8", "surrogateescape")
                if path:
                    ranks.setdefault(path, rank)
        return ranks

    def modified_paths(self, paths: Sequence[str]) -> list[str]:
        """Which of ``paths`` exist in HEAD and differ from it (staged or not); untracked
        and newly added files are not listed."""
        if not paths or self.resolve_commit("HEAD") is None:
            return []
        out = self.git(
            "diff", "--name-only", "-z", "--no-renames", "--diff-filter=MT", "HEAD", "--", *paths
        ).stdout
        return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]

    # -- objects ----------------------------------------------------------
    def cat(self) -> CatFile:
        if self._cat is None or self._cat.broken:
            if self._cat is not None:
                self._cat.close()
            self._cat = CatFile(self)
        return self._cat

    def tree_entry(self, treeish: str, path: str) -> TreeEntry | None:
        """The entry at ``path`` (relative, POSIX) of ``treeish``; its oid is what to read.

        The path goes to git as an argument, never down the cat-file pipe, so any
        file name is safe.  Listings of a commit or tree named by id are kept per
        folder: one call answers every file of a folder."""
        parent, _, name = path.rpartition("/")
        key = ("ls-folder", treeish, parent)
        listing = self._memo.get(key)
        if listing is None:
            listing = {e.path: e for e in self.ls_folder(treeish, parent)}
            if _is_oid(treeish):
                self._memo[key] = listing
        found: TreeEntry | None = listing.get(name)
        return found

    def close(self) -> None:
        if self._cat is not None:
            self._cat.close()
            self._cat = None


class CatFile:
    """One long-lived ``git cat-file --batch`` for every object we read.

    git reads one request per line and answers each in turn, so a name holding a
    newline would be read as two requests and every later answer would belong to
    another request (wrong bytes under a blob id: a poisoned parse cache).  Names
    with a line break are refused, every answer is checked against its request,
    and paths are best turned into object ids first (:meth:`Repo.tree_entry`).
    """

    def __init__(self, repo: Repo) -> None:
        self._proc = subprocess.Popen(
            ["git", f"--git-dir={repo.git_dir}", "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=clean_env(),
        )
        self._lock = threading.Lock()
        self.broken = False  # out of step with its requests: never asked again

    def read_many(self, names: Sequence[str]) -> list[bytes | None]:
        """Contents of each object name (oid or ``rev:path``); None where it does not exist."""
        if not names:
            return []
        for name in names:
            if "\n" in name or "\r" in name or not name:
                raise GitError(
                    f"cannot ask git cat-file for {name!r}: a line break would split the request",
                    hint="this is a bug in alembic-git: objects are read by id",
                )
        if self.broken:
            raise GitError("`git cat-file --batch` is out of step with its requests")
        assert self._proc.stdin is not None and self._proc.stdout is not None
        stdin, stdout = self._proc.stdin, self._proc.stdout
        request = b"".join(n.encode("utf-8", "surrogateescape") + b"\n" for n in names)

        def feed() -> None:
            with contextlib.suppress(BrokenPipeError):  # git is gone: the reader says so
                stdin.write(request)
                stdin.flush()

        with self._lock:
            # A writer thread: git stops reading requests while its output is not drained.
            writer = threading.Thread(target=feed, daemon=True)
            writer.start()
            try:
                results = [self._answer(name, stdout) for name in names]
            except GitError:
                self.broken = True
                self._proc.kill()
                raise
            finally:
                writer.join()
        return results

    @staticmethod
    def _answer(name: str, stdout: IO[bytes]) -> bytes | None:
        """Read one answer, which must be about ``name``."""
        header = stdout.readline()
        if not header:
            raise GitError("`git cat-file --batch` ended unexpectedly")
        text = header.rstrip(b"\n").decode("utf-8", "surrogateescape")
        for word in (" missing", " ambiguous"):
            if text.endswith(word):
                if text[: -len(word)] != name:
                    raise GitError(
                        f"`git cat-file --batch` answered {text!r} to {name!r}: out of step"
                    )
                return None
        parts = text.split(" ")
        if len(parts) != 3 or not parts[2].isdigit():
            raise GitError(f"`git cat-file --batch` answered {text!r} to {name!r}")
        if _is_oid(name) and parts[0] != name.lower():
            raise GitError(f"`git cat-file --batch` answered {parts[0]} to {name}: out of step")
        size = int(parts[2])
        data: bytes = stdout.read(size + 1)
        if len(data) != size + 1:
            raise GitError("`git cat-file --batch` ended unexpectedly")
        return data[:-1]

    def read(self, name: str) -> bytes | None:
        return self.read_many([name])[0]

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        self._proc.wait()


def _is_oid(name: str) -> bool:
    return len(name) in (40, 64) and all(c in "0123456789abcdefABCDEF" for c in name)
