"""One sticky comment per environment, shared by the GitHub and GitLab bots.

A comment is ours when it carries our hidden marker for the environment AND
its author is the identity our token authenticates as: someone who copies the
marker into their own comment never gets it edited.  The rules:

* conflict (or error), no comment yet: create one;
* our comment exists: update it in place (the clean state reads "resolved"),
  unless the body is already the same;
* clean and no comment: post nothing, a clean pull request stays quiet;
* our open comment for an environment no longer checked: mark it resolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, unquote

from alembic_git.kinds import StepAction
from alembic_git.report.markdown_text import size

MARKER_PREFIX = "<!-- alembic-git:env="
OPEN = "<!-- alembic-git:state=open -->"
RESOLVED = "<!-- alembic-git:state=resolved -->"
_MARKER = re.compile(r"<!-- alembic-git:env=(\S*) -->")
MAX_BODY = 65_536  # GitHub's limit, in characters; we count UTF-8 bytes (never fewer)


def marker(env_name: str) -> str:
    """The hidden line naming an environment's comment (percent-encoded: no ``-->``)."""
    return f"{MARKER_PREFIX}{quote(env_name, safe='/._[]').replace('-', '%2D')} -->"


def body(env_name: str, section: str, footer: str, is_open: bool) -> str:
    """A whole comment: marker, state, the report's section, a footer."""
    state = OPEN if is_open else RESOLVED
    text = f"{marker(env_name)}\n{state}\n{section}\n\n<sub>{footer}</sub>\n"
    if size(text) > MAX_BODY:  # sections are fitted well below; a safety net only
        raw = text.encode("utf-8")[: MAX_BODY - 100].decode("utf-8", "ignore")
        text = raw[: raw.rfind("\n")] + "\n\n*… cut: the report is longer than a comment may be.*\n"
    return text


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str
    url: str = ""


class Forge(Protocol):
    name: str

    def me(self) -> str:
        """The login our token authenticates as."""

    def comments(self) -> list[Comment]:
        """Every comment of the pull request, oldest first, all pages."""

    def create(self, body: str) -> Comment: ...

    def update(self, comment: Comment, body: str) -> Comment: ...


@dataclass(frozen=True)
class Post:
    env: str
    body: str
    wanted: bool  # a conflict or an error: worth a new comment


@dataclass(frozen=True)
class Step:
    action: StepAction
    env: str
    body: str
    comment: Comment | None = None


def plan(
    posts: Sequence[Post], comments: Sequence[Comment], me: str, retired: Callable[[str], str]
) -> list[Step]:
    """What to do for each environment; ``retired(env)``: the body for one no longer checked."""
    mine = [c for c in comments if c.author == me]
    steps = []
    for post in posts:
        tag = marker(post.env)
        existing = next((c for c in mine if tag in c.body.splitlines()), None)
        if existing is None:
            steps.append(Step("create" if post.wanted else "skip", post.env, post.body))
        elif _same(existing.body, post.body):
            steps.append(Step("unchanged", post.env, post.body, existing))
        else:
            steps.append(Step("update", post.env, post.body, existing))
    checked = {marker(p.env) for p in posts}
    for c in mine:
        lines = c.body.splitlines()
        found = next((m for line in lines if (m := _MARKER.fullmatch(line.strip()))), None)
        if found and found.group(0) not in checked and OPEN in lines:
            env = unquote(found.group(1))
            checked.add(found.group(0))
            steps.append(Step("update", env, retired(env), c))
    return steps


def _same(old: str, new: str) -> bool:
    return old.replace("\r\n", "\n").strip() == new.strip()


def apply(forge: Forge, steps: Sequence[Step]) -> list[tuple[Step, Comment | None]]:
    """Carry out the plan; returns each step with the comment it touched."""
    done: list[tuple[Step, Comment | None]] = []
    for step in steps:
        if step.action == "create":
            done.append((step, forge.create(step.body)))
        elif step.action == "update" and step.comment is not None:
            if step.comment.author != forge.me():  # the plan's rule, checked again at the door
                raise AssertionError(f"refusing to edit comment {step.comment.id} of another user")
            done.append((step, forge.update(step.comment, step.body)))
        else:
            done.append((step, step.comment))
    return done
