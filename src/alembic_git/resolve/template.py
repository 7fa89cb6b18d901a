"""Render merge revision files exactly as Alembic's ``merge`` command does.

Nothing here imports Alembic.  Every function mirrors a specific piece of
Alembic (1.16 - 1.20), so that a revision written by alembic-git is byte for
byte the file ``alembic merge`` would have written given the same inputs:

* :func:`new_revision_id` - ``alembic.util.rev_id``
* :func:`slugify` / :func:`revision_filename` -
  ``alembic.script.base.ScriptDirectory._rev_path``
* :func:`create_date_now` - ``ScriptDirectory._generate_create_date``
* :func:`format_as_comma` - ``alembic.util.format_as_comma``
* :func:`render_revision` - ``ScriptDirectory.generate_revision`` ->
  ``_generate_template`` -> ``alembic.util.template_to_file``

Mako is imported lazily inside :func:`render_revision`, because this module
sits on a hot path where most runs never render anything.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kept off the import path, which must stay cheap
    from configparser import ConfigParser
    from types import TracebackType

__all__ = [
    "DEFAULT_FILE_TEMPLATE",
    "DEFAULT_TRUNCATE_SLUG_LENGTH",
    "UNSAFE_ID_HINT",
    "TemplateConfig",
    "TemplateError",
    "UnknownTimezoneError",
    "create_date_now",
    "format_as_comma",
    "new_revision_id",
    "render_revision",
    "revision_filename",
    "slugify",
    "unsafe_in_source",
]

#: ``alembic.script.base._default_file_template``.
DEFAULT_FILE_TEMPLATE = "%(rev)s_%(slug)s"
#: Alembic's fallback when ``truncate_slug_length`` is unset (or falsy).
DEFAULT_TRUNCATE_SLUG_LENGTH = 40

# ``alembic.script.base._slug_re``: a str pattern, so ``\w`` is Unicode-aware.
_SLUG_RE = re.compile(r"\w+")


# What a value written into a new revision must not contain.  Alembic itself bans
# only @ - + : in ids, but templates put ids into the docstring raw (``Revises:
# ${down_revision | comma,n}``), where a quote or a backslash ends or bends the
# string and lets the rest run as code; custom templates may quote them by hand.
_UNSAFE_CHARS = {
    '"': "a double quote",
    "'": "a single quote",
    "\\": "a backslash",
    ",": "a comma (Revises: lists ids with commas)",
}


UNSAFE_ID_HINT = (
    "alembic-git writes only ids without quotes, backslashes, commas, spaces or control "
    "characters into a revision file; give that revision a plain id (nothing was written)"
)


def unsafe_in_source(value: str) -> str | None:
    """Why ``value`` cannot go verbatim into a revision file's source and docstring,
    or None when it can: no quotes, backslashes, commas, whitespace or control
    characters, so no string or docstring of any template can be left through it."""
    if not value:
        return "it is empty"
    for ch in value:
        if ch in _UNSAFE_CHARS:
            return f"it contains {_UNSAFE_CHARS[ch]}"
        if ch.isspace() or not ch.isprintable():
            return f"it contains the character {ch!r}"
    return None


class TemplateError(Exception):
    """``script.py.mako`` could not be compiled or rendered.

    The message names the template path and, when it can be determined, the
    template line the error comes from.
    """

    def __init__(
        self,
        template_path: str,
        detail: str,
        lineno: int | None = None,
        source_line: str | None = None,
    ) -> None:
        self.template_path = template_path
        self.detail = detail
        self.lineno = lineno
        self.source_line = source_line
        where = template_path if lineno is None else f"{template_path}, line {lineno}"
        message = f"error in revision template {where}: {detail}"
        if source_line is not None and source_line.strip():
            message += f"\n    {source_line.strip()}"
        super().__init__(message)


class UnknownTimezoneError(ValueError):
    """The ``timezone`` setting names no zone known to :mod:`zoneinfo`."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        # Same wording as Alembic's CommandError.
        super().__init__(f"Can't locate timezone: {timezone}")


def new_revision_id() -> str:
    """A fresh revision id, generated exactly as ``alembic.util.rev_id``."""
    import uuid

    return uuid.uuid4().hex[-12:]


def slugify(message: str | None, truncate_slug_length: int | None = 40) -> str:
    """The ``%(slug)s`` of a revision file name, as Alembic computes it.

    The words (``\\w+`` runs, Unicode included) of ``message`` are joined
    with ``_`` and lower-cased.  A slug longer than ``truncate_slug_length``
    is cut at that length, then back to the last ``_`` inside the cut, and
    gets a trailing ``_``.  Like Alembic, a falsy length (``None``, ``0``)
    means 40.
    """
    limit = truncate_slug_length or DEFAULT_TRUNCATE_SLUG_LENGTH
    slug = "_".join(_SLUG_RE.findall(message or "")).lower()
    if len(slug) > limit:
        slug = slug[:limit].rsplit("_", 1)[0] + "_"
    return slug


def revision_filename(
    file_template: str,
    rev_id: str,
    message: str | None,
    create_date: datetime.datetime,
    truncate_slug_length: int | None = 40,
) -> str:
    """The revision file name (relative to the versions directory).

    ``file_template`` is the value *after* ConfigParser interpolation, i.e.
    ``%(rev)s_%(slug)s`` rather than the ``%%(rev)s_%%(slug)s`` written in
    ``alembic.ini`` (Alembic un-doubles the ``%%`` of a ``pyproject.toml``
    value too).  The result may contain ``/`` when the template does.
    """
    tokens: dict[str, object] = {
        "rev": rev_id,
        "slug": slugify(message, truncate_slug_length),
        # naive dates are taken as local time, as Alembic does
        "epoch": int(create_date.timestamp()),
        "year": create_date.year,
        "month": create_date.month,
        "day": create_date.day,
        "hour": create_date.hour,
        "minute": create_date.minute,
        "second": create_date.second,
    }
    return "%s.py" % (file_template % tokens)


def create_date_now(timezone: str | None) -> datetime.datetime:
    """The ``create_date`` Alembic would use now.

    Without a ``timezone`` setting: naive local time.  With one: an aware
    datetime in that :mod:`zoneinfo` zone.  As in Alembic, the key is tried
    as written, then upper-cased (so ``utc`` finds ``UTC``).  An unknown or
    invalid key raises :class:`UnknownTimezoneError`.  Note that an empty
    setting (``timezone =``) is *not* "no timezone": Alembic fails on it too.
    """
    if timezone is None:
        return datetime.datetime.now()

    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tzinfo: datetime.tzinfo | None = None
    # As written first, then upper-cased; Alembic retries only after
    # ZoneInfoNotFoundError and lets ValueError (e.g. "" or "/abs") escape
    # raw, where we raise UnknownTimezoneError for both.
    for key in (timezone, timezone.upper()):
        try:
            tzinfo = ZoneInfo(key)
        except ZoneInfoNotFoundError:
            continue
        except (ValueError, OSError):
            break
        break
    if tzinfo is None:
        raise UnknownTimezoneError(timezone)
    return datetime.datetime.now(tz=datetime.timezone.utc).astimezone(tzinfo)


def format_as_comma(value: str | Iterable[str] | None) -> str:
    """``alembic.util.format_as_comma`` (the template's ``comma`` filter)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ", ".join(value)
    raise ValueError(f"Don't know how to comma-format {value!r}")


def _tuple_rev_as_scalar(
    rev: str | Sequence[str] | None,
) -> str | Sequence[str] | None:
    # alembic.script.revision.tuple_rev_as_scalar; a bare str is left alone
    # (Alembic never hands it one, it would index the first character).
    if isinstance(rev, str) or rev is None:
        return rev or None
    if not rev:
        return None
    if len(rev) == 1:
        return rev[0]
    return rev


def _to_tuple(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    # alembic.util.to_tuple with default=None
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(value)


class TemplateConfig:
    """A read-only stand-in for ``alembic.config.Config``.

    ``alembic merge`` exposes its ``Config`` to the template as ``config``
    (Alembic's own ``multidb`` template calls
    ``config.get_main_option("databases")``).  Pass one of these in
    ``render_revision(..., template_args={"config": ...})`` to support such
    templates.  Only the read accessors templates realistically use exist.
    """

    def __init__(
        self,
        file_config: ConfigParser,
        *,
        config_file_name: str | None = None,
        config_ini_section: str = "alembic",
        toml_alembic_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.file_config = file_config
        self.config_file_name = config_file_name
        self.config_ini_section = config_ini_section
        self.toml_alembic_config: Mapping[str, Any] = toml_alembic_config or {}

    @classmethod
    def from_ini(
        cls,
        path: str | os.PathLike[str],
        *,
        config_ini_section: str = "alembic",
        toml_alembic_config: Mapping[str, Any] | None = None,
    ) -> TemplateConfig:
        """Read ``path`` as Alembic does (``%(here)s`` = its directory)."""
        from configparser import ConfigParser

        here = os.path.dirname(os.path.abspath(path)).replace(os.sep, "/")
        parser = ConfigParser({"here": here})
        parser.read([path], encoding="locale")
        return cls(
            parser,
            config_file_name=os.fspath(path),
            config_ini_section=config_ini_section,
            toml_alembic_config=toml_alembic_config,
        )

    def get_section(
        self, name: str, default: Mapping[str, str] | None = None
    ) -> Mapping[str, str] | None:
        if not self.file_config.has_section(name):
            return default
        return dict(self.file_config.items(name))

    def get_section_option(self, section: str, name: str, default: str | None = None) -> str | None:
        if not self.file_config.has_section(section):
            raise KeyError(
                f"No config file {self.config_file_name!r} found, "
                f"or file has no '[{section}]' section"
            )
        if self.file_config.has_option(section, name):
            return self.file_config.get(section, name)
        return default

    def get_main_option(self, name: str, default: str | None = None) -> str | None:
        return self.get_section_option(self.config_ini_section, name, default)

    def get_alembic_option(self, name: str, default: Any = None) -> Any:
        if self.file_config.has_option(self.config_ini_section, name):
            return self.file_config.get(self.config_ini_section, name)
        return self.toml_alembic_config.get(name, default)


def render_revision(
    template_source: bytes | str,
    *,
    template_path: str,
    up_revision: str,
    down_revision: str | tuple[str, ...] | None,
    message: str | None,
    create_date: datetime.datetime,
    branch_labels: str | tuple[str, ...] | None = None,
    depends_on: str | tuple[str, ...] | None = None,
    output_encoding: str = "utf-8",
    template_args: Mapping[str, object] | None = None,
) -> bytes:
    """The bytes ``alembic merge`` writes for this revision.

    ``template_source`` should be the raw bytes of ``script.py.mako`` (as
    Mako reads a template file: a UTF-8 BOM or a ``# -*- coding: -*-`` first
    line selects the encoding, UTF-8 otherwise); ``template_path`` is its
    path, used for Mako's module name and for error messages.

    The template sees what ``ScriptDirectory.generate_revision`` gives it
    for a merge: ``up_revision``, ``down_revision`` (a scalar for one parent,
    the tuple otherwise), ``branch_labels`` (a tuple or None),
    ``depends_on``, ``create_date``, ``comma``, ``message`` (``"empty
    message"`` for None) and, from ``command.merge``, ``refresh=True`` and
    ``config`` (supply it in ``template_args``, see :class:`TemplateConfig`).
    ``imports``/``upgrades``/``downgrades`` are not passed: they are Mako's
    ``UNDEFINED``, which is falsy, so ``${x if x else "pass"}`` renders
    ``pass`` while a bare ``${imports}`` fails, exactly as in Alembic.
    ``template_args`` entries override the defaults.

    Raises :class:`TemplateError` (path and template line) on any compile,
    render or encoding failure.
    """
    from mako.template import Template

    context: dict[str, object] = {
        "refresh": True,
        "up_revision": str(up_revision),
        "down_revision": _tuple_rev_as_scalar(down_revision),
        "branch_labels": _to_tuple(branch_labels),
        "depends_on": _tuple_rev_as_scalar(depends_on),
        "create_date": create_date,
        "comma": format_as_comma,
        "message": message if message is not None else "empty message",
    }
    if template_args:
        context.update(template_args)

    # Alembic: Template(filename=...) with default options, which reads the
    # file as bytes and compiles them in memory; this is the same path.  The
    # absolute path keeps Mako from rejecting a relative "../x" uri.
    filename = os.path.abspath(template_path)
    try:
        template = Template(text=template_source, filename=filename)
    except Exception as err:
        raise _template_error(err, template_path, filename, template_source) from err
    try:
        text: str = template.render_unicode(**context)
    except Exception as err:
        raise _template_error(err, template_path, filename, template_source) from err
    try:
        return text.encode(output_encoding)
    except (UnicodeError, LookupError) as err:
        raise TemplateError(
            template_path, f"cannot encode output as {output_encoding!r}: {err}"
        ) from err


def _template_error(
    err: Exception, template_path: str, filename: str, source: bytes | str
) -> TemplateError:
    from mako.exceptions import CompileException, SyntaxException

    lineno: int | None
    if isinstance(err, (CompileException, SyntaxException)):
        lineno = err.lineno
        detail = str(err)
        # drop Mako's " in file '...' at line: N char: M" suffix, we say it
        suffix = f" in file '{err.filename}' at line: {err.lineno} char: {err.pos}"
        if detail.endswith(suffix):
            detail = detail[: -len(suffix)] + f" (char {err.pos})"
    else:
        lineno = _template_lineno(err.__traceback__, filename)
        detail = f"{type(err).__name__}: {err}"
        if isinstance(err, NameError) and str(err) == "Undefined":
            detail += " (the template uses a name that was not passed to it)"
    return TemplateError(template_path, detail, lineno, _source_line(source, lineno))


def _template_lineno(tb: TracebackType | None, filename: str) -> int | None:
    """The template line of the innermost traceback frame in the template."""
    import traceback

    for frame, py_lineno in reversed(list(traceback.walk_tb(tb))):
        namespace = frame.f_globals
        if namespace.get("_template_filename") != filename:
            continue
        line = _map_line(namespace, frame.f_code.co_filename, py_lineno)
        if line is not None:
            return line
    return None


def _map_line(namespace: Mapping[str, Any], module_id: str, py_lineno: int) -> int | None:
    """Map a line of Mako's generated module back to the template."""
    from mako import template as mako_template

    code: str | None = None
    try:
        # Recent Mako (1.4) gives in-memory modules a loader with the source,
        # which also covers errors raised by <%! %> code while compiling.
        code = namespace["__loader__"].get_source(namespace["__name__"])
    except Exception:
        code = None
    if code is None:
        try:
            code = mako_template._get_module_info(module_id).code
        except Exception:
            return None
    try:
        metadata = mako_template.ModuleInfo.get_module_source_metadata(code, full_line_map=True)
        line = metadata["full_line_map"][py_lineno - 1]
    except Exception:
        return None
    return line if isinstance(line, int) and line > 0 else None


def _source_line(source: bytes | str, lineno: int | None) -> str | None:
    if lineno is None:
        return None
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    lines = text.splitlines()
    return lines[lineno - 1] if 0 < lineno <= len(lines) else None
