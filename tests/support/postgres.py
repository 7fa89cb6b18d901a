"""A throwaway PostgreSQL cluster for the tests: ``initdb`` + ``pg_ctl`` on a temporary
folder, loopback port and Unix socket, stopped and deleted at the end of the session.

The server binaries come from ``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql``
package; ``.ci/run`` installs it) or PATH.  ``initdb`` refuses to run as root, so as
root the cluster belongs to an unprivileged user: ``postgres`` when the package made
one, else a system user created here (``alembicgit-pg``).  The tests skip, saying
why, only when no server binaries or no psycopg driver can be found.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_OWN_USER = "alembicgit-pg"


@dataclass
class PgServer:
    port: int
    socket_dir: Path
    log: Path

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        with self.connect(database) as conn:
            cur = conn.execute(sql)
            return list(cur.fetchall()) if cur.description else []

    def create_database(self, name: str) -> str:
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _owner() -> pwd.struct_passwd | None:
    """The unprivileged user that runs the server when we are root; None: ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", _OWN_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _OWN_USER],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(_OWN_USER)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], owner: pwd.struct_passwd | None) -> None:
    kwargs: dict[str, Any] = {}
    if owner is not None:
        kwargs = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    env = dict(os.environ, LC_ALL="C")
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}")


@pytest.fixture(scope="session", name="pg")
def pg_fixture() -> Iterator[PgServer]:
    """The session's server; a test module imports ``pg_fixture`` and asks for ``pg``."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("no psycopg driver: pip install 'psycopg[binary]' (the test extra)")
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip(
            "no PostgreSQL server: initdb is not in /usr/lib/postgresql/*/bin nor on PATH "
            "(.ci/run installs the distribution's postgresql package)"
        )
    owner = _owner()
    base = Path(tempfile.mkdtemp(prefix="alembic-git-pg-"))
    data = base / "data"
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    server = PgServer(port, base, base / "server.log")
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base} "
        "-c fsync=off -c max_connections=30"
    )
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
             "-E", "UTF8", "--no-sync"],
            owner,
        )
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(server.log), "-o", options,
             "-w", "-t", "30", "start"],
            owner,
        )
    except RuntimeError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"the PostgreSQL test server did not start: {exc}")
    try:
        yield server
    finally:
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], owner)
        shutil.rmtree(base, ignore_errors=True)
