"""Our static graph against Alembic's own ``RevisionMap``, on real revision files.

Every graph here is written to disk as real revision files (the shapes Alembic's
templates write: modern or classic, single or double quotes, LF or CRLF), then
loaded twice: by Alembic (``ScriptDirectory``, which imports each file) and by
alembic-git (which never imports them).  The two must agree on every fact
Alembic computes: heads in Alembic's order, real heads, bases, real bases,
branch points, merge points and the branch labels after propagation.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.alembic_view import alembic_heads_text
from support.ours import our_graph
from support.repo import (
    INI,
    add_revision,
    alembic_cli,
    alembic_script_directory,
    commit_all,
    git,
    run_cli,
)

from alembic_git.git import Repo
from alembic_git.revisions.graph import RevisionGraph
from alembic_git.revisions.source import CommitSource

# ---------------------------------------------------------------------------
# Building a project and reading it both ways


@dataclass
class Rev:
    rev: str
    down: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    style: str = "modern"
    quote: str = "'"
    crlf: bool = False
    folder: str = ""  # below migrations/versions (read with recursive_version_locations)


@dataclass
class Shape:
    """A revision graph as the test wrote it."""

    revs: list[Rev] = field(default_factory=list)


def bare_project(root: Path, recursive: bool = False) -> Path:
    """alembic.ini + migrations/versions/, without git (the oracle needs no repository)."""
    (root / "migrations" / "versions").mkdir(parents=True)
    ini = INI.replace(
        "path_separator = os\n", "path_separator = os\nrecursive_version_locations = true\n"
    )
    (root / "alembic.ini").write_text(ini if recursive else INI, encoding="utf-8")
    return root


def write_shape(project: Path, shape: Shape) -> None:
    for r in shape.revs:
        down: str | tuple[str, ...] | None = (
            None if not r.down else r.down[0] if len(r.down) == 1 else r.down
        )
        add_revision(
            project,
            r.rev,
            down,
            branch_labels=r.labels or None,
            depends_on=(r.depends_on[0] if len(r.depends_on) == 1 else r.depends_on) or None,
            style=r.style,
            quote=r.quote,
            crlf=r.crlf,
            folder=f"migrations/versions/{r.folder}".rstrip("/"),
        )


def theirs(project: Path) -> Any:
    """Alembic's ScriptDirectory with its revision map loaded (warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        script = alembic_script_directory(project)
        script.revision_map._revision_map  # noqa: B018 - load now, under the filter
    return script


def alembic_facts(script: Any) -> dict[str, Any]:
    rm = script.revision_map
    revs = [r for k, r in rm._revision_map.items() if r is not None and k == r.revision]
    return {
        "heads": tuple(rm.heads),
        "real_heads": tuple(rm._real_heads),
        "bases": tuple(rm.bases),
        "real_bases": tuple(rm._real_bases),
        "branch_points": {r.revision for r in revs if r.is_branch_point},
        "merge_points": {r.revision for r in revs if r.is_merge_point},
        "labels": {r.revision: set(r.branch_labels) for r in revs},
    }


def our_facts(graph: RevisionGraph) -> dict[str, Any]:
    return {
        "heads": graph.heads,
        "real_heads": graph.real_heads,
        "bases": graph.bases,
        "real_bases": graph.real_bases,
        "branch_points": set(graph.branch_points),
        "merge_points": set(graph.merge_points),
        "labels": {r: set(v) for r, v in graph.labels.items()},
    }


def our_heads_text(project: Path) -> str:
    """``alembic-git heads`` (in-process: a subprocess per example would be too slow)."""
    result = run_cli(project, "heads")
    assert result.returncode == 0, result.stderr
    return result.stdout


_LABELS = re.compile(r" \(([^()]*)\)(?= \((?:effective )?head\)$)")


def sort_label_lists(text: str) -> str:
    """Alembic prints a head's labels from a set (order depends on PYTHONHASHSEED);
    we print them sorted.  Compare with Alembic's labels sorted."""
    return "\n".join(
        _LABELS.sub(lambda m: " (" + ", ".join(sorted(m.group(1).split(", "))) + ")", line)
        for line in text.split("\n")
    )


@contextlib.contextmanager
def project_dir(recursive: bool = False) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="oracle-") as tmp:
        yield bare_project(Path(tmp), recursive)


def assert_agrees(project: Path) -> RevisionGraph:
    graph = our_graph(project)
    script = theirs(project)
    assert our_facts(graph) == alembic_facts(script)
    assert graph.effective_heads == tuple(h for h in graph.heads if h not in graph.real_heads)
    return graph


# ---------------------------------------------------------------------------
# Random graphs Alembic accepts

_HEX = "0123456789abcdef"


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    n = draw(st.integers(min_value=1, max_value=12))
    # Random ids, so the file (load) order is unrelated to the topological order.
    ids = draw(
        st.lists(
            st.text(_HEX, min_size=6, max_size=12),
            min_size=n,
            max_size=n,
            unique_by=lambda s: s[:6],  # distinct, and no id a prefix of another
        )
    )
    label_names = iter(f"lbl{i}" for i in range(100))
    revs: list[Rev] = []
    label_owner: list[tuple[str, str]] = []  # (label, revision)
    for i, rev in enumerate(ids):
        earlier = [r.rev for r in revs]
        if i == 0 or draw(st.integers(0, 5)) == 0:
            down: tuple[str, ...] = ()  # another base
        else:
            k = draw(st.sampled_from([1, 1, 1, 2, 2, 3]))
            down = tuple(
                draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=k, unique=True))
            )
        labels: tuple[str, ...] = ()
        if draw(st.integers(0, 3)) == 0:
            labels = tuple(next(label_names) for _ in range(draw(st.integers(1, 2))))
        deps: list[str] = []
        if earlier and draw(st.integers(0, 3)) == 0:
            targets = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
            for t in targets:
                by_label = [lbl for lbl, owner in label_owner if owner == t]
                deps.append(by_label[0] if by_label and draw(st.booleans()) else t)
        revs.append(
            Rev(
                rev,
                down,
                labels,
                tuple(deps),
                style=draw(st.sampled_from(["modern", "classic"])),
                quote=draw(st.sampled_from(["'", '"'])),
                crlf=draw(st.booleans()),
            )
        )
        label_owner.extend((lbl, rev) for lbl in labels)
    return Shape(revs)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(shapes())
def test_random_graphs_agree_with_alembics_revision_map(shape: Shape) -> None:
    with project_dir() as project:
        write_shape(project, shape)
        graph = assert_agrees(project)
        assert len(graph.revisions) == len(shape.revs)
        assert sort_label_lists(our_heads_text(project)) == sort_label_lists(
            alembic_heads_text(theirs(project))
        )


FOLDERS = ["", "", "a", "a/b", "a-b", "a.b", "B", "__pycache__x", "z/y"]


@st.composite
def nested_shapes(draw: st.DrawFn) -> Shape:
    shape = draw(shapes())
    for r in shape.revs:
        r.folder = draw(st.sampled_from(FOLDERS))
    return shape


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(nested_shapes())
def test_recursive_folders_in_the_working_tree_and_in_a_commit_agree_with_alembic(
    shape: Shape,
) -> None:
    # Heads come in load order: Alembic's os.walk (files sorted, then sub-folders
    # sorted), which a commit's tree listing must reproduce.
    with project_dir(recursive=True) as project:
        write_shape(project, shape)
        git(project, "init", "-q")
        commit_all(project, "revisions")
        expected = alembic_facts(theirs(project))
        assert our_facts(our_graph(project)) == expected
        repo = Repo.discover(project)
        assert repo is not None
        try:
            commit = CommitSource(repo, "HEAD", "commit HEAD")
            assert our_facts(our_graph(project, commit)) == expected
        finally:
            repo.close()


# ---------------------------------------------------------------------------
# Alembic's tricky shapes, one by one


def build(project: Path, *revs: Rev) -> RevisionGraph:
    write_shape(project, Shape(list(revs)))
    return assert_agrees(project)


def test_a_head_another_revision_depends_on_is_an_effective_head(project: Path) -> None:
    graph = build(
        project,
        Rev("aaa111"),
        Rev("bbb222", ("aaa111",)),
        Rev("ccc333", ("aaa111",), depends_on=("bbb222",)),
    )
    assert graph.heads == ("bbb222", "ccc333")
    assert graph.real_heads == ("ccc333",)
    assert graph.effective_heads == ("bbb222",)
    theirs_out = alembic_cli(project, "heads")
    ours_out = run_cli(project, "heads")
    assert ours_out.returncode == theirs_out.returncode == 0
    assert ours_out.stdout == theirs_out.stdout == "bbb222 (effective head)\nccc333 (head)\n"


def test_multiple_bases_with_cross_dependencies(project: Path) -> None:
    graph = build(
        project,
        Rev("a1a1a1", labels=("app",)),
        Rev("a2a2a2", ("a1a1a1",)),
        Rev("b1b1b1", labels=("plugin",), depends_on=("a1a1a1",)),
        Rev("b2b2b2", ("b1b1b1",), depends_on=("a2a2a2",)),
        Rev("c1c1c1"),
    )
    assert graph.bases == ("a1a1a1", "b1b1b1", "c1c1c1")
    assert graph.real_bases == ("a1a1a1", "c1c1c1")
    assert graph.heads == ("a2a2a2", "b2b2b2", "c1c1c1")
    assert graph.real_heads == ("b2b2b2", "c1c1c1")
    assert_heads_print_as_alembics(project)


def test_expand_contract_labels_one_head_per_label(project: Path) -> None:
    graph = build(
        project,
        Rev("1c0f5e3a7b29"),
        Rev("4e8b2d6f0c17", ("1c0f5e3a7b29",)),
        Rev("6a3f9d1e4b82", ("4e8b2d6f0c17",), labels=("expand",)),
        Rev("9d2b7c5e1f40", ("6a3f9d1e4b82",)),
        Rev("f07c4a2e9b13", ("4e8b2d6f0c17",), labels=("contract",)),
        Rev("3b5e0a8c6d71", ("f07c4a2e9b13",)),
    )
    assert graph.heads == ("3b5e0a8c6d71", "9d2b7c5e1f40")
    assert graph.labels["9d2b7c5e1f40"] == {"expand"}
    assert graph.labels["3b5e0a8c6d71"] == {"contract"}
    assert graph.labels["4e8b2d6f0c17"] == set()  # the branch point keeps no label
    assert_heads_print_as_alembics(project)


def test_a_label_propagates_to_ancestors_up_to_the_branch_point(project: Path) -> None:
    # base -> fork -> {x1 -> x2 -> x3(label 'x'), y1}: x1 and x2 get 'x', fork does not.
    graph = build(
        project,
        Rev("b0b0b0"),
        Rev("f0f0f0", ("b0b0b0",)),
        Rev("a1a1a1", ("f0f0f0",)),
        Rev("a2a2a2", ("a1a1a1",)),
        Rev("a3a3a3", ("a2a2a2",), labels=("x",)),
        Rev("c1c1c1", ("f0f0f0",)),
    )
    assert {r for r, v in graph.labels.items() if "x" in v} == {"a1a1a1", "a2a2a2", "a3a3a3"}


def test_a_label_propagates_down_to_the_base_of_a_plain_chain(project: Path) -> None:
    graph = build(
        project,
        Rev("b0b0b0"),
        Rev("a1a1a1", ("b0b0b0",), labels=("x",)),
        Rev("a2a2a2", ("a1a1a1",)),
    )
    assert graph.labels == {r: {"x"} for r in ("b0b0b0", "a1a1a1", "a2a2a2")}


def test_a_label_stops_at_a_merge_point_below_it(project: Path) -> None:
    graph = build(
        project,
        Rev("b0b0b0"),
        Rev("c1c1c1"),
        Rev("d0d0d0", ("b0b0b0", "c1c1c1")),
        Rev("a1a1a1", ("d0d0d0",), labels=("x",)),
    )
    assert graph.labels["d0d0d0"] == set()
    assert graph.labels["a1a1a1"] == {"x"}


def test_a_label_whose_descendants_fork_does_not_propagate_upward(project: Path) -> None:
    graph = build(
        project,
        Rev("b0b0b0"),
        Rev("a1a1a1", ("b0b0b0",), labels=("x",)),
        Rev("a2a2a2", ("a1a1a1",)),
        Rev("a3a3a3", ("a1a1a1",)),
    )
    assert graph.labels["b0b0b0"] == set()
    assert graph.labels["a2a2a2"] == graph.labels["a3a3a3"] == {"x"}


def test_a_dependency_child_stops_upward_propagation(project: Path) -> None:
    # a1 has one versioned child and one depends_on child: a *real* branch point.
    graph = build(
        project,
        Rev("b0b0b0"),
        Rev("a1a1a1", ("b0b0b0",)),
        Rev("a2a2a2", ("a1a1a1",), labels=("x",)),
        Rev("c0c0c0", depends_on=("a1a1a1",)),
    )
    assert graph.labels["a1a1a1"] == set()
    assert graph.labels["a2a2a2"] == {"x"}
    assert not graph.is_branch_point("a1a1a1")
    assert graph.is_real_branch_point("a1a1a1")


def test_depends_on_by_branch_label_resolves_to_the_labelled_revision(project: Path) -> None:
    graph = build(
        project,
        Rev("a1a1a1", labels=("core",)),
        Rev("a2a2a2", ("a1a1a1",)),
        Rev("b1b1b1", depends_on=("core",)),
    )
    assert graph.dependencies["b1b1b1"] == ("a1a1a1",)
    # a1 is named by a depends_on, but a2 is the head; depending on a label
    # means depending on the revision that declares it, not on the label's head.
    assert graph.heads == ("a2a2a2", "b1b1b1")
    assert graph.real_heads == ("a2a2a2", "b1b1b1")
    assert graph.real_bases == ("a1a1a1",)
    assert_heads_print_as_alembics(project)


def test_an_effective_head_through_a_label_dependency(project: Path) -> None:
    graph = build(
        project,
        Rev("a1a1a1", labels=("core",)),
        Rev("b1b1b1", depends_on=("core",)),
    )
    assert graph.effective_heads == ("a1a1a1",)
    assert_heads_print_as_alembics(project)


def test_heads_keep_alembics_file_order_not_creation_order(project: Path) -> None:
    graph = build(
        project,
        Rev("ffff01"),
        Rev("eeee02", ("ffff01",)),
        Rev("0000aa", ("ffff01",)),
        Rev("9999bb", ("ffff01",)),
    )
    assert graph.heads == ("0000aa", "9999bb", "eeee02")
    assert_heads_print_as_alembics(project)


def assert_heads_print_as_alembics(project: Path) -> None:
    theirs_out = alembic_cli(project, "heads")
    ours_out = run_cli(project, "heads")
    assert theirs_out.returncode == 0, theirs_out.stderr
    assert ours_out.returncode == 0, ours_out.stderr
    assert ours_out.stdout == theirs_out.stdout


@pytest.mark.parametrize("style", ["modern", "classic"])
def test_merge_of_three_parents_in_crlf_files(project: Path, style: str) -> None:
    revs: Sequence[Rev] = [
        Rev("b0b0b0", style=style, crlf=True),
        Rev("a1a1a1", ("b0b0b0",), style=style, crlf=True, quote='"'),
        Rev("a2a2a2", ("b0b0b0",), style=style, crlf=True),
        Rev("a3a3a3", ("b0b0b0",), style=style, crlf=True, quote='"'),
        Rev("dddddd", ("a1a1a1", "a2a2a2", "a3a3a3"), style=style, crlf=True),
    ]
    graph = build(project, *revs)
    assert graph.merge_points == ("dddddd",)
    assert graph.branch_points == ("b0b0b0",)
    assert graph.heads == ("dddddd",)
