"""Every value form Alembic accepts is read as Alembic reads it; every form Alembic fails on
is exit 2 naming file:line.

Each case writes a base ``aaa111`` and a revision ``bbb222`` whose header uses one form,
then asks Alembic (``ScriptDirectory``, which imports the files) and alembic-git (static)
for heads, down revisions, branch labels and dependencies.  The forms come from Alembic's
``Script.__init__`` (``to_tuple(getattr(module, "depends_on", None), default=())``) and
``Revision.__init__`` (``tuple_rev_as_scalar(to_tuple(...))``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from support.ours import our_graph
from support.repo import alembic_cli, alembic_script_directory, run_cli

VERSIONS = "migrations/versions"
BASE = b'"""base"""\nrevision = "aaa111"\ndown_revision = None\n'
HEAD = b'"""case"""\nrevision = "bbb222"\n'


def write_case(project: Path, body: bytes, base: bytes = BASE) -> None:
    """``body`` follows ``revision = "bbb222"``, or is the whole file when it has a docstring."""
    (project / VERSIONS / "aaa111_base.py").write_bytes(base)
    whole = body if body.startswith(b'"""') else HEAD + body
    (project / VERSIONS / "bbb222_case.py").write_bytes(whole)


def alembic_view(project: Path) -> dict[str, Any]:
    from alembic.util import to_tuple

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        script = alembic_script_directory(project)
        rm = script.revision_map
        revs = {k: r for k, r in rm._revision_map.items() if r is not None and k == r.revision}
        return {
            "heads": sorted(rm.heads),
            "real_heads": sorted(rm._real_heads),
            "revisions": {
                k: (
                    to_tuple(r.down_revision, default=()),
                    tuple(sorted(r.branch_labels)),
                    tuple(r._resolved_dependencies),
                )
                for k, r in revs.items()
            },
        }


def our_view(project: Path) -> dict[str, Any]:
    graph = our_graph(project)
    return {
        "heads": sorted(graph.heads),
        "real_heads": sorted(graph.real_heads),
        "revisions": {
            rev: (f.down_revisions, tuple(sorted(graph.labels[rev])), graph.dependencies[rev])
            for rev, f in graph.revisions.items()
        },
    }


ACCEPTED: dict[str, bytes] = {
    "depends_on = '' on a revision with a parent: no dependency": (
        b'down_revision = "aaa111"\ndepends_on = ""\n'
    ),
    "depends_on = ('',) on a revision with a parent: no dependency": (
        b'down_revision = "aaa111"\ndepends_on = ("",)\n'
    ),
    "depends_on = [] on a base": b"down_revision = None\ndepends_on = []\n",
    "depends_on = () on a base": b"down_revision = None\ndepends_on = ()\n",
    "depends_on = None": b'down_revision = "aaa111"\ndepends_on = None\n',
    "depends_on as a bare string": b'down_revision = None\ndepends_on = "aaa111"\n',
    "depends_on as a list": b'down_revision = None\ndepends_on = ["aaa111"]\n',
    "depends_on nested once, ((id,),)": b'down_revision = None\ndepends_on = (("aaa111",),)\n',
    "depends_on naming one id twice": b'down_revision = None\ndepends_on = ("aaa111", "aaa111")\n',
    "branch_labels = ''": b'down_revision = "aaa111"\nbranch_labels = ""\n',
    "branch_labels = ()": b'down_revision = "aaa111"\nbranch_labels = ()\n',
    "branch_labels = []": b'down_revision = "aaa111"\nbranch_labels = []\n',
    "branch_labels = None": b'down_revision = "aaa111"\nbranch_labels = None\n',
    "branch_labels as a bare string": b'down_revision = "aaa111"\nbranch_labels = "feature"\n',
    "branch_labels as a list of two": b'down_revision = "aaa111"\nbranch_labels = ["a", "b"]\n',
    "down_revision = ()": b"down_revision = ()\n",
    "down_revision = []": b"down_revision = []\n",
    "down_revision = (None,)": b"down_revision = (None,)\n",
    "down_revision as a one-element list": b'down_revision = ["aaa111"]\n',
    "down_revision nested once, ((id,),)": b'down_revision = (("aaa111",),)\n',
    "down_revision naming one parent twice": b'down_revision = ("aaa111", "aaa111")\n',
    "down_revision in parentheses, not a tuple": b'down_revision = ("aaa111")\n',
    "a tuple without parentheses": b'down_revision = "aaa111",\n',
    "implicit string concatenation": b'down_revision = "aaa" "111"\n',
    "annotated assignments": (
        b'down_revision: str | None = "aaa111"\nbranch_labels: tuple[str, ...] = ("x",)\n'
    ),
    "an annotation without a value binds nothing": (b'depends_on: str\ndown_revision = "aaa111"\n'),
    "a second top-level assignment: the module keeps the last": (
        b'down_revision = None\nbranch_labels = ("old",)\ndown_revision = "aaa111"\n'
        b'branch_labels = ("new",)\n'
    ),
    "one assignment naming two fields": b'down_revision = depends_on = "aaa111"\n',
    "a constant bound once, used twice": (
        b'PARENT = "aaa111"\ndown_revision = PARENT\ndepends_on = (PARENT,)\n'
    ),
    "a constant tuple, and a field read from another field": (
        b'LABELS = ("a", "b")\ndown_revision = "aaa111"\nbranch_labels = LABELS\n'
        b"depends_on = down_revision\n"
    ),
    "names in a class body and in functions are not the module's": (
        b'down_revision = "aaa111"\n\nclass Model:\n    revision = "zzz"\n    depends_on = "x"\n\n'
        b"def upgrade():\n    down_revision = None\n    for branch_labels in range(2):\n"
        b"        pass\n    return down_revision\n"
    ),
    "a comprehension variable is the comprehension's own": (
        b'down_revision = "aaa111"\n_ = [depends_on for depends_on in "xy"]\n'
    ),
    "exec and setattr inside upgrade(), which import does not run": (
        b'down_revision = "aaa111"\n\ndef upgrade():\n    exec("x = 1")\n'
        b'    setattr(object, "revision", 1)\n'
    ),
    "sys.path at module level": (
        b'import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\ndown_revision = "aaa111"\n'
    ),
    "a star import before every field is assigned": (
        b'"""star"""\nfrom os.path import *\nrevision = "bbb222"\ndown_revision = "aaa111"\n'
        b"branch_labels = None\ndepends_on = None\n"
    ),
    "a module __getattr__ when every field is assigned": (
        b'down_revision = "aaa111"\nbranch_labels = None\ndepends_on = None\n\n'
        b"def __getattr__(name):\n    return ('zzz',)\n"
    ),
    "if/try blocks that bind other names": (
        b"try:\n    import json\nexcept ImportError:\n    json = None\nif json:\n    X = 1\n"
        b'down_revision = "aaa111"\n'
    ),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_a_form_alembic_accepts_reads_as_alembic_reads_it(project: Path, case: str) -> None:
    write_case(project, ACCEPTED[case])
    theirs = alembic_view(project)
    assert our_view(project) == theirs


def test_empty_depends_on_is_no_dependency_yet_keeps_the_parent_a_head(project: Path) -> None:
    # The Invenio-era form: depends_on = "" is falsy, so RevisionMap follows nothing.
    write_case(project, b'down_revision = "aaa111"\ndepends_on = ""\n')
    ours = our_view(project)
    assert ours["revisions"]["bbb222"] == (("aaa111",), (), ())
    assert ours == alembic_view(project)


# Forms Alembic fails on: we say so, exit 2, with the file and line.
FAILING: dict[str, tuple[bytes, str, str]] = {
    "down_revision = ''": (
        b'down_revision = ""\n',
        "KeyError",
        "3: down_revision = '': Alembic looks for a revision named '' and fails "
        "(KeyError: ''); write down_revision = None for a base, or the parent's id",
    ),
    "down_revision = ('',)": (
        b'down_revision = ("",)\n',
        "KeyError",
        "3: down_revision = ('',): Alembic looks for a revision named '' and fails "
        "(KeyError: ''); write down_revision = None for a base, or the parent's id",
    ),
    "depends_on = '' on a base": (
        b'down_revision = None\ndepends_on = ""\n',
        "DependencyCycleDetected",
        "4: depends_on = '': on a base revision Alembic fails with DependencyCycleDetected; "
        "write depends_on = None",
    ),
    "depends_on with two empty strings": (
        b'down_revision = "aaa111"\ndepends_on = ("", "")\n',
        "KeyError",
        "4: depends_on = ('', ''): Alembic looks for a revision named '' and fails "
        "(KeyError: ''); remove the empty string",
    ),
    "a nested tuple beside an id": (
        b'down_revision = (("aaa111",), "aaa111")\n',
        "TypeError",
        "3: down_revision = (('aaa111',), 'aaa111'): Alembic reads ('aaa111',) as one id and "
        "fails; use a string, a flat tuple of strings, or None",
    ),
    "a nested branch label": (
        b'down_revision = "aaa111"\nbranch_labels = (("x",),)\n',
        "TypeError",
        "4: branch_labels = (('x',),): Alembic reads ('x',) as one id and fails; use a "
        "string, a flat tuple of strings, or None",
    ),
    "a label repeated in one revision": (
        b'down_revision = "aaa111"\nbranch_labels = ("x", "x")\n',
        "RevisionError",
        "4: branch label 'x' in revision bbb222 is already used by revision bbb222 "
        "(migrations/versions/bbb222_case.py:2); branch labels must be unique and differ "
        "from every revision id",
    ),
}


@pytest.mark.parametrize("case", list(FAILING))
def test_a_form_alembic_fails_on_is_exit_2_with_file_and_line(project: Path, case: str) -> None:
    body, alembic_error, message = FAILING[case]
    write_case(project, body)
    theirs = alembic_cli(project, "heads")
    assert theirs.returncode != 0
    assert theirs.stderr.strip().splitlines()[-1].split(":")[0].endswith(alembic_error)
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"alembic-git: error: migrations/versions/bbb222_case.py:{message}\n")


def test_a_tuple_revision_id_is_refused_where_alembic_cannot_find_it(project: Path) -> None:
    write_case(project, b"")
    (project / VERSIONS / "bbb222_case.py").write_bytes(
        b'"""case"""\nrevision = ("bbb222",)\ndown_revision = "aaa111"\n'
    )
    theirs = alembic_view(project)
    assert ("bbb222",) in theirs["revisions"]  # a tuple key nobody can name
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "alembic-git: error: migrations/versions/bbb222_case.py:2: revision = ('bbb222',): "
        "revision must be one string; write revision = '<id>'\n"
    )
