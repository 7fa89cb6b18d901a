"""The reader never guesses: a binding of revision, down_revision, branch_labels or
depends_on (or of a constant their value is computed from) other than one plain top-level
assignment is exit 2 with file:line and what to write instead.

Every file here is valid Python that Alembic imports without complaint, and for each one
we show the value Alembic loads: a static reader that took the top-level assignment would
have reported a different graph.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from support.repo import alembic_script_directory, run_cli

from alembic_git.revisions.reader import parse

VERSIONS = "migrations/versions"
BASE = b'"""base"""\nrevision = "aaa111"\ndown_revision = None\n'
FILE = "migrations/versions/bbb222_case.py"


def write_one(field: str) -> str:
    return (
        f"write one top-level `{field} = ...` holding the value Alembic should load (a string, "
        "a tuple of strings, or None); alembic-git reads files without running them"
    )


def computed(name: str, field: str) -> str:
    return f"bind {name} once, in a top-level assignment, or {write_one(field)}"


DYNAMIC = "move it into upgrade()/downgrade(), or out of the revision file"


def dynamic(what: str) -> str:
    return (
        f"{what} in code that runs on import can change revision, down_revision, "
        "branch_labels or depends_on behind alembic-git's back"
    )


# name -> (file, line, message, hint, what Alembic loads for bbb222: (down, depends_on))
REFUSED: dict[str, tuple[bytes, int, str, str, tuple[Any, Any]]] = {
    "inside an if": (
        b'"""x"""\nimport os\nrevision = "bbb222"\ndown_revision = None\n'
        b'if os.sep == "/":\n    down_revision = "aaa111"\n',
        6,
        "down_revision is bound by an assignment inside the `if` block at line 5",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "inside a try": (
        b'"""x"""\nrevision = "bbb222"\ntry:\n    down_revision = "aaa111"\n'
        b"except ImportError:\n    down_revision = None\n",
        4,
        "down_revision is bound by an assignment inside the `try` block at line 3",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "inside a for": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\nfor _ in range(1):\n'
        b'    depends_on = "aaa111"\n',
        5,
        "depends_on is bound by an assignment inside the `for` block at line 4",
        write_one("depends_on"),
        ("aaa111", "aaa111"),
    ),
    "inside a while": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\nwhile True:\n'
        b'    depends_on = ("aaa111",)\n    break\n',
        5,
        "depends_on is bound by an assignment inside the `while` block at line 4",
        write_one("depends_on"),
        ("aaa111", ("aaa111",)),
    ),
    "inside a with": (
        b'"""x"""\nimport contextlib\nrevision = "bbb222"\ndown_revision = None\n'
        b'with contextlib.suppress(Exception):\n    down_revision = "aaa111"\n',
        6,
        "down_revision is bound by an assignment inside the `with` block at line 5",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "inside a match": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\nmatch 1:\n    case 1:\n'
        b'        down_revision = "aaa111"\n',
        6,
        "down_revision is bound by an assignment inside the `match` block at line 4",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "a walrus": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\n'
        b'print((down_revision := "aaa111"), end="")\n',
        4,
        "down_revision is bound by a walrus (`:=`)",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "tuple unpacking": (
        b'"""x"""\nrevision, down_revision = "bbb222", "aaa111"\n',
        2,
        "down_revision is bound by tuple unpacking",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "augmented assignment of the field": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\ndepends_on = []\n'
        b'depends_on += ["aaa111"]\n',
        5,
        "depends_on is bound by an augmented assignment (`+=`)",
        write_one("depends_on"),
        ("aaa111", ("aaa111",)),
    ),
    "the Invenio pattern: deps += [...] inside try": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\ndeps = []\ntry:\n'
        b"    import json  # noqa\n    deps += ['aaa111']\nexcept ImportError:\n    pass\n"
        b"depends_on = deps\n",
        7,
        "depends_on is computed from deps, which is bound by an augmented assignment (`+=`) "
        "inside the `try` block at line 5",
        computed("deps", "depends_on"),
        ("aaa111", ("aaa111",)),
    ),
    "del": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\nbranch_labels = ("x",)\n'
        b"del branch_labels\n",
        5,
        "branch_labels is bound by `del`",
        write_one("branch_labels"),
        ("aaa111", None),
    ),
    "globals()[...]": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\n'
        b'globals()["down_revision"] = "aaa111"\n',
        4,
        dynamic("`globals`"),
        DYNAMIC,
        ("aaa111", None),
    ),
    "sys.modules[__name__]": (
        b'"""x"""\nimport sys\nrevision = "bbb222"\ndown_revision = None\n'
        b'sys.modules[__name__].down_revision = "aaa111"\n',
        5,
        dynamic("`.modules`"),
        DYNAMIC,
        None,  # Alembic does not register the module there: this one fails (KeyError)
    ),
    "vars()[...]": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\nvars()["down_revision"] = "aaa111"\n',
        4,
        dynamic("`vars`"),
        DYNAMIC,
        ("aaa111", None),
    ),
    "exec in a function the module calls": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\n\ndef _setup():\n'
        b"    exec(\"down_revision = 'aaa111'\", globals())\n\n_setup()\n",
        6,
        dynamic("`exec`"),
        DYNAMIC,
        ("aaa111", None),
    ),
    "globals() in a method of a class the module uses": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\n\nclass _Setup:\n'
        b'    def run(self):\n        globals()["down_revision"] = "aaa111"\n\n_Setup().run()\n',
        7,
        dynamic("`globals`"),
        DYNAMIC,
        ("aaa111", None),
    ),
    "a global declaration in a function the module calls": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\n\ndef _setup():\n'
        b'    global down_revision\n    down_revision = "aaa111"\n\n_setup()\n',
        6,
        "down_revision is bound by a `global` declaration",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "a for loop variable": (
        b'"""x"""\nrevision = "bbb222"\nfor down_revision in ["aaa111"]:\n    pass\n',
        3,
        "down_revision is bound by a `for` loop variable",
        write_one("down_revision"),
        ("aaa111", None),
    ),
    "import x as revision": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\n'
        b"from string import digits as depends_on\n",
        4,
        "depends_on is bound by `from string import digits`",
        write_one("depends_on"),
        None,  # Alembic then depends on ten revisions named '0' … '9'
    ),
    "a def named so": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\n\n'
        b"def branch_labels():\n    pass\n",
        5,
        "branch_labels is bound by `def branch_labels`",
        write_one("branch_labels"),
        None,  # a function as a label: Alembic fails later, on use
    ),
    "a constant bound twice": (
        b'"""x"""\nPARENT = None\nPARENT = "aaa111"\nrevision = "bbb222"\ndown_revision = PARENT\n',
        3,
        "down_revision is computed from PARENT, which is bound 2 times (lines 2, 3)",
        computed("PARENT", "down_revision"),
        ("aaa111", None),
    ),
    "a constant bound inside an if": (
        b'"""x"""\nimport os\nPARENT = None\nif os.sep:\n    PARENT = "aaa111"\n'
        b'revision = "bbb222"\ndown_revision = PARENT\n',
        5,
        "down_revision is computed from PARENT, which is bound by an assignment inside "
        "the `if` block at line 4",
        computed("PARENT", "down_revision"),
        ("aaa111", None),
    ),
    "a star import after the fields": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = None\nbranch_labels = None\n'
        b"depends_on = None\nfrom os.path import *\n",
        6,
        "`from … import *` may bind revision, down_revision, branch_labels, depends_on",
        "import the names you use by name",
        (None, None),
    ),
    "a module __getattr__ when depends_on is not assigned": (
        b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\nbranch_labels = None\n\n'
        b"def __getattr__(name):\n    return 'aaa111' if name == 'depends_on' else None\n",
        6,
        "a module `__getattr__` answers for depends_on, which Alembic reads with getattr()",
        "assign depends_on = None",
        ("aaa111", "aaa111"),
    ),
}


def what_alembic_loads(project: Path) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        script = alembic_script_directory(project)
        (module,) = [s.module for s in script._load_revisions() if s.revision == "bbb222"]
    return module.down_revision, getattr(module, "depends_on", None)


def normalized(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_binding_the_reader_cannot_prove_is_exit_2_naming_the_line(
    project: Path, case: str
) -> None:
    data, line, message, hint, alembic_loads = REFUSED[case]
    (project / VERSIONS / "aaa111_base.py").write_bytes(BASE)
    (project / VERSIONS / "bbb222_case.py").write_bytes(data)
    if alembic_loads is not None:
        down, deps = what_alembic_loads(project)
        assert (down, normalized(deps)) == alembic_loads
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"alembic-git: error: {FILE}:{line}: {message}; {hint}\n"


def test_the_refusal_survives_the_parse_cache(project: Path) -> None:
    data = REFUSED["the Invenio pattern: deps += [...] inside try"][0]
    (project / VERSIONS / "aaa111_base.py").write_bytes(BASE)
    (project / VERSIONS / "bbb222_case.py").write_bytes(data)
    first, second = run_cli(project, "heads"), run_cli(project, "heads")
    assert list((project / ".git" / "alembic-git").glob("parse-v*"))  # the second run hit it
    assert first.returncode == second.returncode == 2
    assert first.stderr == second.stderr


def test_a_constant_bound_twice_in_an_imported_module_is_refused(project: Path) -> None:
    (project / "myapp").mkdir()
    (project / "myapp" / "__init__.py").write_text("", encoding="utf-8")
    (project / "myapp" / "names.py").write_text(
        "import os\nLABEL = 'one'\nif os.sep:\n    LABEL = 'two'\n", encoding="utf-8"
    )
    (project / VERSIONS / "aaa111_base.py").write_bytes(BASE)
    (project / VERSIONS / "bbb222_case.py").write_bytes(
        b'"""x"""\nfrom myapp.names import LABEL\nrevision = "bbb222"\n'
        b'down_revision = "aaa111"\nbranch_labels = (LABEL,)\n'
    )
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"alembic-git: error: {FILE}:5: branch_labels = myapp.names.LABEL cannot be read "
        "statically; in its module, LABEL is bound by an assignment inside the `if` block at "
        "line 3 (alembic-git never imports migrations)\n"
    )


def test_every_other_top_level_form_is_accepted() -> None:
    # No refusal for the forms projects write every day.
    parsed = parse(
        b'"""m"""\nfrom typing import Sequence, Union\nimport sqlalchemy as sa\n'
        b'from alembic import op\n\nrevision: str = "bbb222"\n'
        b'down_revision: Union[str, None] = "aaa111"\n'
        b"branch_labels: Union[str, Sequence[str], None] = None\n"
        b"depends_on: Union[str, Sequence[str], None] = None\n\n\ndef upgrade() -> None:\n"
        b"    op.add_column('t', sa.Column('c', sa.Integer()))\n"
        b"    for revision in range(3):\n        globals()\n\n\ndef downgrade() -> None:\n"
        b"    op.drop_column('t', 'c')\n"
    )
    assert parsed.refusal is None
