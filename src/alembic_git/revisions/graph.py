"""The revision graph, with the semantics of Alembic's ``RevisionMap``.

Vocabulary as in ``alembic/script/revision.py``:

* **heads** (versioned heads): revisions no other revision names in ``down_revision``;
* **real heads**: revisions nothing names in ``down_revision`` or ``depends_on``;
  a head that is not a real head is an **effective head**;
* **bases**: ``down_revision`` is None; **real bases** also have no ``depends_on``;
* **branch point**: more than one child through ``down_revision``
  (a *real* branch point counts ``depends_on`` children too);
* **merge point**: more than one ``down_revision``;
* **branch labels** propagate to every descendant of the labelled revision, and
  to its ancestors up to the nearest branch point or merge point.

Where Alembic only warns or fails with a bare ``KeyError`` (a duplicate id, a
missing parent, an unknown ``depends_on``), we raise ``AlembicGitError`` naming
the files involved.  The hot path uses plain dicts; ``to_networkx()`` builds
the networkx model for drawing and neighbourhood queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.loader import RevisionFile

if TYPE_CHECKING:
    import networkx as nx

ILLEGAL_ID_CHARS = frozenset("@-+:")


class RevisionGraph:
    def __init__(self, files: Sequence[RevisionFile]) -> None:
        self.files = list(files)
        self.revisions: dict[str, RevisionFile] = {}
        for f in self.files:
            _check_id(f)
            if f.revision in self.revisions:
                other = self.revisions[f.revision]
                raise AlembicGitError(
                    f"duplicate revision id {f.revision!r}, also in {other.where}",
                    path=f.display,
                    line=f.line_of("revision"),
                    hint="give one of them a new id "
                    "(Alembic only warns, and its heads are then wrong)",
                )
            self.revisions[f.revision] = f
        self.label_owner: dict[str, str] = {}
        for f in self.files:
            for label in f.branch_labels:
                taken = self.label_owner.get(label) or (label if label in self.revisions else None)
                if taken is not None:
                    raise AlembicGitError(
                        f"branch label {label!r} in revision {f.revision} is already used by "
                        f"revision {taken} ({self.revisions[taken].where})",
                        path=f.display,
                        line=f.line_of("branch_labels"),
                        hint="branch labels must be unique and differ from every revision id",
                    )
                self.label_owner[label] = f.revision
        self.dependencies: dict[str, tuple[str, ...]] = {
            f.revision: tuple(self._resolve_dependency(f, d) for d in f.depends_on)
            for f in self.files
        }
        self.children: dict[str, list[str]] = {r: [] for r in self.revisions}
        self.all_children: dict[str, list[str]] = {r: [] for r in self.revisions}
        for f in self.files:
            for parent in f.down_revisions:
                if parent not in self.revisions:
                    raise AlembicGitError(
                        f"down_revision {parent!r} of revision {f.revision} is not a revision "
                        "in this environment",
                        path=f.display,
                        line=f.line_of("down_revision"),
                        hint="restore the missing file, or point down_revision at an existing one",
                    )
                _append_once(self.children[parent], f.revision)
            for parent in (*f.down_revisions, *self.dependencies[f.revision]):
                _append_once(self.all_children[parent], f.revision)
        self._check_cycles()

    # -- construction helpers -----------------------------------------------
    def _resolve_dependency(self, f: RevisionFile, dep: str) -> str:
        if dep == f.revision:
            raise AlembicGitError(
                f"revision {f.revision} depends on itself",
                path=f.display,
                line=f.line_of("depends_on"),
            )
        if dep in self.revisions:
            return dep
        if dep in self.label_owner:
            return self.label_owner[dep]
        matches = [r for r in self.revisions if len(dep) > 3 and r.startswith(dep)]
        hint = (
            f"Alembic reads depends_on only as full ids or branch labels: write {matches[0]!r}"
            if len(matches) == 1
            else "name an existing revision id or branch label"
        )
        raise AlembicGitError(
            f"depends_on {dep!r} of revision {f.revision} is not a revision or branch label",
            path=f.display,
            line=f.line_of("depends_on"),
            hint=hint,
        )

    def _check_cycles(self) -> None:
        checks: list[tuple[str, Any, dict[str, list[str]]]] = [
            ("down_revision", lambda r: self.revisions[r].down_revisions, self.children)
        ]
        if any(self.dependencies.values()):  # otherwise the second walk is the first again
            checks.append(("down_revision/depends_on", self.all_parents, self.all_children))
        for kind, parents_of, children in checks:
            if _acyclic(self.revisions, parents_of, children):
                continue
            cycle = find_cycle(self.revisions, parents_of) or []
            first = self.revisions[cycle[0]]
            raise AlembicGitError(
                f"cycle in {kind}: {' -> '.join([*cycle, cycle[0]])}",
                path=first.display,
                line=first.line_of("down_revision"),
                hint="a revision cannot be its own ancestor",
            )

    # -- Alembic's vocabulary -------------------------------------------------
    def all_parents(self, rev: str) -> tuple[str, ...]:
        f = self.revisions[rev]
        return tuple(dict.fromkeys((*f.down_revisions, *self.dependencies[rev])))

    @cached_property
    def heads(self) -> tuple[str, ...]:
        """Versioned heads, in Alembic's order (what ``alembic heads`` prints)."""
        return tuple(r for r in self.revisions if not self.children[r])

    @cached_property
    def real_heads(self) -> tuple[str, ...]:
        return tuple(r for r in self.revisions if not self.all_children[r])

    @cached_property
    def effective_heads(self) -> tuple[str, ...]:
        real = set(self.real_heads)
        return tuple(h for h in self.heads if h not in real)

    @cached_property
    def bases(self) -> tuple[str, ...]:
        return tuple(r for r, f in self.revisions.items() if not f.down_revisions)

    @cached_property
    def real_bases(self) -> tuple[str, ...]:
        return tuple(
            r for r, f in self.revisions.items() if not f.down_revisions and not f.depends_on
        )

    def is_branch_point(self, rev: str) -> bool:
        return len(self.children[rev]) > 1

    def is_real_branch_point(self, rev: str) -> bool:
        return len(self.all_children[rev]) > 1

    def is_merge_point(self, rev: str) -> bool:
        return len(self.revisions[rev].down_revisions) > 1

    @cached_property
    def branch_points(self) -> tuple[str, ...]:
        return tuple(r for r in self.revisions if self.is_branch_point(r))

    @cached_property
    def merge_points(self) -> tuple[str, ...]:
        return tuple(r for r in self.revisions if self.is_merge_point(r))

    @cached_property
    def labels(self) -> dict[str, frozenset[str]]:
        """Each revision's branch labels after Alembic's propagation (``_add_branches``)."""
        acc: dict[str, set[str]] = {r: set() for r in self.revisions}
        for f in self.files:
            if not f.branch_labels:
                continue
            node = f.revision
            for node in self._descendants_dfs(f.revision):
                acc[node].update(f.branch_labels)
            # Alembic walks up from the *last* descendant it visited, so the
            # labels reach ancestors only through a chain free of branch and
            # merge points; that outcome does not depend on visiting order.
            parent: str | None = node
            while (
                parent is not None
                and not self.is_real_branch_point(parent)
                and not self.is_merge_point(parent)
            ):
                acc[parent].update(f.branch_labels)
                downs = self.revisions[parent].down_revisions
                parent = downs[0] if downs else None
        return {r: frozenset(v) for r, v in acc.items()}

    def _descendants_dfs(self, start: str) -> Iterable[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            rev = todo.pop()
            if rev in seen:
                continue
            seen.add(rev)
            todo.extend(sorted(self.children[rev]))
            yield rev

    # -- traversal -------------------------------------------------------------
    def ancestors(self, rev: str) -> set[str]:
        """``rev`` and every revision below it through ``down_revision``."""
        seen = {rev}
        todo = [rev]
        while todo:
            for p in self.revisions[todo.pop()].down_revisions:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    def lowest_common_ancestors(self, revs: Sequence[str]) -> tuple[str, ...]:
        """Where the given revisions fork from: common ancestors with no common descendant."""
        if not revs:
            return ()
        common = set.intersection(*(self.ancestors(r) for r in revs))
        return tuple(
            r
            for r in self.revisions
            if r in common and not any(c in common for c in self.children[r])
        )

    def to_networkx(self) -> nx.DiGraph:
        """The graph as networkx: edges parent -> child, ``kind`` down_revision or depends_on."""
        import networkx as nx

        g = nx.DiGraph()
        heads, real_heads = set(self.heads), set(self.real_heads)
        for rev, f in self.revisions.items():
            g.add_node(
                rev,
                message=f.message,
                path=f.display,
                labels=sorted(self.labels[rev]),
                head=rev in heads,
                effective_head=rev in heads and rev not in real_heads,
                base=not f.down_revisions,
                branch_point=self.is_branch_point(rev),
                merge_point=self.is_merge_point(rev),
            )
        for rev, f in self.revisions.items():
            for p in f.down_revisions:
                g.add_edge(p, rev, kind="down_revision")
            for d in self.dependencies[rev]:
                if not g.has_edge(d, rev):
                    g.add_edge(d, rev, kind="depends_on")
        return g


def _append_once(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _check_id(f: RevisionFile) -> None:
    bad = sorted(set(f.revision) & ILLEGAL_ID_CHARS)
    if bad:
        raise AlembicGitError(
            f"character(s) {', '.join(bad)!r} not allowed in revision identifier {f.revision!r}",
            path=f.display,
            line=f.line_of("revision"),
            hint="Alembic reserves @ - + : in revision ids",
        )
    if f.revision in f.down_revisions:
        raise AlembicGitError(
            f"revision {f.revision} names itself as its down_revision",
            path=f.display,
            line=f.line_of("down_revision"),
        )


def _acyclic(nodes: Iterable[str], parents_of: Any, children: dict[str, list[str]]) -> bool:
    """Kahn's count: every node can be taken parents-first. Cheap; the cycle itself is
    looked for only when this fails."""
    waiting = {n: len(set(parents_of(n))) for n in nodes}
    ready = [n for n, count in waiting.items() if count == 0]
    taken = 0
    while ready:
        node = ready.pop()
        taken += 1
        for child in children[node]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return taken == len(waiting)


def find_cycle(nodes: Iterable[str], parents_of: Any) -> list[str] | None:
    """One cycle (as a list of revisions) in the parent relation, if any."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in nodes:
        if root in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(parents_of(root)))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(parents_of(nxt))))
    return None
