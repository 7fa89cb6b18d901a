"""The pull-request bot: one sticky comment per environment on GitHub or GitLab."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alembic_git.errors import AlembicGitError

PROVIDERS = ("github", "gitlab")


@dataclass(frozen=True)
class PullRequest:
    """What the CI job says about the pull (merge) request it runs for."""

    where: str  # "acme/shop#7", "project 42 !3": for messages
    number: int
    base_ref: str | None
    base_sha: str | None
    head_sha: str | None
    head_ref: str | None
    base_url: str | None = None  # where the base repository can be fetched from
    fork: bool = False  # the head lives in another repository than the base


def detect(environ: Mapping[str, str]) -> str:
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab"
    raise AlembicGitError(
        "cannot tell which forge this job runs on (neither GITHUB_ACTIONS nor GITLAB_CI is set)",
        hint="pass --provider github or --provider gitlab",
    )


def required(environ: Mapping[str, str], name: str, hint: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise AlembicGitError(f"{name} is not set", hint=hint)
    return value


def number(value: object, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise AlembicGitError(f"{name} is {value!r}, not a pull request number")
