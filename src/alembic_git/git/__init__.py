"""The repository layer: GitPython underneath, alembic-git's rules on top.

``base`` finds the repository and runs git through GitPython, ``catfile`` reads
objects through one persistent ``cat-file --batch``, ``refs`` names commits without
git's silent picks, ``repo`` holds the domain operations (the merged tree, the
work-tree snapshot, which commit added a file), ``env`` pins every git process to
the repository whatever a hook passed down.
"""

from __future__ import annotations

from alembic_git.git.base import ZERO_SHA, TreeEntry
from alembic_git.git.catfile import CatFile
from alembic_git.git.env import clean_env
from alembic_git.git.repo import Repo

__all__ = ["ZERO_SHA", "CatFile", "Repo", "TreeEntry", "clean_env"]
