"""Find Alembic environments the way Alembic does, without importing anything.

Alembic reads ``alembic.ini`` (section ``[alembic]``, renamed with ``-n``) and,
since 1.16, ``[tool.alembic]`` in ``pyproject.toml``; per key the ini wins.
Relative paths are relative to the current folder, ``%(here)s`` is the config
file's folder, and ``script_location`` may be ``package:folder``.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.source import Source, WorktreeSource, norm

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_FILE_TEMPLATE = "%(rev)s_%(slug)s"
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
_LEGACY_SPLIT = re.compile(r", *|(?: +)")
_LEGACY_SPLIT_SYS_PATH = re.compile(r", *|(?: +)|\:")  # prepend_sys_path also splits on ':'


@dataclass(frozen=True)
class Environment:
    """One Alembic environment: where its revision files live and how new ones are named."""

    name: str
    version_locations: tuple[str, ...]
    recursive: bool = False
    script_location: str | None = None
    config_file: str | None = None
    toml_file: str | None = None
    section: str = "alembic"
    file_template: str = DEFAULT_FILE_TEMPLATE
    truncate_slug_length: int = 40
    timezone: str | None = None
    output_encoding: str = "utf-8"
    search_path: tuple[str, ...] = ()  # folders where static imports are looked up
    # Where relative paths were resolved from, and the setting they came from: for
    # the message when a location holds nothing (CKAN's ``script_location = .``).
    base: str | None = None
    locations_from: str | None = None
    script_template: str | None = None  # a declared environment's template
    # Read from the file system at every commit; never rewritten (Invenio's packages).
    external_locations: tuple[str, ...] = ()
    declared: bool = False  # from [[tool.alembic-git.environments]]
    # A declared environment's database settings (``db`` commands); None: from env.py
    # (the version table) or the default (DATABASE_URL).
    version_table: str | None = None
    version_table_schema: str | None = None
    database_url_env: str | None = None

    @property
    def template_file(self) -> str | None:
        if self.script_template is not None:
            return self.script_template
        return f"{self.script_location}/script.py.mako" if self.script_location else None


@dataclass(frozen=True)
class Selection:
    """The global options that choose environments (the CLI's, passed down as data)."""

    config: tuple[str, ...] = ()
    name: str = "alembic"
    version_locations: tuple[str, ...] = ()
    recursive: bool = False
    all: bool = False
    envs: tuple[str, ...] = ()  # declared environments picked by name (--env, or -n)


class _Settings:
    """Alembic's lookup: the ini section first, then ``[tool.alembic]``."""

    def __init__(self, source: Source, ini: str | None, toml: str | None, section: str) -> None:
        self.ini_path, self.section = ini, section
        self.ini = configparser.ConfigParser({"here": os.path.dirname(ini)} if ini else {})
        if ini is not None:
            text = _read_text(source, ini)
            try:
                self.ini.read_string(text, source=source.display(ini))
            except configparser.Error as exc:
                raise AlembicGitError(
                    f"cannot parse the config file: {_one_line(exc)}", path=source.display(ini)
                ) from None
        self.toml: Mapping[str, Any] = {}
        if toml is not None:
            try:
                data = tomllib.loads(_read_text(source, toml))
            except tomllib.TOMLDecodeError as exc:
                raise AlembicGitError(
                    f"cannot parse TOML: {exc}", path=source.display(toml)
                ) from None
            table = tool_table(data, "alembic")
            table = {} if table is None else table
            if not isinstance(table, dict):
                raise AlembicGitError("[tool.alembic] must be a table", path=source.display(toml))
            self.toml = table
        self.toml_here = os.path.dirname(toml) if toml else ""
        self.source = source

    def ini_get(self, key: str) -> str | None:
        if not self.ini.has_option(self.section, key):
            return None
        try:
            return self.ini.get(self.section, key)
        except configparser.Error as exc:
            assert self.ini_path is not None
            raise AlembicGitError(
                f"cannot read {key!r} in [{self.section}]: {_one_line(exc)}",
                path=self.source.display(self.ini_path),
            ) from None

    def as_written(self, key: str) -> str | None:
        """The value before interpolation (``%(here)s`` kept), for messages."""
        if self.ini.has_option(self.section, key):
            return self.ini.get(self.section, key, raw=True)
        value = self.toml.get(key)
        return None if value is None else str(value)

    def toml_get(self, key: str) -> Any:
        value = self.toml.get(key)
        if isinstance(value, str):
            return value % {"here": self.toml_here}
        if isinstance(value, list):
            return [v % {"here": self.toml_here} if isinstance(v, str) else v for v in value]
        return value

    def get(self, key: str) -> str | None:
        value = self.ini_get(key)
        if value is not None:
            return value
        tv = self.toml_get(key)
        return None if tv is None else str(tv)

    def get_bool(self, key: str) -> bool:
        value = self.ini_get(key)
        if value is not None:
            return value == "true"
        return self.toml.get(key) is True

    def split_paths(self, key: str) -> list[str] | None:
        raw = self.ini_get(key)
        if raw:
            sep_name = self.ini_get("path_separator") or (
                self.ini_get("version_path_separator") if key == "version_locations" else None
            )
            if sep_name is None:
                legacy = _LEGACY_SPLIT if key == "version_locations" else _LEGACY_SPLIT_SYS_PATH
                return [p for p in legacy.split(raw) if p]
            if sep_name not in _SEPARATORS:
                raise AlembicGitError(
                    f"{sep_name!r} is not a valid path_separator; expected "
                    "'space', 'newline', 'os', ':' or ';'",
                    path=self.source.display(self.ini_path or ""),
                )
            return [x.strip() for x in raw.split(_SEPARATORS[sep_name]) if x.strip()]
        value = self.toml_get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _read_text(source: Source, path: str) -> str:
    data = source.read(path)
    if data is None:
        raise AlembicGitError(f"config file not found in {source.label}", path=source.display(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AlembicGitError(
            f"config file is not UTF-8 ({exc.reason} at byte {exc.start})",
            path=source.display(path),
        ) from None


def tool_table(document: Mapping[str, Any], name: str) -> Any:
    """``[tool.NAME]`` of a parsed pyproject.toml; None when absent or ``tool`` is no table."""
    tool = document.get("tool")
    return tool.get(name) if isinstance(tool, dict) else None


def read_tool_alembic(source: Source, path: str) -> dict[str, Any] | None:
    """The ``[tool.alembic]`` table of a pyproject.toml, if it has a readable one."""
    data = source.read(path)
    if data is None or b"tool.alembic" not in data:
        return None
    try:
        table = tool_table(tomllib.loads(data.decode("utf-8-sig")), "alembic")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    return table if isinstance(table, dict) else None


def _has_tool_alembic(source: Source, path: str) -> bool:
    return read_tool_alembic(source, path) is not None


class NoConfigFound(AlembicGitError):
    """No config file in the folder or above (a broken one is an AlembicGitError)."""


class NoScriptFolder(AlembicGitError):
    """The config's script_location names no folder in this tree."""


def locate_config(
    source: Source, cwd: str, explicit: Sequence[str], env_config: str | None
) -> tuple[str | None, str | None]:
    """(ini, pyproject) as Alembic's command line picks them, searching upward to the root."""
    toml: str | None = None
    ini: str | None = None
    for name in explicit:
        path = norm(os.path.join(cwd, name))
        if os.path.basename(name) == "pyproject.toml":
            if toml is not None:
                raise AlembicGitError("pyproject.toml given more than once with -c")
            toml = path
        else:
            if ini is not None:
                raise AlembicGitError("only one ini file may be given with -c")
            ini = path
    if explicit or env_config:
        # Alembic (CommandLine._inis_from_config): a file the options do not
        # name falls back to ALEMBIC_CONFIG if that names its kind, else to
        # alembic.ini / pyproject.toml in the current folder, read if present.
        # So ``-c pyproject.toml`` still reads ./alembic.ini, whose keys win.
        env_is_toml = env_config is not None and os.path.basename(env_config) == "pyproject.toml"
        named = [p for p in (ini, toml) if p is not None]
        if env_config and ini is None and not env_is_toml:
            ini = norm(os.path.join(cwd, env_config))
            named.append(ini)
        if env_config and toml is None and env_is_toml:
            toml = norm(os.path.join(cwd, env_config))
            named.append(toml)
        for path in named:
            if source.read(path) is None:
                raise AlembicGitError(
                    "this is a folder, not a config file"
                    if source.is_dir(path)
                    else f"config file not found in {source.label}",
                    path=source.display(path),
                    hint="check the -c/--config path or ALEMBIC_CONFIG",
                )
        if ini is None:
            default = norm(os.path.join(cwd, "alembic.ini"))
            ini = default if source.read(default) is not None else None
        if toml is None:
            default = norm(os.path.join(cwd, "pyproject.toml"))
            toml = default if _has_tool_alembic(source, default) else None
        return ini, toml
    folder = norm(cwd)
    while True:
        ini_candidate = f"{folder}/alembic.ini"
        toml_candidate = f"{folder}/pyproject.toml"
        found_ini = source.read(ini_candidate) is not None
        found_toml = _has_tool_alembic(source, toml_candidate)
        if found_ini or found_toml:
            return (ini_candidate if found_ini else None, toml_candidate if found_toml else None)
        if folder == source.root or len(folder) <= len(source.root) or folder == "/":
            break
        folder = os.path.dirname(folder)
    raise NoConfigFound(
        f"no alembic.ini or pyproject.toml with [tool.alembic] in {source.display(norm(cwd))} "
        f"or above ({source.label})",
        hint="pass -c FILE, --all for every environment of a monorepo, "
        "or --version-location DIR for a config built in code",
    )


def resolve_location(
    source: Source, value: str, cwd: str, search: Sequence[str], what: str, origin: str
) -> str:
    """A path or ``package:folder`` as an absolute folder, found without importing."""
    if not os.path.isabs(value) and ":" in value:
        package, _, rest = value.partition(":")
        pkg_path = package.replace(".", "/")
        for base in search:
            candidate = norm(os.path.join(base, pkg_path, *rest.split(":")))
            if source.is_dir(candidate):
                return candidate
        raise AlembicGitError(
            f"{what} {value!r}: package {package!r} not found in "
            + ", ".join(map(source.display, search)),
            path=origin,
            hint="use a path instead, or run from the folder that contains the package",
        )
    return norm(os.path.join(cwd, value))


def load_environment(
    source: Source,
    ini: str | None,
    toml: str | None,
    section: str,
    cwd: str,
    require_script_dir: bool = True,
) -> Environment:
    settings = _Settings(source, ini, toml, section)
    origin = source.display(ini or toml or cwd)
    sys_paths = [norm(os.path.join(cwd, p)) for p in settings.split_paths("prepend_sys_path") or []]
    search = list(dict.fromkeys([*sys_paths, norm(cwd), source.root, f"{source.root}/src"]))
    if isinstance(source, WorktreeSource):
        search += [norm(p) for p in sys.path if p and os.path.isabs(p)]
    script_location = settings.get("script_location")
    if script_location is None:
        missing = ini is not None and not settings.ini.has_section(section)
        raise AlembicGitError(
            f"no section [{section}] in this file"
            if missing and toml is None
            else f"no 'script_location' key in [{section}]"
            + (" or [tool.alembic]" if toml else ""),
            path=origin,
            hint="check the section name (-n) and the config file (-c)",
        )
    script_dir = resolve_location(source, script_location, cwd, search, "script_location", origin)
    if require_script_dir and not source.is_dir(script_dir):
        # Alembic: "Path doesn't exist: ...".  Reading nothing would pass `check`.
        raise NoScriptFolder(
            f"script_location {script_location!r} is not a folder in {source.label} "
            f"(resolved to {source.display(script_dir)})",
            path=origin,
            hint="fix script_location (relative paths start from the folder Alembic runs in)",
        )
    raw_locations = settings.split_paths("version_locations")
    if raw_locations:
        locations = tuple(
            resolve_location(source, loc, cwd, search, "version_locations", origin)
            for loc in raw_locations
        )
        written = settings.as_written("version_locations")
        locations_from = f"version_locations = {written!r} in {origin}"
    else:
        locations = (f"{script_dir}/versions",)
        locations_from = f"script_location = {settings.as_written('script_location')!r} in {origin}"
    tsl = settings.get("truncate_slug_length")
    try:
        truncate = int(tsl) if tsl else 40
    except ValueError:
        raise AlembicGitError(
            f"truncate_slug_length {tsl!r} is not a number", path=origin
        ) from None
    name = source.display(ini or toml or cwd)
    if section != "alembic":
        name = f"{name} [{section}]"
    return Environment(
        name=name,
        version_locations=tuple(dict.fromkeys(locations)),
        recursive=settings.get_bool("recursive_version_locations"),
        script_location=script_dir,
        config_file=ini,
        toml_file=toml,
        section=section,
        file_template=settings.get("file_template") or DEFAULT_FILE_TEMPLATE,
        truncate_slug_length=truncate,
        timezone=settings.get("timezone"),
        output_encoding=settings.get("output_encoding") or "utf-8",
        search_path=tuple(search),
        base=norm(cwd),
        locations_from=locations_from,
    )


def from_version_locations(
    source: Source, cwd: str, locations: Sequence[str], recursive: bool
) -> Environment:
    """An environment named only by its version folders (config built in code)."""
    folders = tuple(dict.fromkeys(norm(os.path.join(cwd, loc)) for loc in locations))
    for folder in folders:
        if not source.is_dir(folder):
            raise AlembicGitError(
                f"--version-location {source.display(folder)} is not a folder in {source.label}",
                hint="name an existing folder of revision files",
            )
    return Environment(
        name=", ".join(source.display(f) for f in folders),
        version_locations=folders,
        recursive=recursive,
        search_path=(norm(cwd), source.root, f"{source.root}/src"),
        base=norm(cwd),
        locations_from="--version-location",
    )


def discover_all(source: Source, allow_none: bool = False) -> list[Environment]:
    """Every Alembic environment in the tree: each ini section with a script_location,
    and each ``[tool.alembic]`` not already paired with an ``alembic.ini`` beside it."""
    envs: list[Environment] = []
    files = source.find_files(frozenset({"pyproject.toml"}), ".ini")
    tomls = {f for f in files if f.endswith("/pyproject.toml") and _has_tool_alembic(source, f)}
    paired: set[str] = set()
    for path in files:
        if not path.endswith(".ini"):
            continue
        data = source.read(path) or b""
        if b"script_location" not in data and not (
            os.path.basename(path) == "alembic.ini"
            and f"{os.path.dirname(path)}/pyproject.toml" in tomls
        ):
            continue
        folder = os.path.dirname(path)
        toml = f"{folder}/pyproject.toml" if f"{folder}/pyproject.toml" in tomls else None
        parser = configparser.ConfigParser({"here": folder}, interpolation=None)
        try:
            parser.read_string(data.decode("utf-8-sig", "replace"))
        except configparser.Error:
            continue
        for section in parser.sections():
            if parser.has_option(section, "script_location") or (
                section == "alembic" and toml is not None
            ):
                env = load_environment(source, path, toml, section, folder, False)
                if env.script_location is not None and source.is_dir(env.script_location):
                    envs.append(env)  # else a leftover config (a fixture): no environment
                if toml is not None and section == "alembic":
                    paired.add(toml)
    for toml in sorted(tomls - paired):
        env = load_environment(source, None, toml, "alembic", os.path.dirname(toml), False)
        if env.script_location is not None and source.is_dir(env.script_location):
            envs.append(env)
    if not envs and not allow_none:
        raise AlembicGitError(
            f"--all found no Alembic environment in {source.label}",
            hint="no .ini section or [tool.alembic] table has a script_location that exists",
        )
    return envs
