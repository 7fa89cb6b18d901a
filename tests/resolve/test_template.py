"""alembic_git.resolve.template agrees byte for byte with Alembic itself.

Every comparison builds a real Alembic environment, lets ``alembic.command
.merge`` write a merge revision, then renders the same revision with
alembic_git (which does not import Alembic) from the same inputs: the
template file, the ini settings (read with configparser, as alembic-git
does), the parents, and the ``Create Date`` Alembic wrote, parsed back.
"""

from __future__ import annotations

import configparser
import datetime
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import alembic
import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.base import Script
from alembic.util import CommandError
from alembic.util import format_as_comma as alembic_format_as_comma
from hypothesis import given, settings
from hypothesis import strategies as st
from mako.exceptions import MakoException
from support.paths import SRC

try:
    import alembic_git  # noqa: F401
except ImportError:  # not installed: run from the checkout
    sys.path.insert(0, str(SRC))

from alembic_git.resolve.template import (
    DEFAULT_FILE_TEMPLATE,
    TemplateConfig,
    TemplateError,
    UnknownTimezoneError,
    create_date_now,
    format_as_comma,
    new_revision_id,
    render_revision,
    revision_filename,
    slugify,
)

ALEMBIC_TEMPLATES = Path(alembic.__file__).parent / "templates"
MERGE_ID = "abc123abc123"


@dataclass
class Env:
    root: Path
    ini: Path
    script_dir: Path

    @property
    def versions(self) -> Path:
        return self.script_dir / "versions"

    @property
    def mako(self) -> Path:
        return self.script_dir / "script.py.mako"

    def config(self) -> Config:
        # a fresh Config every time: Alembic memoizes the parsed ini
        return Config(str(self.ini), stdout=io.StringIO())

    def option(self, name: str, default: str | None = None) -> str | None:
        """An [alembic] setting read the way alembic-git reads it."""
        parser = configparser.ConfigParser({"here": str(self.root)})
        parser.read(self.ini, encoding="utf-8")
        return parser.get("alembic", name, fallback=default)


def make_env(
    tmp_path: Path,
    *,
    template: str = "generic",
    ini_lines: tuple[str, ...] = (),
    script_mako: bytes | None = None,
    roots: int = 2,
) -> Env:
    root = tmp_path / "project"
    root.mkdir()
    ini = root / "alembic.ini"
    env = Env(root, ini, root / "migrations")
    command.init(Config(str(ini), stdout=io.StringIO()), str(env.script_dir), template=template)
    if script_mako is not None:
        env.mako.write_bytes(script_mako)
    # independent root revisions, i.e. as many heads, written with the
    # default template and settings, so that only the merge sees the
    # settings and template under test
    custom = env.mako.read_bytes()
    env.mako.write_bytes((ALEMBIC_TEMPLATES / "generic" / "script.py.mako").read_bytes())
    for i in range(roots):
        command.revision(env.config(), f"root {i}", rev_id=f"{i:04d}root{i:04d}", head="base")
    env.mako.write_bytes(custom)
    if ini_lines:
        text = ini.read_text(encoding="utf-8")
        text = text.replace("[alembic]\n", "[alembic]\n" + "".join(f"{x}\n" for x in ini_lines), 1)
        ini.write_text(text, encoding="utf-8")
    return env


CREATE_DATE_RE = re.compile(r"^Create Date: (.+?)\r?$", re.MULTILINE)


def written_create_date(text: str) -> datetime.datetime:
    match = CREATE_DATE_RE.search(text)
    assert match is not None, text
    return datetime.datetime.fromisoformat(match.group(1))


def merge_and_compare(
    env: Env,
    *,
    message: str | None = "merge things",
    branch_label: str | None = None,
    encoding: str = "utf-8",
    template_args: dict[str, object] | None = None,
) -> tuple[Script, bytes]:
    """Merge the heads with Alembic, then check alembic_git writes the same."""
    heads = set(ScriptDirectory.from_config(env.config()).get_heads())
    script = command.merge(
        env.config(), "heads", message=message, rev_id=MERGE_ID, branch_label=branch_label
    )
    assert script is not None
    written = Path(script.path).read_bytes()
    assert isinstance(script.down_revision, tuple)
    assert set(script.down_revision) == heads
    create_date = written_create_date(written.decode(encoding))

    ours = render_revision(
        env.mako.read_bytes(),
        template_path=str(env.mako),
        up_revision=MERGE_ID,
        down_revision=script.down_revision,
        message=message,
        create_date=create_date,
        branch_labels=(branch_label,) if branch_label else None,
        output_encoding=env.option("output_encoding", "utf-8") or "utf-8",
        template_args=template_args,
    )
    assert ours == written

    tsl = env.option("truncate_slug_length")
    name = revision_filename(
        env.option("file_template", DEFAULT_FILE_TEMPLATE) or DEFAULT_FILE_TEMPLATE,
        MERGE_ID,
        message,
        create_date,
        int(tsl) if tsl is not None else None,
    )
    assert name == Path(script.path).relative_to(env.versions).as_posix()
    return script, written


# --- byte-for-byte agreement with `alembic merge` ---------------------------------


def test_default_template(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    script, written = merge_and_compare(env)
    assert Path(script.path).name == f"{MERGE_ID}_merge_things.py"
    assert b"Revises: 0000root0000, 0001root0001" in written
    assert b"\n    pass\n" in written  # ${upgrades if upgrades else "pass"}


def test_three_parent_merge(tmp_path: Path) -> None:
    env = make_env(tmp_path, roots=3)
    script, _ = merge_and_compare(env)
    assert len(script.down_revision or ()) == 3


def test_merge_without_message(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    script, written = merge_and_compare(env, message=None)
    assert Path(script.path).name == f"{MERGE_ID}_.py"
    assert written.startswith(b'"""empty message\n')


CUSTOM_TEMPLATE = """\
<%!
import textwrap


def shout(text):
    return text.upper()
%>\\
## A Mako comment: never reaches the output.
# Project header - caf\u00e9 \u2713
\"\"\"${message | shout}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
Parents: ${len(down_revision) if isinstance(down_revision, tuple) else 1}
Refresh: ${refresh}
Location: ${config.get_main_option("script_location")}
Extra: ${context.get("not_passed", "default")}
\"\"\"
<%doc>
    A doc block, also dropped.
</%doc>
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
% if branch_labels:
# labels: ${", ".join(branch_labels)}
% endif
% for parent in (down_revision if isinstance(down_revision, tuple) else [down_revision]):
#   parent ${loop.index}: ${parent}
% endfor

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
${textwrap.indent(upgrades if upgrades else "pass", "    ")}


def downgrade():
    ${downgrades if downgrades else "pass"}
"""


def test_custom_template(tmp_path: Path) -> None:
    env = make_env(tmp_path, script_mako=CUSTOM_TEMPLATE.encode("utf-8"))
    config = TemplateConfig.from_ini(env.ini)
    script, written = merge_and_compare(
        env, branch_label="release", template_args={"config": config}
    )
    assert script.branch_labels == {"release"}
    text = written.decode("utf-8")
    assert text.startswith("# Project header - caf\u00e9 \u2713\n")
    assert '"""MERGE THINGS' in text
    assert "Mako comment" not in text and "doc block" not in text
    assert "Refresh: True\n" in text
    assert f"Location: {env.script_dir.as_posix()}\n" in text
    assert "# labels: release\n" in text
    assert "branch_labels = ('release',)\n" in text
    assert "depends_on = None\n" in text


def test_depends_on_and_branch_label_rendering() -> None:
    """What Alembic would pass for a revision with depends_on / a label."""
    source = b"${repr(branch_labels)} ${repr(depends_on)} ${repr(down_revision)}"

    def render(**kw: Any) -> bytes:
        return render_revision(
            source,
            template_path="script.py.mako",
            up_revision="x",
            message="m",
            create_date=datetime.datetime(2024, 1, 2),
            **kw,
        )

    assert render(down_revision=None) == b"None None None"
    assert render(down_revision=("a",), branch_labels="lbl", depends_on=("d",)) == (
        b"('lbl',) 'd' 'a'"
    )
    assert render(down_revision=("a", "b"), depends_on=("d", "e")) == (
        b"None ('d', 'e') ('a', 'b')"
    )


def test_multidb_template_needs_config(tmp_path: Path) -> None:
    env = make_env(tmp_path, template="multidb")
    merge_and_compare(env, template_args={"config": TemplateConfig.from_ini(env.ini)})
    # without it the error points at the line using `config`
    with pytest.raises(TemplateError) as info:
        render_revision(
            env.mako.read_bytes(),
            template_path=str(env.mako),
            up_revision=MERGE_ID,
            down_revision=("a", "b"),
            message="m",
            create_date=datetime.datetime.now(),
        )
    assert str(env.mako) in str(info.value)
    assert info.value.lineno is not None
    line = env.mako.read_text().splitlines()[info.value.lineno - 1]
    assert "config.get_main_option" in line


def test_crlf_template(tmp_path: Path) -> None:
    generic = (ALEMBIC_TEMPLATES / "generic" / "script.py.mako").read_bytes()
    env = make_env(tmp_path, script_mako=generic.replace(b"\n", b"\r\n"))
    _, written = merge_and_compare(env)
    assert b"\r\n" in written


def test_coding_comment_and_output_encoding(tmp_path: Path) -> None:
    generic = (ALEMBIC_TEMPLATES / "generic" / "script.py.mako").read_text("utf-8")
    # Mako consumes the first line to decode the template; the second one
    # reaches the output so that Python (and Alembic) can load the revision
    source = "# -*- coding: latin-1 -*-\n# -*- coding: latin-1 -*-\n" + generic
    env = make_env(
        tmp_path,
        ini_lines=("output_encoding = latin-1",),
        script_mako=source.encode("latin-1"),
    )
    _, written = merge_and_compare(env, message="d\u00e9j\u00e0 vu", encoding="latin-1")
    assert "d\u00e9j\u00e0 vu".encode("latin-1") in written


def test_str_source_renders_like_bytes() -> None:
    source = (ALEMBIC_TEMPLATES / "generic" / "script.py.mako").read_bytes()
    kw: dict[str, object] = {
        "template_path": "script.py.mako",
        "up_revision": "x",
        "down_revision": ("a", "b"),
        "message": "caf\u00e9",
        "create_date": datetime.datetime(2024, 1, 2, 3, 4, 5),
    }
    assert render_revision(source, **kw) == render_revision(source.decode(), **kw)  # type: ignore[arg-type]


def test_unencodable_output_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="ascii"):
        render_revision(
            b"${message}",
            template_path="t/script.py.mako",
            up_revision="x",
            down_revision=None,
            message="caf\u00e9",
            create_date=datetime.datetime.now(),
            output_encoding="ascii",
        )


# --- file names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "ini_template",
    [
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s",
        "%%(year)d/%%(month).2d/%%(day).2d_%%(hour).2d%%(minute).2d_%%(second).2d_%%(rev)s_%%(slug)s",
        "%%(epoch)s_%%(rev)s_%%(slug)s",
    ],
)
def test_file_template_from_ini(tmp_path: Path, ini_template: str) -> None:
    env = make_env(tmp_path, ini_lines=(f"file_template = {ini_template}",))
    assert env.option("file_template") == ini_template.replace("%%", "%")
    script, _ = merge_and_compare(env)
    assert Path(script.path).name.endswith(f"{MERGE_ID}_merge_things.py")


LONG_MESSAGE = (
    "\u00dcn\u00efcode caf\u00e9 r\u00e9sum\u00e9 stra\u00dfe na\u00efve words make it long"
)


def test_slug_truncation_on_word_boundary(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    script, _ = merge_and_compare(env, message=LONG_MESSAGE)
    slug = "\u00fcn\u00efcode_caf\u00e9_r\u00e9sum\u00e9_stra\u00dfe_na\u00efve_words_"
    assert Path(script.path).name == f"{MERGE_ID}_{slug}.py"
    assert slugify(LONG_MESSAGE) == slug


def test_truncate_slug_length_setting(tmp_path: Path) -> None:
    env = make_env(tmp_path, ini_lines=("truncate_slug_length = 12",))
    script, _ = merge_and_compare(env, message="alpha beta gamma delta")
    assert Path(script.path).name == f"{MERGE_ID}_alpha_beta_.py"


@pytest.mark.parametrize(
    ("message", "length", "slug"),
    [
        (None, 40, ""),
        ("", 40, ""),
        ("Add  users -- table!", 40, "add_users_table"),
        ("x" * 50, 40, "x" * 40 + "_"),  # no boundary: cut mid-word, still "_"
        ("abc def", 0, "abc_def"),  # falsy length means 40, as in Alembic
        ("abc def", None, "abc_def"),
        ("snake_case words", 7, "snake_"),
    ],
)
def test_slugify_cases(message: str | None, length: int | None, slug: str) -> None:
    assert slugify(message, length) == slug


def test_filename_matches_alembic_rev_path(tmp_path: Path) -> None:
    """Property: our name == ScriptDirectory._rev_path for any input."""
    file_templates = st.sampled_from(
        [
            DEFAULT_FILE_TEMPLATE,
            "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
            "%(epoch)s-%(second).2d_%(slug)s_%(rev)s",
        ]
    )
    dates = st.datetimes(
        min_value=datetime.datetime(1971, 1, 2), max_value=datetime.datetime(2200, 1, 1)
    )

    @settings(max_examples=300, deadline=None)
    @given(
        st.one_of(st.none(), st.text()),
        st.one_of(st.none(), st.integers(min_value=0, max_value=80)),
        file_templates,
        dates,
    )
    def check(
        message: str | None, tsl: int | None, file_template: str, date: datetime.datetime
    ) -> None:
        scripts = ScriptDirectory(
            str(tmp_path), file_template=file_template, truncate_slug_length=tsl
        )
        expected = scripts._rev_path(tmp_path, "abc", message, date)
        ours = revision_filename(file_template, "abc", message, date, tsl)
        assert tmp_path / ours == expected

    check()


# --- create date / timezone ---------------------------------------------------------


@pytest.mark.parametrize(("setting", "key"), [("utc", "UTC"), ("Asia/Tokyo", "Asia/Tokyo")])
def test_timezone_setting(tmp_path: Path, setting: str, key: str) -> None:
    env = make_env(
        tmp_path,
        ini_lines=(
            f"timezone = {setting}",
            "file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d"
            "_%%(epoch)s_%%(rev)s",
        ),
    )
    _, written = merge_and_compare(env)
    written_date = written_create_date(written.decode())
    assert written_date.utcoffset() == datetime.datetime.now(ZoneInfo(key)).utcoffset()

    ours = create_date_now(setting)
    assert ours.tzinfo == ZoneInfo(key)
    alembics = ScriptDirectory(str(env.script_dir), timezone=setting)._generate_create_date()
    assert ours.tzinfo == alembics.tzinfo
    assert abs(ours - alembics) < datetime.timedelta(seconds=30)


def test_no_timezone_is_naive_local() -> None:
    ours = create_date_now(None)
    assert ours.tzinfo is None
    assert abs(ours - datetime.datetime.now()) < datetime.timedelta(seconds=30)


@pytest.mark.parametrize("setting", ["Mars/Olympus_Mons", "europe/paris"])
def test_unknown_timezone(tmp_path: Path, setting: str) -> None:
    env = make_env(tmp_path, ini_lines=(f"timezone = {setting}",))
    with pytest.raises(CommandError) as alembics:
        command.merge(env.config(), "heads", message="m", rev_id=MERGE_ID)
    with pytest.raises(UnknownTimezoneError) as ours:
        create_date_now(setting)
    assert str(ours.value) == str(alembics.value) == f"Can't locate timezone: {setting}"


@pytest.mark.parametrize("setting", ["", "/etc/localtime", "../zoneinfo"])
def test_invalid_timezone_key(setting: str) -> None:
    # Alembic lets zoneinfo's ValueError escape; we raise the clear error
    with pytest.raises(UnknownTimezoneError, match="Can't locate timezone"):
        create_date_now(setting)


# --- template errors ----------------------------------------------------------------


BROKEN_TEMPLATES = [
    ('"""${message}\n\n% if branch_labels:\nlabels\n', 3, "Unterminated control keyword"),
    ('"""${message}\nRevises: ${down_revision | comma,n\n', 2, "unterminated"),
    ('"""${message}\n<%\n  x = (\n%>\n', 3, "SyntaxError"),
]


@pytest.mark.parametrize(("source", "lineno", "fragment"), BROKEN_TEMPLATES)
def test_syntax_error(tmp_path: Path, source: str, lineno: int, fragment: str) -> None:
    env = make_env(tmp_path, script_mako=source.encode())
    with pytest.raises(MakoException):  # Alembic lets Mako's exception escape
        command.merge(env.config(), "heads", message="m", rev_id=MERGE_ID)
    with pytest.raises(TemplateError) as info:
        render_revision(
            env.mako.read_bytes(),
            template_path=str(env.mako),
            up_revision=MERGE_ID,
            down_revision=("a", "b"),
            message="m",
            create_date=datetime.datetime.now(),
        )
    error = info.value
    assert error.template_path == str(env.mako)
    assert error.lineno == lineno
    assert f"{env.mako}, line {lineno}" in str(error)
    assert fragment in str(error)


RENDER_ERRORS = [
    ('"""${message}\n\n${imports}\n', 3, "NameError: Undefined"),
    ('"""${message}\n${up_revision.nope}\n', 2, "AttributeError"),
    ("<%!\nimport no_such_module_xyz\n%>\n${message}\n", 2, "ModuleNotFoundError"),
    ('<%!\ndef f(x):\n    return 1 / 0\n%>\n"""\n${f(message)}\n', 3, "ZeroDivisionError"),
]


@pytest.mark.parametrize(("source", "lineno", "fragment"), RENDER_ERRORS)
def test_render_error(tmp_path: Path, source: str, lineno: int, fragment: str) -> None:
    env = make_env(tmp_path, script_mako=source.encode())
    with pytest.raises((CommandError, MakoException, ImportError)):
        command.merge(env.config(), "heads", message="m", rev_id=MERGE_ID)
    with pytest.raises(TemplateError) as info:
        render_revision(
            env.mako.read_bytes(),
            template_path=str(env.mako),
            up_revision=MERGE_ID,
            down_revision=("a", "b"),
            message="m",
            create_date=datetime.datetime.now(),
        )
    assert info.value.lineno == lineno
    assert f"{env.mako}, line {lineno}" in str(info.value)
    assert fragment in str(info.value)
    assert info.value.source_line == source.splitlines()[lineno - 1]


def test_relative_template_path_outside_cwd(tmp_path: Path) -> None:
    source = (ALEMBIC_TEMPLATES / "generic" / "script.py.mako").read_bytes()
    out = render_revision(
        source,
        template_path="../../somewhere/script.py.mako",
        up_revision="x",
        down_revision=("a", "b"),
        message="m",
        create_date=datetime.datetime(2024, 1, 2),
    )
    assert b"Revision ID: x\n" in out


# --- small helpers ------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "abc", ("a",), ("a", "b", "c"), ["x", "y"]])
def test_format_as_comma(value: str | tuple[str, ...] | list[str] | None) -> None:
    assert format_as_comma(value) == alembic_format_as_comma(value)
    if value is not None and not isinstance(value, str):
        assert format_as_comma(iter(value)) == alembic_format_as_comma(iter(value))


def test_format_as_comma_rejects_other_types() -> None:
    with pytest.raises(ValueError, match="comma-format"):
        format_as_comma(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="comma-format"):
        alembic_format_as_comma(5)  # type: ignore[arg-type]


def test_new_revision_id() -> None:
    ids = {new_revision_id() for _ in range(100)}
    assert len(ids) == 100
    for rev in ids:
        assert re.fullmatch(r"[0-9a-f]{12}", rev)
        Script.verify_rev_id(rev)


def test_module_import_does_not_import_mako_or_alembic() -> None:
    code = (
        "import sys, alembic_git.resolve.template as t\n"
        "assert 'mako' not in sys.modules, 'mako'\n"
        "assert not any(m.split('.')[0] == 'alembic' for m in sys.modules), 'alembic'\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
