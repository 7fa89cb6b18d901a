"""Every test runs with an isolated git: its own HOME and global config, a fixed author."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def repository_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Where support.templates builds each shared repository once for this session."""
    from support.templates import set_template_root

    set_template_root(tmp_path_factory.mktemp("templates"))
    yield


@pytest.fixture(autouse=True)
def isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[init]\n\tdefaultBranch = main\n"
        "[user]\n\tname = Test\n\temail = test@example.com\n"
        "[advice]\n\tdetachedHead = false\n"
        '[protocol "file"]\n\tallow = always\n',
        encoding="utf-8",
    )
    for key in list(os.environ):
        if key.startswith("GIT_") or key in ("ALEMBIC_CONFIG", "ALEMBIC_GIT_NO_CACHE"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TEMPLATE_DIR", "")
    yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty Alembic project (alembic.ini + migrations/) inside a fresh git repository."""
    from support.repo import init_project

    return init_project(tmp_path / "proj")


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """A project with revision aaa111 on main, pushed to the bare ``origin`` (hook tests)."""
    from support.hooks import published_world

    return published_world(tmp_path)
