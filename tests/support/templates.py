"""Repositories built once per test session (per xdist worker) and copied per test.

Many tests start from the same published project or pull request: a dozen git
processes each. ``copy_of`` builds such a layout once into a template folder and gives
every test its own copy (``shutil.copytree``; git repositories copy as plain files).
Git config files name their remotes by absolute path: those paths are rewritten from
the template to the copy, so a copy never pushes into the template or another test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

_root: Path | None = None  # set by the session fixture in conftest.py
_built: set[str] = set()


def set_template_root(path: Path) -> None:
    global _root
    _root = path
    _built.clear()


def copy_of(key: str, build: Callable[[Path], object], dest: Path) -> None:
    """Fill ``dest`` with what ``build(folder)`` writes into an empty folder.

    ``key`` names the layout: the same key must always build the same thing.
    """
    if _root is None:  # outside the session fixture: build in place
        build(dest)
        return
    template = _root / key
    if key not in _built:
        if template.exists():  # a build that failed half-way: start again
            shutil.rmtree(template)
        template.mkdir(parents=True)
        build(template)
        _built.add(key)
    shutil.copytree(template, dest, symlinks=True, dirs_exist_ok=True)
    _repoint_remotes(dest, str(template), str(dest))


def _repoint_remotes(dest: Path, old: str, new: str) -> None:
    for config in [*dest.rglob(".git/config"), *dest.glob("*.git/config")]:
        text = config.read_text(encoding="utf-8")
        if old in text:
            config.write_text(text.replace(old, new), encoding="utf-8")
