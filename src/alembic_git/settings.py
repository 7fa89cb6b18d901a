"""Project settings of alembic-git: a command-line flag wins, then
``git config alembic-git.*``, then ``[tool.alembic-git]`` in the repository's
``pyproject.toml``, then the default.

=================  =========================  ===================  =========
setting            git config                 pyproject.toml       default
=================  =========================  ===================  =========
mode               alembic-git.mode           mode                 warn
target             alembic-git.target         target               the remote's default branch
fail on error      alembic-git.failOnError    fail-on-error        false
protected refs     alembic-git.protect (*)    protect (list)       the HEAD branch
published refs     alembic-git.published (*)  published (list)     the target
=================  =========================  ===================  =========

(*) may be given several times; pre-receive protects the union of all sources, and
merge-heads never moves a revision reachable from any published ref of any source.

Everything is read with one ``git config`` call; ``pyproject.toml`` is parsed only
when it mentions ``alembic-git``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from alembic_git.errors import AlembicGitError
from alembic_git.git import Repo
from alembic_git.kinds import HookMode, words

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MODES = words(HookMode)
_PREFIX = "alembic-git."
_CONFIG_PATTERN = r"^(alembic-git\.|remote\..*\.url$)"
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0", ""})


@dataclass
class RawSettings:
    """What git config and pyproject.toml say, before validation."""

    git: dict[str, list[str | None]] = field(default_factory=dict)  # lower-cased key
    toml: dict[str, Any] = field(default_factory=dict)
    toml_name: str = "pyproject.toml"
    toml_error: str | None = None
    remotes: dict[str, str] = field(default_factory=dict)  # remote name -> url

    @classmethod
    def read(cls, repo: Repo) -> RawSettings:
        raw = cls()
        for key, value in repo.config_regexp(_CONFIG_PATTERN):
            if key.lower().startswith(_PREFIX):
                raw.git.setdefault(key[len(_PREFIX) :].lower(), []).append(value)
            elif value is not None:
                raw.remotes[key[len("remote.") : -len(".url")]] = value
        if repo.toplevel is not None:
            try:
                data: bytes | None = (repo.toplevel / "pyproject.toml").read_bytes()
            except OSError:
                data = None
        else:  # a bare repository: the HEAD commit's file
            data = repo.cat().read("HEAD:pyproject.toml")
            raw.toml_name = "pyproject.toml (in HEAD)"
        if data is not None and b"alembic-git" in data:
            try:
                table = tomllib.loads(data.decode("utf-8-sig")).get("tool", {})
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raw.toml_error = f"{raw.toml_name} cannot be read: {exc}"
            else:
                found = table.get("alembic-git", {}) if isinstance(table, dict) else {}
                raw.toml = found if isinstance(found, dict) else {}
        return raw

    def git_value(self, key: str) -> str | None:
        """The last value of ``alembic-git.KEY`` (git's rule); a bare key reads as true."""
        values = self.git.get(key.lower())
        if not values:
            return None
        return "true" if values[-1] is None else values[-1]

    def remote_for_url(self, url: str) -> str | None:
        return next((name for name, u in self.remotes.items() if u == url), None)


@dataclass(frozen=True)
class HookSettings:
    mode: str
    mode_from: str  # where the mode came from, for messages
    target: str | None
    target_from: str | None
    protect: tuple[str, ...]


def git_bool(value: str, where: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise AlembicGitError(f"{where} is {value!r}, not a boolean", hint="use true or false")


def fail_on_error(raw: RawSettings | None, flag: bool | None) -> bool:
    """Whether a failure of the check refuses the push; never raises (an invalid value: no)."""
    if flag is not None:
        return flag
    if raw is None:
        return False
    value = raw.git_value("failOnError")
    if value is not None:
        return value.lower() in _TRUE
    toml = raw.toml.get("fail-on-error", raw.toml.get("fail_on_error"))
    return toml is True


def resolve(
    raw: RawSettings,
    mode: str | None = None,
    target: str | None = None,
    protect: tuple[str, ...] = (),
) -> HookSettings:
    """Validate and combine; raises ``AlembicGitError`` naming the bad setting."""
    if raw.toml_error:
        raise AlembicGitError(raw.toml_error)
    if raw.git_value("failOnError") is not None:
        git_bool(raw.git_value("failOnError") or "", "git config alembic-git.failOnError")
    toml_where = f"{raw.toml_name} [tool.alembic-git]"
    mode_value, mode_from = _pick(raw, "mode", mode, "--mode", toml_where)
    mode_value = mode_value or "warn"
    if mode_value not in MODES:
        raise AlembicGitError(
            f"{mode_from} is {mode_value!r}, expected one of: {', '.join(MODES)}",
            hint="git config alembic-git.mode warn (or block)",
        )
    target_value, target_from = _pick(raw, "target", target, "--target", toml_where)
    toml_protect = raw.toml.get("protect", [])
    if isinstance(toml_protect, str):
        toml_protect = [toml_protect]
    if not isinstance(toml_protect, list) or not all(isinstance(p, str) for p in toml_protect):
        raise AlembicGitError(f"{toml_where} protect must be a list of refs")
    git_protect = [v for v in raw.git.get("protect", []) if v]
    everything = [*protect, *git_protect, *toml_protect]
    return HookSettings(
        mode=mode_value,
        mode_from=mode_from,
        target=target_value or None,
        target_from=target_from if target_value else None,
        protect=tuple(dict.fromkeys(everything)),
    )


def _pick(
    raw: RawSettings, key: str, flag: str | None, flag_name: str, toml_where: str
) -> tuple[str | None, str]:
    if flag is not None:
        return flag, flag_name
    value = raw.git_value(key)
    if value is not None:
        return value.strip(), f"git config alembic-git.{key}"
    toml = raw.toml.get(key)
    if toml is not None:
        if not isinstance(toml, str):
            raise AlembicGitError(f"{toml_where} {key} must be a string, not {toml!r}")
        return toml.strip(), f"{toml_where} {key}"
    return None, "default"


def configured_target(raw: RawSettings) -> tuple[str | None, str]:
    """The target branch the project names (git config, then pyproject), and where."""
    value, where = _pick(raw, "target", None, "", f"{raw.toml_name} [tool.alembic-git]")
    return (value or None), where


def published_patterns(raw: RawSettings) -> list[tuple[str, str]]:
    """(ref or pattern, where it is set) for each published ref: ``git config
    alembic-git.published`` (multi-valued) and ``[tool.alembic-git] published`` add up."""
    toml_where = f"{raw.toml_name} [tool.alembic-git] published"
    toml = raw.toml.get("published", [])
    if isinstance(toml, str):
        toml = [toml]
    if not isinstance(toml, list) or not all(isinstance(p, str) and p.strip() for p in toml):
        raise AlembicGitError(
            f"{toml_where} must be a list of refs or patterns, not {toml!r}",
            hint='e.g. published = ["origin/main", "origin/release/*", "refs/tags/*"]',
        )
    found = [
        (value.strip(), "git config alembic-git.published")
        for value in raw.git.get("published", [])
        if value and value.strip()
    ]
    found += [(value.strip(), toml_where) for value in toml]
    return list(dict.fromkeys(found))
