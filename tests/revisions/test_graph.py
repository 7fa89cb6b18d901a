"""Broken graphs and the conflict rule.

Every broken graph is an error: exit 2, nothing on stdout, one line on stderr
naming the file(s) and line.  Beside each, what Alembic itself does with the
same files (loaded in-process: a warning, a bare ``KeyError`` or its own
error), to document where we are stricter.

Then the conflict rule (``analysis.conflict_groups``, ``alembic-git check``):
heads conflict when they share a branch label or when more than one has no
label; ``--strict`` makes any second head a conflict.  Where it is cheap, the
real ``alembic upgrade`` confirms that a conflict is one.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from alembic.script.revision import (
    CycleDetected,
    DependencyCycleDetected,
    DependencyLoopDetected,
    LoopDetected,
    RevisionError,
)
from support.ours import our_graph
from support.repo import add_revision, alembic_cli, alembic_script_directory, run_cli

from alembic_git.revisions.conflicts import conflict_groups, head_groups

V = "migrations/versions"


def the_error(project: Path) -> str:
    """Run ``alembic-git heads``: it must fail with exit 2 and exactly one line on stderr."""
    result = run_cli(project, "heads")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    prefix = "alembic-git: error: "
    assert result.stderr.startswith(prefix)
    return result.stderr[len(prefix) :].rstrip("\n")


def alembic_loads(project: Path) -> tuple[Any, list[str]]:
    """Alembic's revision map for the project, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        script = alembic_script_directory(project)
        rm = script.revision_map
        rm.heads  # noqa: B018 - loads the map
    return rm, [str(w.message) for w in caught]


# --- errors -----------------------------------------------------------------------


def test_a_file_without_down_revision(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    (project / V / "bbb222_x.py").write_text('"""x"""\n\nrevision = "bbb222"\n', encoding="utf-8")
    assert the_error(project) == (
        "migrations/versions/bbb222_x.py:3: no module-level 'down_revision = ...' assignment; "
        "add down_revision = None for a base, or the parent's revision id"
    )
    with pytest.raises(AttributeError, match="has no attribute 'down_revision'"):
        alembic_loads(project)


def test_a_duplicate_revision_id_names_both_files(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "aaa111", None, "again")
    assert the_error(project) == (
        "migrations/versions/aaa111_first.py:15: duplicate revision id 'aaa111', also in "
        "migrations/versions/aaa111_again.py:15; give one of them a new id "
        "(Alembic only warns, and its heads are then wrong)"
    )
    rm, warned = alembic_loads(project)
    assert warned == ["Revision aaa111 is present more than once"]
    assert rm.heads == ("aaa111", "aaa111")


def test_a_duplicate_revision_id_below_a_head_leaves_alembic_a_phantom_head(
    project: Path,
) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "aaa111", None, "again")
    add_revision(project, "bbb222", "aaa111", "child")
    assert the_error(project).startswith(
        "migrations/versions/aaa111_first.py:15: duplicate revision id 'aaa111'"
    )
    rm, _ = alembic_loads(project)
    assert rm.heads == ("aaa111", "bbb222")


def test_a_missing_parent_names_the_file_that_names_it(project: Path) -> None:
    add_revision(project, "aaa111", None, "first")
    add_revision(project, "bbb222", "ccc333", "second")
    assert the_error(project) == (
        "migrations/versions/bbb222_second.py:16: down_revision 'ccc333' of revision bbb222 "
        "is not a revision in this environment; restore the missing file, or point "
        "down_revision at an existing one"
    )
    with warnings.catch_warnings(), pytest.raises(KeyError, match="ccc333"):
        warnings.simplefilter("ignore")  # "Revision ccc333 referenced from ... is not present"
        alembic_loads(project)


def test_an_unknown_depends_on(project: Path) -> None:
    add_revision(project, "aaa111222333", None, "first")
    add_revision(project, "bbb222", "aaa111222333", "second", depends_on="zzz999")
    assert the_error(project) == (
        "migrations/versions/bbb222_second.py:18: depends_on 'zzz999' of revision bbb222 is "
        "not a revision or branch label; name an existing revision id or branch label"
    )
    with pytest.raises(KeyError, match="zzz999"):
        alembic_loads(project)


def test_a_depends_on_prefix_gets_a_hint_with_the_full_id(project: Path) -> None:
    # Alembic resolves depends_on with a plain lookup: a unique prefix is a KeyError.
    add_revision(project, "aaa111222333", None, "first")
    add_revision(project, "bbb222", "aaa111222333", "second", depends_on="aaa111")
    assert the_error(project) == (
        "migrations/versions/bbb222_second.py:18: depends_on 'aaa111' of revision bbb222 is "
        "not a revision or branch label; Alembic reads depends_on only as full ids or branch "
        "labels: write 'aaa111222333'"
    )
    with pytest.raises(KeyError, match="aaa111"):
        alembic_loads(project)


def test_a_cycle(project: Path) -> None:
    add_revision(project, "base00", None, "base")
    add_revision(project, "aaa111", ("base00", "ccc333"), "first")
    add_revision(project, "bbb222", "aaa111", "second")
    add_revision(project, "ccc333", "bbb222", "third")
    assert the_error(project) == (
        "migrations/versions/aaa111_first.py:16: cycle in down_revision: "
        "aaa111 -> ccc333 -> bbb222 -> aaa111; a revision cannot be its own ancestor"
    )
    with pytest.raises(CycleDetected, match=r"Cycle is detected in revisions \(aaa111, base00"):
        alembic_loads(project)


def test_a_cycle_through_depends_on(project: Path) -> None:
    add_revision(project, "aaa111", None, "first", depends_on="bbb222")
    add_revision(project, "bbb222", "aaa111", "second")
    assert the_error(project) == (
        "migrations/versions/aaa111_first.py:16: cycle in down_revision/depends_on: "
        "aaa111 -> bbb222 -> aaa111; a revision cannot be its own ancestor"
    )
    with pytest.raises(DependencyCycleDetected):
        alembic_loads(project)


def test_a_self_loop(project: Path) -> None:
    add_revision(project, "aaa111", "aaa111", "first")
    assert the_error(project) == (
        "migrations/versions/aaa111_first.py:16: revision aaa111 names itself as its down_revision"
    )
    with pytest.raises(LoopDetected, match=r"Self-loop is detected in revisions \(aaa111\)"):
        alembic_loads(project)


def test_a_self_dependency(project: Path) -> None:
    add_revision(project, "aaa111", None, "first", depends_on="aaa111")
    assert the_error(project) == (
        "migrations/versions/aaa111_first.py:18: revision aaa111 depends on itself"
    )
    with pytest.raises(DependencyLoopDetected):
        alembic_loads(project)


def test_a_branch_label_used_twice_names_both_files(project: Path) -> None:
    add_revision(project, "aaa111", None, "first", branch_labels="x")
    add_revision(project, "bbb222", "aaa111", "second", branch_labels="x")
    assert the_error(project) == (
        "migrations/versions/bbb222_second.py:17: branch label 'x' in revision bbb222 is "
        "already used by revision aaa111 (migrations/versions/aaa111_first.py:15); branch "
        "labels must be unique and differ from every revision id"
    )
    with pytest.raises(RevisionError, match=r"Branch name 'x' in revision .* already used by"):
        alembic_loads(project)


def test_a_branch_label_equal_to_a_revision_id(project: Path) -> None:
    add_revision(project, "aaa111", None, "first", branch_labels="bbb222")
    add_revision(project, "bbb222", "aaa111", "second")
    assert the_error(project) == (
        "migrations/versions/aaa111_first.py:17: branch label 'bbb222' in revision aaa111 is "
        "already used by revision bbb222 (migrations/versions/bbb222_second.py:15); branch "
        "labels must be unique and differ from every revision id"
    )
    with pytest.raises(RevisionError, match="Branch name 'bbb222' in revision aaa111"):
        alembic_loads(project)


@pytest.mark.parametrize("char", ["@", "-", "+", ":"])
def test_illegal_characters_in_a_revision_id(project: Path, char: str) -> None:
    add_revision(project, "aaa111", None, "first")
    rev = f"bb{char}b22"
    add_revision(project, rev, "aaa111", "second")
    assert the_error(project) == (
        f"migrations/versions/{rev}_second.py:15: character(s) '{char}' not allowed in "
        f"revision identifier '{rev}'; Alembic reserves @ - + : in revision ids"
    )
    with pytest.raises(
        RevisionError,
        match=f"Character\\(s\\) '\\{char}' not allowed in revision identifier",
    ):
        alembic_loads(project)


# --- the conflict rule -------------------------------------------------------------


def expand_contract(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "bbb222", "aaa111", "expand start", branch_labels="expand")
    add_revision(project, "ccc333", "aaa111", "contract start", branch_labels="contract")


def check(project: Path, *args: str) -> tuple[int, str]:
    result = run_cli(project, "check", *args)
    assert result.stderr == ""
    return result.returncode, result.stdout


def test_two_unlabelled_heads_conflict(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "bbb222", "aaa111", "left")
    add_revision(project, "ccc333", "aaa111", "right")
    (group,) = conflict_groups(our_graph(project))
    assert (group.heads, group.labels, group.fork_points) == (("bbb222", "ccc333"), (), ("aaa111",))
    code, out = check(project)
    assert code == 1
    assert out.startswith(
        "conflict: alembic.ini: 2 heads (`alembic upgrade head` will fail with "
        '"Multiple head revisions are present")\n'
    )
    failed = alembic_cli(project, "upgrade", "head")
    assert "Multiple head revisions are present for given argument 'head'" in failed.stdout


def test_one_head_per_label_is_no_conflict(project: Path) -> None:
    expand_contract(project)
    graph = our_graph(project)
    assert conflict_groups(graph) == []
    assert head_groups(graph) == [("bbb222",), ("ccc333",)]
    assert check(project) == (
        0,
        "ok: alembic.ini: 2 heads, none in conflict: bbb222 (expand), ccc333 (contract)\n",
    )


def test_one_unlabelled_head_beside_labelled_ones_is_no_conflict(project: Path) -> None:
    expand_contract(project)
    add_revision(project, "ddd444", "aaa111", "no label")
    assert check(project) == (
        0,
        "ok: alembic.ini: 3 heads, none in conflict: "
        "bbb222 (expand), ccc333 (contract), ddd444 (no label)\n",
    )
    assert alembic_cli(project, "upgrade", "heads").returncode == 0


def test_two_heads_under_one_label_conflict(project: Path) -> None:
    expand_contract(project)
    add_revision(project, "ddd444", "bbb222", "expand two")
    add_revision(project, "eee555", "bbb222", "expand three")
    (group,) = conflict_groups(our_graph(project))
    assert (group.heads, group.labels, group.fork_points) == (
        ("ddd444", "eee555"),
        ("expand",),
        ("bbb222",),
    )
    code, out = check(project)
    assert code == 1
    assert out == (
        "conflict: alembic.ini: 2 heads under branch label expand (`alembic upgrade "
        'expand@head` will fail with "Multiple head revisions are present")\n'
        "  ddd444  expand two  (migrations/versions/ddd444_expand_two.py:15)\n"
        "  eee555  expand three  (migrations/versions/eee555_expand_three.py:15)\n"
        "  they fork from bbb222 (expand start)\n"
        "fix: alembic-git merge-heads\n"
    )
    failed = alembic_cli(project, "upgrade", "expand@head")
    assert "Multiple head revisions are present for given argument 'expand@head'" in failed.stdout
    assert alembic_cli(project, "upgrade", "contract@head").returncode == 0


def test_an_effective_head_still_conflicts_with_the_real_head(project: Path) -> None:
    # `alembic upgrade head` counts versioned heads, effective ones included.
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "bbb222", "aaa111", "left")
    add_revision(project, "ccc333", "aaa111", "right", depends_on="bbb222")
    (group,) = conflict_groups(our_graph(project))
    assert group.heads == ("bbb222", "ccc333")
    code, out = check(project)
    assert code == 1
    assert "  bbb222  left  [effective head]  (migrations/versions/bbb222_left.py:15)\n" in out
    failed = alembic_cli(project, "upgrade", "head")
    assert "Multiple head revisions are present for given argument 'head'" in failed.stdout


def test_separate_bases_with_their_own_labels_are_no_conflict(project: Path) -> None:
    add_revision(project, "aaa111", None, "app", branch_labels="app")
    add_revision(project, "bbb222", None, "plugin", branch_labels="plugin")
    add_revision(project, "ccc333", "bbb222", "plugin two")
    assert conflict_groups(our_graph(project)) == []
    assert check(project)[0] == 0
    # Two unlabelled bases would be a conflict that shares no ancestor.
    add_revision(project, "ddd444", None, "stray one")
    add_revision(project, "eee555", None, "stray two")
    (group,) = conflict_groups(our_graph(project))
    assert (group.heads, group.fork_points) == (("ddd444", "eee555"), ())
    code, out = check(project)
    assert code == 1
    assert "  they share no ancestor (separate bases)\n" in out


def test_strict_makes_any_second_head_a_conflict(project: Path) -> None:
    expand_contract(project)
    (group,) = conflict_groups(our_graph(project), strict=True)
    assert group.heads == ("bbb222", "ccc333")
    code, out = check(project, "--strict")
    assert code == 1
    assert out.startswith("conflict: alembic.ini: 2 heads (`alembic upgrade head` will fail")
    assert out.endswith("fix: alembic-git merge-heads --strict\n")
    assert check(project)[0] == 0


def test_merge_heads_strict_joins_labelled_heads_into_one(project: Path) -> None:
    expand_contract(project)
    assert run_cli(project, "merge-heads").stdout.startswith("ok: alembic.ini: one head per")
    result = run_cli(project, "merge-heads", "--strict", "--strategy", "merge")
    assert result.returncode == 0, result.stderr
    assert check(project, "--strict")[0] == 0
    assert alembic_cli(project, "upgrade", "head").returncode == 0


def test_check_json_has_status_and_heads(project: Path) -> None:
    expand_contract(project)
    code, out = check(project, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["status"] == "ok"
    assert [(h["revision"], h["branch_labels"]) for h in data["heads"]] == [
        ("bbb222", ["expand"]),
        ("ccc333", ["contract"]),
    ]
    add_revision(project, "ddd444", "aaa111", "unlabelled")
    add_revision(project, "eee555", "aaa111", "unlabelled too")
    code, out = check(project, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["status"] == "conflict"
    assert [h["revision"] for h in data["heads"]] == ["bbb222", "ccc333", "ddd444", "eee555"]
    assert data["conflicts"] == [
        {"heads": ["ddd444", "eee555"], "labels": [], "fork_points": ["aaa111"]}
    ]


def test_check_github_format_annotates_each_conflicting_head(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    add_revision(project, "bbb222", "aaa111", "left")
    add_revision(project, "ccc333", "aaa111", "right")
    code, out = check(project, "--format", "github")
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::error")]
    assert annotations == [
        "::error file=migrations/versions/bbb222_left.py,line=15,title=Multiple Alembic heads::"
        "alembic.ini: revision bbb222 is one of 2 heads (bbb222, ccc333); "
        "fix with: alembic-git merge-heads",
        "::error file=migrations/versions/ccc333_right.py,line=15,title=Multiple Alembic heads::"
        "alembic.ini: revision ccc333 is one of 2 heads (bbb222, ccc333); "
        "fix with: alembic-git merge-heads",
    ]
