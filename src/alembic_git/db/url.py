"""Which database an environment talks to, and how its URL is shown (never a password).

The order: ``--url``; else the environment variable named by ``database-url-env`` in a
declared environment (default ``DATABASE_URL``); else ``sqlalchemy.url`` of the
environment's Alembic config, as Alembic reads it (``%(here)s`` expanded).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError
from alembic_git.revisions.discovery import Environment
from alembic_git.revisions.source import Source

DEFAULT_URL_ENV = "DATABASE_URL"
# user:password@ in a URL that SQLAlchemy cannot parse (never shown either way)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][\w+.-]*://)(?P<user>[^:/@]*):[^@/]*@")


@dataclass(frozen=True)
class DatabaseUrl:
    url: str  # the real one: given to SQLAlchemy only, never printed
    origin: str  # where it came from, for messages

    @property
    def shown(self) -> str:
        return mask(self.url)


def mask(url: str) -> str:
    """The URL with its password replaced by ``***`` (SQLAlchemy's own rendering)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: hide the userinfo's password ourselves
        return _USERINFO.sub(r"\g<scheme>\g<user>:***@", url)


def scrub(text: str, url: str) -> str:
    """``text`` (a driver's error message) without the URL's password in it."""
    try:
        from sqlalchemy.engine import make_url

        password = make_url(url).password
    except Exception:
        password = None
    if password:
        text = text.replace(str(password), "***")
    return text.replace(url, mask(url))


def expand(value: str, environ: Mapping[str, str], what: str) -> str:
    """``$NAME`` / ``${NAME}`` alone: that environment variable (for published-databases)."""
    match = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", value.strip())
    if match is None:
        return value
    found = environ.get(match.group(1))
    if not found:
        raise AlembicGitError(
            f"{what} names ${match.group(1)}, which is not set",
            hint=f"export {match.group(1)}=<database URL>, or write the URL itself",
        )
    return found


def choose_url(
    source: Source,
    env: Environment,
    flag: str | None,
    environ: Mapping[str, str] | None = None,
) -> DatabaseUrl | None:
    """The environment's database URL, or None when nothing names one."""
    environ = os.environ if environ is None else environ
    if flag:
        return DatabaseUrl(flag, "--url")
    var = env.database_url_env or DEFAULT_URL_ENV
    if environ.get(var):
        return DatabaseUrl(environ[var], f"${var}")
    if env.config_file is None and env.toml_file is None:
        return None
    # Alembic's own reading of the config (ini first, then [tool.alembic]).
    from alembic_git.revisions.discovery import _Settings

    settings = _Settings(source, env.config_file, env.toml_file, env.section)
    value = settings.get("sqlalchemy.url")
    if not value:
        return None
    where = source.display(env.config_file or env.toml_file or "")
    return DatabaseUrl(value, f"sqlalchemy.url in {where}")


def require_url(source: Source, env: Environment, flag: str | None) -> DatabaseUrl:
    found = choose_url(source, env, flag)
    if found is None:
        var = env.database_url_env or DEFAULT_URL_ENV
        raise AlembicGitError(
            f"{env.name}: no database URL: no --url, ${var} is not set, and the Alembic "
            "config has no sqlalchemy.url",
            hint=f"pass --url URL or export {var}=URL",
        )
    return found
