"""The static reader, byte by byte, against what Alembic reads by importing the file.

Each shape of revision file is written as raw bytes, read by alembic-git
(``ast``, no import) and by Alembic (``ScriptDirectory``, which imports it),
and the two must agree on ``revision``, ``down_revision``, ``branch_labels``,
``depends_on`` and the message.  The spans the reader records (where a rebase
splices a new parent) must cover exactly the literal in the decoded text.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.ours import our_revision_files
from support.repo import add_revision, alembic_cli, alembic_script_directory, run_cli

from alembic_git.revisions import loader
from alembic_git.revisions.loader import RevisionFile
from alembic_git.revisions.reader import decode_source, parse

VERSIONS = "migrations/versions"
V_FILE = f"{VERSIONS}/bbb222_expand.py"


def ours(project: Path) -> dict[str, RevisionFile]:
    return {f.revision: f for f in our_revision_files(project)}


def alembic_reads(project: Path) -> dict[str, tuple[Any, ...]]:
    """What Alembic reads from each file: (down, labels, depends_on, doc)."""
    from alembic.util import to_tuple

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        script = alembic_script_directory(project)
        revs = script.revision_map._revision_map
    return {
        k: (
            to_tuple(r.down_revision, default=()),
            tuple(r._orig_branch_labels),
            to_tuple(r.dependencies, default=()),
            r.doc,
        )
        for k, r in revs.items()
        if r is not None and k == r.revision
    }


def agree(project: Path) -> dict[str, RevisionFile]:
    files = ours(project)
    assert {
        rev: (f.down_revisions, f.branch_labels, f.depends_on, f.message)
        for rev, f in files.items()
    } == alembic_reads(project)
    return files


def write(project: Path, name: str, data: bytes) -> Path:
    path = project / VERSIONS / name
    path.write_bytes(data)
    return path


def span_text(data: bytes, span: tuple[int, int] | None) -> str:
    assert span is not None
    text, _, _ = decode_source(data)
    return text[span[0] : span[1]]


# --- values: what the assignments say ------------------------------------------

SHAPES: dict[str, bytes] = {
    "plain assignments, single quotes": (
        b'"""plain"""\nrevision = \'bbb222\'\ndown_revision = \'aaa111\'\n'
        b"branch_labels = None\ndepends_on = None\n"
    ),
    "annotated assignments, double quotes": (
        b'"""annotated"""\nfrom typing import Sequence, Union\n\n'
        b'revision: str = "bbb222"\n'
        b'down_revision: Union[str, Sequence[str], None] = "aaa111"\n'
        b'branch_labels: Union[str, Sequence[str], None] = ("feature",)\n'
        b"depends_on: Union[str, Sequence[str], None] = None\n"
    ),
    "a list and a one-element tuple": (
        b'"""lists"""\nrevision = "bbb222"\ndown_revision = ["aaa111"]\n'
        b'branch_labels = ("one",)\ndepends_on = ["aaa111"]\n'
    ),
    "a bare string label and a tuple dependency": (
        b'"""strings"""\nrevision = "bbb222"\ndown_revision = ("aaa111")\n'
        b'branch_labels = "solo"\ndepends_on = ("aaa111",)\n'
    ),
    "a multi-line tuple with comments": (
        b'"""multi"""\nrevision = "bbb222"\ndown_revision = (\n'
        b'    "aaa111",  # the base\n    # nothing else\n)\n'
        b"branch_labels = [\n    'x',\n    'y',  # two labels\n]\n"
    ),
    "CRLF line endings": (
        b'"""crlf\r\n\r\nRevision ID: bbb222\r\nRevises: aaa111\r\n"""\r\n'
        b"revision = 'bbb222'\r\ndown_revision = 'aaa111'\r\nbranch_labels = ('c',)\r\n"
    ),
    "a UTF-8 BOM": (
        b'\xef\xbb\xbf"""bom \xc3\xa9t\xc3\xa9"""\nrevision = "bbb222"\ndown_revision = "aaa111"\n'
    ),
    "a latin-1 coding line and a non-ASCII docstring": (
        b'# -*- coding: latin-1 -*-\n"""Caf\xe9 cr\xe8me\n\nRevision ID: bbb222\n'
        b'Revises: aaa111\n"""\nrevision = "bbb222"\ndown_revision = "aaa111"\n'
    ),
    "constants defined earlier in the same file": (
        b'"""constants"""\nBASE = "aaa111"\nLABEL = "feature"\nLABELS = (LABEL, "other")\n'
        b"revision = 'bbb222'\ndown_revision = BASE\nbranch_labels = LABELS\n"
        b"depends_on = (BASE,)\n"
    ),
    "a later assignment wins, as in the module": (
        b'"""twice"""\nrevision = "bbb222"\ndown_revision = None\ndown_revision = "aaa111"\n'
    ),
    "a multi-target assignment": (
        b'"""multi-target"""\nrevision = "bbb222"\ndown_revision = depends_on = "aaa111"\n'
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_reads_what_alembic_imports(project: Path, shape: str) -> None:
    add_revision(project, "aaa111", None, "base")
    write(project, "bbb222_case.py", SHAPES[shape])
    files = agree(project)
    assert files["bbb222"].down_revisions == ("aaa111",)


def test_a_merge_point_tuple_and_none(project: Path) -> None:
    add_revision(project, "aaa111", None, "base", style="classic")
    add_revision(project, "ccc333", None, "other base", quote='"')
    add_revision(project, "ddd444", ("aaa111", "ccc333"), "merge", crlf=True)
    files = agree(project)
    assert files["aaa111"].down_revisions == ()
    assert files["ddd444"].down_revisions == ("aaa111", "ccc333")


def test_latin1_file_keeps_its_encoding_and_message(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    write(project, "bbb222_case.py", SHAPES["a latin-1 coding line and a non-ASCII docstring"])
    f = agree(project)["bbb222"]
    assert f.message == "Café crème"
    assert f.parsed.encoding == "iso-8859-1"
    assert not f.parsed.bom


def test_bom_is_recorded_and_not_part_of_the_text(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    write(project, "bbb222_case.py", SHAPES["a UTF-8 BOM"])
    f = agree(project)["bbb222"]
    assert f.parsed.bom
    assert f.message == "bom été"


def test_a_hex_only_file_name_may_omit_revision(project: Path) -> None:
    # Alembic's legacy rule: the id comes from a file named only by hex digits.
    add_revision(project, "aaa111", None, "base")
    write(project, "bbb222.py", b'"""legacy"""\ndown_revision = "aaa111"\n')
    files = agree(project)
    assert set(files) == {"aaa111", "bbb222"}
    assert files["bbb222"].line_of("revision") is None


def test_a_file_without_revision_and_a_non_hex_name_is_an_error(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    write(project, "bbb222_no_rev.py", b'"""x"""\ndown_revision = "aaa111"\n')
    theirs = alembic_cli(project, "heads")
    assert "Could not determine revision id from filename bbb222_no_rev.py" in theirs.stdout
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "alembic-git: error: migrations/versions/bbb222_no_rev.py:1: no module-level "
        "'revision = ...' assignment; every revision file needs one (only files named by "
        "hex alone may omit it)\n"
    )


# --- spans: exactly the bytes a rebase may replace ------------------------------


@pytest.mark.parametrize(
    ("data", "literal"),
    [
        (b'revision = "b"\ndown_revision = "aaa111"\n', '"aaa111"'),
        (b"revision = 'b'\r\ndown_revision = 'aaa111'\r\n", "'aaa111'"),
        (b"revision = 'b'\ndown_revision = None  # base\n", "None"),
        (
            b"revision: str = 'b'\n"
            b"down_revision: Union[str, None] = (\n    'a',  # x\n    'c',\n)\n",
            "(\n    'a',  # x\n    'c',\n)",
        ),
        (
            b"revision = 'b'\r\ndown_revision = (\r\n    'a',\r\n    'c',\r\n)\r\n",
            "(\r\n    'a',\r\n    'c',\r\n)",
        ),
        # non-ASCII before the value on the same line: ast columns are UTF-8 bytes
        ('revision = "b"\nnote = "café"; down_revision = "aaa111"\n'.encode(), '"aaa111"'),
        (b'\xef\xbb\xbfrevision = "b"\ndown_revision = "aaa111"\n', '"aaa111"'),
        (
            '# coding: latin-1\n"""Ça"""\nx = "é"; down_revision = "aaa111"\n'.encode("latin-1"),
            '"aaa111"',
        ),
    ],
)
def test_down_revision_span_is_exactly_the_literal(data: bytes, literal: str) -> None:
    parsed = parse(data)
    assert span_text(data, parsed.fields["down_revision"].span) == literal


@pytest.mark.parametrize(
    ("data", "value", "line"),
    [
        (b'"""m\n\nRevision ID: b\nRevises: aaa111\nCreate Date: x\n\n"""\n', "aaa111", 4),
        (b'"""m\r\n\r\nRevision ID: b\r\nRevises: a, c\r\nCreate Date: x\r\n"""\r\n', "a, c", 4),
        # a base: Alembic writes "Revises: " with nothing after it
        (b'"""m\n\nRevision ID: b\nRevises: \nCreate Date: x\n\n"""\n', "", 4),
        (b'"""m\r\n\r\nRevision ID: b\r\nRevises: \r\nCreate Date: x\r\n"""\r\n', "", 4),
        # the last line of the docstring: the value stops before the closing quotes
        (b'"""m\n\nRevision ID: b\nRevises: aaa111"""\n', "aaa111", 4),
        (b"'''m\n\nRevises: aaa111   '''\n", "aaa111", 3),
        ('"""Ça\n\nRevises: aaa111\n"""\n'.encode("utf-8-sig"), "aaa111", 3),
        ('# coding: latin-1\n"""Ça\n\nRevises: aaa111\n"""\n'.encode("latin-1"), "aaa111", 4),
    ],
)
def test_revises_span_is_exactly_the_docstring_value(data: bytes, value: str, line: int) -> None:
    parsed = parse(data + b"revision = 'b'\ndown_revision = 'aaa111'\n")
    assert span_text(data, parsed.revises_span) == value
    assert parsed.revises_line == line


def test_revises_outside_the_docstring_is_not_recorded() -> None:
    parsed = parse(b'"""m"""\n# Revises: aaa111\nrevision = "b"\ndown_revision = "aaa111"\n')
    assert parsed.revises_span is None


# --- errors: one line, file and line, what to do -------------------------------


def run_error(project: Path, name: str, data: bytes) -> str:
    write(project, name, data)
    result = run_cli(project, "heads")
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr.splitlines()) == 1
    return result.stderr


def test_undecodable_bytes_name_the_line(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    data = b'"""x"""\nrevision = "bbb222"\ndown_revision = "aaa111"\nmsg = "\xff"\n'
    assert run_error(project, "bbb222_x.py", data) == (
        "alembic-git: error: migrations/versions/bbb222_x.py:4: cannot decode "
        "(invalid start byte at byte 60); fix the file and run again\n"
    )
    theirs = alembic_cli(project, "heads")
    assert "SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xff" in theirs.stderr


def test_undecodable_bytes_after_a_bom_name_the_right_line(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    data = b'\xef\xbb\xbfrevision = "bbb222"\n\xff = 1\n'
    assert run_error(project, "bbb222_x.py", data) == (
        "alembic-git: error: migrations/versions/bbb222_x.py:2: cannot decode "
        "(invalid start byte at byte 23); fix the file and run again\n"
    )


def test_a_syntax_error_names_its_line(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    data = b'"""x"""\r\nrevision = "bbb222"\r\ndown_revision = "aaa111"\r\n\r\ndef upgrade(:\r\n'
    assert run_error(project, "bbb222_x.py", data) == (
        "alembic-git: error: migrations/versions/bbb222_x.py:5: syntax error: invalid syntax; "
        "fix the file and run again\n"
    )


def test_a_computed_value_says_to_write_a_literal(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    data = b'"""x"""\nrevision = "bbb222"\ndown_revision = get_parent()\n'
    assert run_error(project, "bbb222_x.py", data) == (
        "alembic-git: error: migrations/versions/bbb222_x.py:3: down_revision = get_parent() "
        "cannot be read statically; write the value as a string literal (alembic-git never "
        "imports migrations)\n"
    )


def test_an_import_from_outside_the_repository_says_what_to_do(project: Path) -> None:
    add_revision(project, "aaa111", None, "base")
    data = (
        b'"""x"""\nfrom zz_not_here.consts import LABEL\nrevision = "bbb222"\n'
        b'down_revision = "aaa111"\nbranch_labels = (LABEL,)\n'
    )
    assert run_error(project, "bbb222_x.py", data) == (
        "alembic-git: error: migrations/versions/bbb222_x.py:5: branch_labels = "
        "zz_not_here.consts.LABEL cannot be read statically; make it a string literal, or "
        "keep the constant in a module of this repository\n"
    )
    theirs = alembic_cli(project, "heads")
    assert "ModuleNotFoundError: No module named 'zz_not_here'" in theirs.stderr


# --- imports resolved in the repository (Neutron style) -------------------------


def neutron_project(project: Path) -> None:
    pkg = project / "neutron" / "db" / "migration"
    pkg.mkdir(parents=True)
    for folder in (project / "neutron", project / "neutron" / "db", pkg):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "cli.py").write_text(
        "import os\n\nEXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'contract'\n"
        "MIGRATION_BRANCHES = (EXPAND_BRANCH, CONTRACT_BRANCH)\nBASE = 'aaa111'\n"
        "def unrelated():\n    return os.getcwd()\n",
        encoding="utf-8",
    )
    add_revision(project, "aaa111", None, "base")
    write(
        project,
        "bbb222_expand.py",
        b'"""expand"""\nfrom neutron.db.migration import cli\n\n'
        b"revision = 'bbb222'\ndown_revision = cli.BASE\n"
        b"branch_labels = (cli.EXPAND_BRANCH,)\n",
    )
    write(
        project,
        "ccc333_contract.py",
        b'"""contract"""\nimport neutron.db.migration.cli as m\n'
        b"from neutron.db.migration.cli import BASE as PARENT\n\n"
        b"revision = 'ccc333'\ndown_revision = PARENT\n"
        b"branch_labels = (m.CONTRACT_BRANCH,)\ndepends_on = ('bbb222',)\n",
    )


def test_branch_labels_imported_from_a_module_of_the_repository(project: Path) -> None:
    neutron_project(project)
    files = ours(project)
    assert files["bbb222"].branch_labels == ("expand",)
    assert files["ccc333"].branch_labels == ("contract",)
    assert files["bbb222"].down_revisions == files["ccc333"].down_revisions == ("aaa111",)
    # Alembic imports the files (python -m alembic has the project folder on sys.path).
    theirs = alembic_cli(project, "heads")
    result = run_cli(project, "heads")
    assert theirs.returncode == result.returncode == 0, theirs.stderr
    assert (
        result.stdout
        == theirs.stdout
        == "bbb222 (expand) (effective head)\nccc333 (contract) (head)\n"
    )


def test_a_constant_re_exported_through_imports_and_relative_imports(project: Path) -> None:
    (project / "myapp" / "db").mkdir(parents=True)
    (project / "myapp" / "__init__.py").write_text("", encoding="utf-8")
    (project / "myapp" / "names.py").write_text("EXPAND = 'expand'\n", encoding="utf-8")
    (project / "myapp" / "branches.py").write_text(
        "from .names import EXPAND as EXPAND_BRANCH\n", encoding="utf-8"
    )
    (project / "myapp" / "db" / "__init__.py").write_text(
        "from ..branches import EXPAND_BRANCH\nfrom myapp import names\n", encoding="utf-8"
    )
    add_revision(project, "aaa111", None, "base")
    write(
        project,
        "bbb222_expand.py",
        b'"""expand"""\nfrom myapp.db import EXPAND_BRANCH\nfrom myapp import db\n\n'
        b"revision = 'bbb222'\ndown_revision = 'aaa111'\n"
        b"branch_labels = (EXPAND_BRANCH, db.names.EXPAND + '2')\n",
    )
    # a computed expression is still refused, with the line
    assert run_error(project, "bbb222_expand.py", (project / V_FILE).read_bytes()) == (
        "alembic-git: error: migrations/versions/bbb222_expand.py:7: branch_labels = "
        "db.names.EXPAND + '2' cannot be read statically; write the value as a string "
        "literal (alembic-git never imports migrations)\n"
    )
    (project / V_FILE).write_bytes(
        (project / V_FILE).read_bytes().replace(b", db.names.EXPAND + '2'", b"")
    )
    assert ours(project)["bbb222"].branch_labels == ("expand",)
    theirs, result = alembic_cli(project, "heads"), run_cli(project, "heads")
    assert theirs.returncode == result.returncode == 0, theirs.stderr
    assert result.stdout == theirs.stdout == "bbb222 (expand) (head)\n"


# --- the parse cache --------------------------------------------------------------


def heads_in_process(project: Path) -> str:
    result = run_cli(project, "heads")  # in this process, where the parse is counted
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_second_run_reads_parses_from_the_cache_and_a_changed_file_is_reparsed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_revision(project, "aaa111", None, "base")
    second = add_revision(project, "bbb222", "aaa111", "second")
    add_revision(project, "ccc333", "aaa111", "third")
    parsed: list[int] = []
    real_parse = loader.parse

    def counting_parse(data: bytes) -> Any:
        parsed.append(len(data))
        return real_parse(data)

    monkeypatch.setattr(loader, "parse", counting_parse)
    assert heads_in_process(project) == "bbb222 (head)\nccc333 (head)\n"
    assert len(parsed) == 3
    cache_files = list((project / ".git" / "alembic-git").iterdir())
    assert [p.name for p in cache_files if p.name.startswith("parse-")]
    parsed.clear()
    assert heads_in_process(project) == "bbb222 (head)\nccc333 (head)\n"
    assert parsed == []  # nothing parsed again
    # Same size, same second: only the bytes changed.  Never stale.
    stat = second.stat()
    second.write_bytes(second.read_bytes().replace(b"'aaa111'", b"'ccc333'"))
    os.utime(second, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert second.stat().st_size == stat.st_size
    assert heads_in_process(project) == "bbb222 (head)\n"
    assert len(parsed) == 1
    assert alembic_cli(project, "heads").stdout == "bbb222 (head)\n"


# --- property: any way Alembic's templates (or people) format the header -----------


@dataclass(frozen=True)
class Written:
    data: bytes
    down_literal: str
    revises: str
    parents: tuple[str, ...]


@st.composite
def revision_files(draw: st.DrawFn) -> Written:
    q = draw(st.sampled_from(["'", '"']))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    ann = draw(st.sampled_from(["", ": str", ": Union[str, Sequence[str], None]"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    parents = tuple(draw(st.lists(st.sampled_from(["aaa111", "bbb222", "ccc333"]), unique=True)))
    form = draw(st.sampled_from(["scalar", "tuple", "list", "multiline"]))
    items = [f"{q}{p}{q}" for p in parents]
    if not parents:
        literal = "None"
    elif len(parents) == 1 and form == "scalar":
        literal = items[0]
    elif form == "multiline":
        literal = "(" + nl + "".join(f"    {it},  # parent {i}{nl}" for i, it in enumerate(items))
        literal += ")"
    elif form == "list":
        literal = "[" + ", ".join(items) + "]"
    else:
        literal = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    prefix = draw(st.sampled_from(["", 'note = "é"; ', "x = 1;  "]))
    message = draw(st.sampled_from(["add table", "café crème", "ünïcode, too"]))
    revises = ", ".join(parents)
    if draw(st.booleans()):
        doc = f'"""{message}{nl}{nl}Revision ID: zzz999{nl}Revises: {revises}"""'
    else:
        doc = (
            f'"""{message}{nl}{nl}Revision ID: zzz999{nl}Revises: {revises}{nl}'
            f'Create Date: 2026-11-30 12:00:00{nl}{nl}"""'
        )
    lines = ["# -*- coding: latin-1 -*-"] if encoding == "latin-1" else []
    lines += [
        doc,
        "from typing import Sequence, Union",
        "",
        f"revision{ann} = {q}zzz999{q}",
        f"{prefix}down_revision{ann} = {literal}  # trailing comment",
        f"branch_labels{ann} = None",
        "",
        "def upgrade() -> None:",
        "    pass",
        "",
    ]
    return Written(nl.join(lines).encode(encoding), literal, revises, parents)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(revision_files())
def test_any_header_layout_reads_as_alembic_imports_it(written: Written) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import to_tuple

    with tempfile.TemporaryDirectory(prefix="reader-") as tmp:
        root = Path(tmp)
        (root / VERSIONS).mkdir(parents=True)
        (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
        (root / VERSIONS / "zzz999_case.py").write_bytes(written.data)
        (f,) = ours(root).values()
        (script,) = ScriptDirectory(str(root / "migrations"))._load_revisions()
    assert f.revision == script.revision
    assert f.down_revisions == to_tuple(script.down_revision, default=()) == written.parents
    assert f.message == script.doc
    assert span_text(written.data, f.parsed.fields["down_revision"].span) == written.down_literal
    assert span_text(written.data, f.parsed.revises_span) == written.revises
