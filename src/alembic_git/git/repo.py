"""The domain operations: trees, the merged tree, the work-tree snapshot, history.

Plumbing GitPython has no API for (``merge-tree --write-tree``, ``ls-tree -z``,
``log --diff-filter``) runs through its ``repo.git``.  Revisions given by the user are
refused when they start with ``-`` and paths always follow ``--``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence

from alembic_git.git.base import TreeEntry, refuse_option
from alembic_git.git.catfile import is_oid
from alembic_git.git.env import commit_identity
from alembic_git.git.refs import RefsRepo


class Repo(RefsRepo):
    # -- trees ------------------------------------------------------------
    def ls_tree(self, treeish: str, paths: Sequence[str] = ()) -> list[TreeEntry]:
        """Every blob below ``paths`` (or the whole tree) of ``treeish``, recursively."""
        args = ["ls-tree", "-r", "-z", "--full-tree", refuse_option(treeish)]
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

    def ls_folder(self, treeish: str, path: str) -> list[TreeEntry]:
        """The entries directly in folder ``path`` of ``treeish`` (not recursive)."""
        spec = f"{refuse_option(treeish)}:{path}" if path else refuse_option(treeish)
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
            if is_oid(treeish):
                self._memo[key] = listing
        found: TreeEntry | None = listing.get(name)
        return found

    def diff_status(self, a: str, b: str, paths: Sequence[str]) -> list[tuple[str, str]]:
        """(status letter, path) of each file below ``paths`` that differs from commit a to b."""
        revs = [refuse_option(a), refuse_option(b)]
        out = self.git(
            "diff-tree", "-r", "--name-status", "-z", "--no-renames", *revs, "--", *paths
        )
        fields = out.stdout.decode("utf-8", "surrogateescape").split("\0")
        return [(fields[i][:1], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]

    # -- the merged tree --------------------------------------------------
    def merge_tree_conflicts(self, ours: str, theirs: str) -> tuple[str, list[str]]:
        """The merged tree and the paths git could not merge cleanly (asked once per pair:
        the pre-push fast path and the full comparison merge the same commits)."""
        key = ("merge-tree", ours, theirs)
        if key not in self._memo:
            self._memo[key] = self._merge_tree(refuse_option(ours), refuse_option(theirs))
        return self._memo[key]  # type: ignore[no-any-return]

    def _merge_tree(self, ours: str, theirs: str) -> tuple[str, list[str]]:
        proc = self.git(
            "merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", ours, theirs,
            ok_codes=(0, 1),
        )  # fmt: skip
        parts = proc.stdout.split(b"\0")
        tree = parts[0].decode().strip()
        conflicted = []
        if proc.returncode == 1:
            for raw in parts[1:]:
                if not raw:
                    break
                conflicted.append(raw.decode("utf-8", "surrogateescape"))
        return tree, conflicted

    # -- the work tree ----------------------------------------------------
    def snapshot_worktree(self, paths: Sequence[str]) -> str:
        """A commit (child of HEAD) holding the working tree's state of ``paths``.

        Uses a throw-away index, so HEAD, the real index and the work tree are untouched.
        """
        assert self.toplevel is not None
        head = self.resolve_commit("HEAD")
        with tempfile.TemporaryDirectory(prefix="alembic-git-") as tmp:
            index = os.path.join(tmp, "index")
            if (self.git_dir / "index").exists():
                shutil.copyfile(self.git_dir / "index", index)
            env = {"GIT_INDEX_FILE": index}
            if head is None:
                self.git("read-tree", "--empty", env=env)
            self.git("add", "-A", "--", *paths, env=env)
            tree = self.git("write-tree", env=env).stdout.decode().strip()
        parents = ["-p", head] if head else []
        proc = self.git("commit-tree", tree, *parents, "-m", "working tree", env=commit_identity())
        return proc.stdout.decode().strip()

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

    def modified_paths(self, paths: Sequence[str]) -> list[str]:
        """Which of ``paths`` exist in HEAD and differ from it (staged or not); untracked
        and newly added files are not listed."""
        if not paths or self.resolve_commit("HEAD") is None:
            return []
        out = self.git(
            "diff", "--name-only", "-z", "--no-renames", "--diff-filter=MT", "HEAD", "--", *paths
        ).stdout
        return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]

    # -- history ----------------------------------------------------------
    def added_in(self, rev: str, path: str, since: str | None = None) -> str | None:
        """The commit that added ``path`` on ``rev``'s history, following renames.

        Not ``git log --follow``: revision files share so much boilerplate that
        its similarity guess calls a new file a copy of an old one.  Renames are
        traced inside the file's folder with git's rename detection instead.
        """
        refuse_option(rev)
        spec = f"{refuse_option(since)}..{rev}" if since else rev
        folder = path.rsplit("/", 1)[0] if "/" in path else "."
        current, commit = path, ""
        for line in self._adds_and_renames(spec, folder):
            if line.startswith("commit "):
                commit = line[7:]
                continue
            parts = line.split("\t")
            if parts[0] == "A" and len(parts) == 2 and parts[1] == current:
                return commit
            if parts[0].startswith("R") and len(parts) == 3 and parts[2] == current:
                current = parts[1]
        return None

    def _adds_and_renames(self, spec: str, folder: str) -> list[str]:
        """``git log --name-status`` of the adds and renames in ``folder``; kept when
        ``spec`` names commits by id (the heads of one folder ask the same question)."""
        key = ("adds", spec, folder)
        lines: list[str] | None = self._memo.get(key)
        if lines is None:
            lines = self.git(
                "log", "-M", "--diff-filter=AR", "--format=commit %H", "--name-status",
                spec, "--", folder, config={"core.quotePath": "false"},
            ).stdout.decode("utf-8", "surrogateescape").splitlines()  # fmt: skip
            if all(is_oid(part) for part in spec.split("..")):
                self._memo[key] = lines
        return lines

    def added_order(self, rev: str, paths: Sequence[str]) -> dict[str, int]:
        """For each of ``paths`` added on ``rev``'s history: the rank of the commit that
        added it under that name, oldest first (topological order); paths never
        committed are absent.  No rename detection: a renamed file counts from its rename."""
        if not paths:
            return {}
        proc = self.git(
            "log", "--topo-order", "--reverse", "--no-renames", "--diff-filter=A", "--name-only",
            "-z", "--format=%x01%H", refuse_option(rev), "--", *paths, ok_codes=(0, 128),
        )  # fmt: skip
        ranks: dict[str, int] = {}
        for rank, record in enumerate(proc.stdout.split(b"\x01")[1:]):
            for raw in record.split(b"\0")[1:]:
                path = raw.lstrip(b"\n").decode("utf-8", "surrogateescape")
                if path:
                    ranks.setdefault(path, rank)
        return ranks
