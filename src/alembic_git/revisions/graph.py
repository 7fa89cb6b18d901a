"""The revision graph, with the semantics of Alembic's ``RevisionMap``, on networkx.

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

The graph is a ``networkx.DiGraph`` (edges parent -> child, ``kind`` down_revision or
depends_on); cycles, ancestors, descendants and the fork points of heads are networkx's
algorithms.  Where Alembic only warns or fails with a bare ``KeyError`` (a duplicate id,
a missing parent, an unknown ``depends_on``), we raise ``AlembicGitError`` naming the
files involved.

A graph can also be *warm*: made from a cached summary (``revisions/verdicts.py``),
without networkx.  Its heads, labels of heads, records of heads and fork points,
ids and parents are there at once; anything else builds the whole graph on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.loader import RevisionFile

if TYPE_CHECKING:
    import networkx as nx

ILLEGAL_ID_CHARS = frozenset("@-+:")
DOWN, DEPENDS = "down_revision", "depends_on"


@dataclass(frozen=True)
class RevisionRecord:
    """What reports show of one revision (a head, a fork point)."""

    revision: str
    down_revisions: tuple[str, ...]
    path: str
    display: str
    line: int | None  # of ``revision = ...``
    message: str

    @property
    def title(self) -> str:
        return self.message.splitlines()[0] if self.message else ""

    @property
    def where(self) -> str:
        return f"{self.display}:{self.line}" if self.line else self.display


@dataclass(frozen=True)
class GraphSummary:
    """The part of a graph the hot paths read; ``ids``, ``down``, ``paths`` and
    ``displays`` align."""

    ids: tuple[str, ...]
    down: tuple[tuple[str, ...], ...]
    paths: tuple[str, ...]
    displays: tuple[str, ...]
    labelled: bool  # any revision has branch labels of its own
    heads: tuple[str, ...]
    real_heads: tuple[str, ...]
    bases: tuple[str, ...]
    branch_points: tuple[str, ...]
    merge_points: tuple[str, ...]
    labels: dict[str, frozenset[str]]  # of the heads (and fork points)
    records: dict[str, RevisionRecord]  # of the heads and fork points
    head_groups: tuple[tuple[str, ...], ...]  # by the conflict rule, singletons included
    forks: dict[tuple[str, ...], tuple[str, ...]]  # fork points of those groups and --strict's


EMPTY_SUMMARY = GraphSummary((), (), (), (), False, (), (), (), (), (), {}, {}, (), {})


class _KnownLabels(dict[str, frozenset[str]]):
    """A warm graph's labels: the heads' at hand, any other builds the graph."""

    def __init__(self, known: dict[str, frozenset[str]], graph: RevisionGraph) -> None:
        super().__init__(known)
        self._graph = graph

    def __missing__(self, rev: str) -> frozenset[str]:
        self._graph.build()
        return self._graph.labels[rev]


class RevisionGraph:
    files: list[RevisionFile]
    revisions: dict[str, RevisionFile]
    label_owner: dict[str, str]
    dependencies: dict[str, tuple[str, ...]]
    children: dict[str, list[str]]  # through down_revision, in file order
    all_children: dict[str, list[str]]  # through down_revision or depends_on
    nx: nx.DiGraph  # every edge, parent -> child, with its ``kind``
    down: nx.DiGraph  # the down_revision edges alone (``nx`` itself without depends_on)

    def __init__(self, files: Sequence[RevisionFile]) -> None:
        self._summary: GraphSummary | None = None
        self._load(files)

    @classmethod
    def warm(cls, summary: GraphSummary, build: Callable[[], RevisionGraph]) -> RevisionGraph:
        """A graph answered from ``summary``; ``build`` makes the whole one when needed."""
        g = cls.__new__(cls)
        g.__dict__.update(
            _summary=summary,
            _builder=build,
            heads=summary.heads,
            real_heads=summary.real_heads,
            bases=summary.bases,
            branch_points=summary.branch_points,
            merge_points=summary.merge_points,
            labels=_KnownLabels(summary.labels, g),
        )
        return g

    if not TYPE_CHECKING:  # (hidden from mypy, which would then allow any attribute)

        def __getattr__(self, name: str) -> Any:
            # Called only for what an instance lacks: the cold parts of a warm graph.
            if "_builder" not in self.__dict__ or name.startswith("__"):
                raise AttributeError(name)
            self.build()
            return getattr(self, name)

    def build(self) -> None:
        """Make a warm graph whole (no-op on a whole one)."""
        builder = self.__dict__.pop("_builder", None)
        if builder is None:
            return
        whole = builder()
        state = {k: v for k, v in whole.__dict__.items() if k != "_summary"}
        state["labels"] = whole.labels
        self.__dict__.update(state)

    @property
    def is_warm(self) -> bool:
        """True while the graph is answered from a cached summary alone."""
        return "_builder" in self.__dict__

    # -- construction ---------------------------------------------------------
    def _load(self, files: Sequence[RevisionFile]) -> None:
        import networkx as nx

        self.files = list(files)
        self.revisions = {}
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
        self.label_owner = {}
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
        self.dependencies = {
            f.revision: tuple(self._resolve_dependency(f, d) for d in f.depends_on)
            for f in self.files
        }
        self.children = {r: [] for r in self.revisions}
        self.all_children = {r: [] for r in self.revisions}
        self.nx = nx.DiGraph()
        self.nx.add_nodes_from(self.revisions)
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
                self.nx.add_edge(parent, f.revision, kind=DOWN)
            for parent in self.dependencies[f.revision]:
                if not self.nx.has_edge(parent, f.revision):  # a down_revision stays one
                    self.nx.add_edge(parent, f.revision, kind=DEPENDS)
            for parent in (*f.down_revisions, *self.dependencies[f.revision]):
                _append_once(self.all_children[parent], f.revision)
        if any(self.dependencies.values()):
            self.down = nx.DiGraph()
            self.down.add_nodes_from(self.revisions)
            self.down.add_edges_from((p, c) for p, c, k in self.nx.edges(data="kind") if k == DOWN)
        else:
            self.down = self.nx
        self._check_cycles()

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
        import networkx as nx

        checks = [("down_revision", self.down)]
        if self.down is not self.nx:
            checks.append(("down_revision/depends_on", self.nx))
        for kind, g in checks:
            if nx.is_directed_acyclic_graph(g):
                continue
            # Searched in the parent direction; told from the revision on it whose file
            # comes first, so the message does not depend on where the search began.
            edges = nx.find_cycle(g.reverse(copy=False), source=list(self.revisions))
            cycle = [child for child, _parent in edges]
            order = {r: i for i, r in enumerate(self.revisions)}
            start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
            cycle = cycle[start:] + cycle[:start]
            first = self.revisions[cycle[0]]
            raise AlembicGitError(
                f"cycle in {kind}: {' -> '.join([*cycle, cycle[0]])}",
                path=first.display,
                line=first.line_of("down_revision"),
                hint="a revision cannot be its own ancestor",
            )

    # -- what the hot paths read (warm or whole) -----------------------------
    @cached_property
    def ids(self) -> tuple[str, ...]:
        """Every revision id, in Alembic's (file) order."""
        return self._summary.ids if self._summary else tuple(self.revisions)

    @property
    def size(self) -> int:
        return len(self.ids)

    @cached_property
    def _parents(self) -> dict[str, tuple[str, ...]]:
        if self._summary is not None:
            return dict(zip(self._summary.ids, self._summary.down, strict=True))
        return {r: f.down_revisions for r, f in self.revisions.items()}

    def down_revisions_of(self, rev: str) -> tuple[str, ...]:
        return self._parents[rev]

    @cached_property
    def _displays(self) -> dict[str, str]:
        if self._summary is not None:
            return dict(zip(self._summary.ids, self._summary.displays, strict=True))
        return {r: f.display for r, f in self.revisions.items()}

    def display_of(self, rev: str) -> str:
        return self._displays[rev]

    @cached_property
    def _paths(self) -> dict[str, str]:
        if self._summary is not None:
            return dict(zip(self._summary.ids, self._summary.paths, strict=True))
        return {r: f.path for r, f in self.revisions.items()}

    def path_of(self, rev: str) -> str:
        return self._paths[rev]

    @cached_property
    def labelled(self) -> bool:
        """Whether any revision carries branch labels of its own."""
        if self._summary is not None:
            return self._summary.labelled
        return any(f.branch_labels for f in self.files)

    def record(self, rev: str) -> RevisionRecord:
        """What reports show of ``rev``; a warm graph knows its heads' and fork points'."""
        if self._summary is not None and rev in self._summary.records:
            return self._summary.records[rev]
        f = self.revisions[rev]
        return RevisionRecord(
            rev, f.down_revisions, f.path, f.display, f.line_of("revision"), f.message
        )

    @property
    def known_head_groups(self) -> tuple[tuple[str, ...], ...] | None:
        """The heads grouped by the conflict rule, when a warm graph's summary has them."""
        return self._summary.head_groups if self._summary is not None else None

    def summary(self, head_groups: Sequence[tuple[str, ...]]) -> GraphSummary:
        """The summary a warm graph is made from: ``head_groups`` (the conflict rule's
        grouping) and the fork points of each group and of all heads (``--strict``)."""
        forks = {g: self.lowest_common_ancestors(g) for g in (*head_groups, self.heads)}
        forks = {g: fp for g, fp in forks.items() if len(g) > 1}
        shown = {*self.heads, *(p for fp in forks.values() for p in fp)}
        return GraphSummary(
            ids=self.ids,
            down=tuple(f.down_revisions for f in self.files),
            paths=tuple(f.path for f in self.files),
            displays=tuple(f.display for f in self.files),
            labelled=self.labelled,
            heads=self.heads,
            real_heads=self.real_heads,
            bases=self.bases,
            branch_points=self.branch_points,
            merge_points=self.merge_points,
            labels={r: self.labels[r] for r in shown},
            records={r: self.record(r) for r in shown},
            head_groups=tuple(head_groups),
            forks=forks,
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
            for node in self.descendants_in_order(f.revision):
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

    # -- traversal (networkx) --------------------------------------------------
    def descendants_in_order(self, start: str) -> Iterator[str]:
        """``start`` and every revision above it through ``down_revision``, depth first."""
        import networkx as nx

        return iter(nx.dfs_preorder_nodes(self.down, start))

    def ancestors(self, rev: str) -> set[str]:
        """``rev`` and every revision below it through ``down_revision``."""
        import networkx as nx

        found: set[str] = nx.ancestors(self.down, rev)
        found.add(rev)
        return found

    def lowest_common_ancestors(self, revs: Sequence[str]) -> tuple[str, ...]:
        """Where the given revisions fork from: every common ancestor with no common
        descendant (networkx's lowest common ancestors, all of them), in file order."""
        if not revs:
            return ()
        if self._summary is not None and tuple(revs) in self._summary.forks:
            return self._summary.forks[tuple(revs)]
        common = set.intersection(*(self.ancestors(r) for r in revs))
        children = self.children
        return tuple(
            r for r in self.revisions if r in common and not any(c in common for c in children[r])
        )

    def topological(self) -> list[str]:
        """Revisions parents-first: depth first from each revision in file order, through
        its parents in order (so stable: file order among equals)."""
        import networkx as nx

        return list(nx.dfs_postorder_nodes(self.nx.reverse(copy=False)))

    def to_networkx(self) -> nx.DiGraph:
        """The graph as networkx, nodes annotated for drawing and export."""
        g = self.nx
        heads, real_heads = set(self.heads), set(self.real_heads)
        for rev, f in self.revisions.items():
            g.nodes[rev].update(
                message=f.message,
                path=f.display,
                labels=sorted(self.labels[rev]),
                head=rev in heads,
                effective_head=rev in heads and rev not in real_heads,
                base=not f.down_revisions,
                branch_point=self.is_branch_point(rev),
                merge_point=self.is_merge_point(rev),
            )
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


def find_cycle(nodes: Iterable[str], parents_of: Any) -> list[str] | None:
    """One cycle (as a list of revisions) in the parent relation, if any: for the hook's
    quick look at a few new revisions, which must not import networkx."""
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
