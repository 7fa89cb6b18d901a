"""resolve.rebase: a new parent is spliced into the bytes, every other byte is kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.repo import revision_source

from alembic_git.errors import AlembicGitError
from alembic_git.resolve.rebase import rebase_file, unified_diff
from alembic_git.revisions.reader import parse


def _rebase(data: bytes, old: str | None = "aaa111", new: str = "bbb222") -> bytes:
    return rebase_file(data, "x.py", "ccc333", (old,) if old else (), new)


def test_classic_single_quotes() -> None:
    data = revision_source("ccc333", "aaa111", style="classic").encode()
    assert b"down_revision = 'aaa111'\n" in data
    expected = data.replace(b"Revises: aaa111\n", b"Revises: bbb222\n").replace(
        b"down_revision = 'aaa111'\n", b"down_revision = 'bbb222'\n"
    )
    assert _rebase(data) == expected


def test_annotated_double_quotes_crlf() -> None:
    data = revision_source("ccc333", "aaa111", quote='"').encode().replace(b"\n", b"\r\n")
    line = b'down_revision: Union[str, Sequence[str], None] = "aaa111"\r\n'
    assert line in data
    expected = data.replace(b"Revises: aaa111\r\n", b"Revises: bbb222\r\n").replace(
        line, line.replace(b"aaa111", b"bbb222")
    )
    assert _rebase(data) == expected
    assert b"\n" not in _rebase(data).replace(b"\r\n", b"")


def test_multi_line_tuple_with_comments_keeps_its_shape() -> None:
    data = (
        b'"""m\r\n\r\nRevision ID: ccc333\r\nRevises: aaa111\r\n"""\r\n'
        b"revision = 'ccc333'\r\n"
        b"down_revision = (  # the parent\r\n"
        b'    "aaa111",  # keep me\r\n'
        b")\r\n"
        b"branch_labels = None\r\n"
    )
    got = _rebase(data)
    assert got == data.replace(b'"aaa111",', b'"bbb222",').replace(
        b"Revises: aaa111", b"Revises: bbb222"
    )


def test_list_value_and_a_prefix_are_kept() -> None:
    data = b"revision = u'ccc333'\ndown_revision = [u'aaa111']  # list\n"
    assert _rebase(data) == b"revision = u'ccc333'\ndown_revision = [u'bbb222']  # list\n"


def test_a_base_gets_the_files_own_quote_and_a_revises_value() -> None:
    data = revision_source("ccc333", None, quote='"').encode()
    assert b"Revises: \n" in data
    got = _rebase(data, old=None)
    assert b'down_revision: Union[str, Sequence[str], None] = "bbb222"\n' in got
    assert b"Revises: bbb222\n" in got
    assert len(got) - len(data) == len(b'"bbb222"') - len(b"None") + len(b"bbb222")


def test_no_docstring_only_the_value_changes() -> None:
    data = b"# hello\nrevision = 'ccc333'\ndown_revision = 'aaa111'\n"
    assert _rebase(data) == b"# hello\nrevision = 'ccc333'\ndown_revision = 'bbb222'\n"


def test_latin1_file_with_bom_less_coding_line_keeps_its_bytes() -> None:
    data = (
        "# -*- coding: latin-1 -*-\n"
        '"""caf\xe9 \xe0 la cr\xe8me\n\nRevises: aaa111\n"""\n'
        "revision = 'ccc333'  # d\xe9j\xe0\n"
        "down_revision = 'aaa111'  # \xe9t\xe9\n"
    ).encode("latin-1")
    got = _rebase(data)
    assert got == data.replace(b"aaa111", b"bbb222")


def test_utf8_bom_and_non_ascii_before_the_value() -> None:
    data = '\ufeff"""\u00fcber \u2603\n\nRevises: aaa111\n"""\nrevision = \'ccc333\'\n'.encode()
    data += "x = '\u2603'; down_revision = 'aaa111'\n".encode()
    assert _rebase(data) == data.replace(b"aaa111", b"bbb222")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"revision = 'c'\ndown_revision = 'aaa111'\ndown_revision = 'aaa111'\n", "2 module-level"),
        (b"from x import P\nrevision = 'c'\ndown_revision = P\n", "not a string literal"),
        (b"revision = 'c'\ndown_revision = 'zzz999'\n", "the file changed"),
        (b"revision = 'c'\ndown_revision = 'aaa111'\ndef (:\n", "syntax error"),
    ],
)
def test_ambiguous_or_unexpected_files_are_refused(source: bytes, message: str) -> None:
    with pytest.raises(AlembicGitError, match=message):
        rebase_file(source, "x.py", "c", ("aaa111",), "bbb222")


def test_unified_diff_shows_both_changed_lines() -> None:
    data = revision_source("ccc333", "aaa111").encode()
    diff = unified_diff(data, _rebase(data), "v/ccc333.py")
    assert diff.startswith("--- a/v/ccc333.py\n+++ b/v/ccc333.py\n")
    assert "-Revises: aaa111\n+Revises: bbb222\n" in diff
    assert "+down_revision: Union[str, Sequence[str], None] = 'bbb222'\n" in diff


_junk = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20
).filter(lambda s: "\\" not in s)


@settings(max_examples=60, deadline=None)
@given(
    quote=st.sampled_from(["'", '"']),
    style=st.sampled_from(["modern", "classic"]),
    crlf=st.booleans(),
    comment=_junk,
    spaces=st.sampled_from(["", " ", "  "]),
    tuple_form=st.booleans(),
)
def test_only_the_two_values_change(
    quote: str, style: str, crlf: bool, comment: str, spaces: str, tuple_form: bool
) -> None:
    text = revision_source("ccc333", "aaa111", style=style, quote=quote)
    old_value = f"{quote}aaa111{quote}"
    value = f"({spaces}{old_value},{spaces})" if tuple_form else old_value
    text = text.replace(f"= {old_value}\n", f"={spaces} {value}  # {comment}\n", 1)
    text = f"# {comment}\n" + text
    data = text.encode()
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    got = _rebase(data)
    assert got == data.replace(b"aaa111", b"bbb222")
    assert parse(got).fields["down_revision"].value in ("bbb222", ("bbb222",))
