"""GitHub: the pull request from the Actions event, and its issue comments over REST."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from alembic_git.bot import PullRequest, number, required
from alembic_git.bot.http import Client, HttpError, timeouts
from alembic_git.bot.sticky import Comment
from alembic_git.errors import AlembicGitError

ACTIONS_LOGIN = "github-actions[bot]"
_IN_ACTIONS = "run it in a GitHub Actions job triggered by pull_request"


def pull_request(environ: Mapping[str, str]) -> PullRequest:
    path = required(environ, "GITHUB_EVENT_PATH", _IN_ACTIONS)
    try:
        with open(path, encoding="utf-8") as fh:
            event = json.load(fh)
    except OSError as exc:
        raise AlembicGitError(f"cannot read GITHUB_EVENT_PATH {path!r}: {exc.strerror}") from None
    except ValueError:
        raise AlembicGitError(f"GITHUB_EVENT_PATH {path!r} is not JSON") from None
    pr = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pr, dict):
        name = environ.get("GITHUB_EVENT_NAME") or "this"
        raise AlembicGitError(
            f"the {name!r} event has no pull request",
            hint="trigger the workflow on: pull_request",
        )
    base, head = _dict(pr.get("base")), _dict(pr.get("head"))
    repo = environ.get("GITHUB_REPOSITORY", "")
    num = number(pr.get("number", event.get("number")), "the event's pull_request.number")
    return PullRequest(
        where=f"{repo}#{num}",
        number=num,
        base_ref=_str(base.get("ref")),
        base_sha=_str(base.get("sha")),
        head_sha=_str(head.get("sha")),
        head_ref=_str(head.get("ref")),
        base_url=_str(_dict(base.get("repo")).get("clone_url")),
        # A deleted fork has no head repository left: still not this one.
        fork=_dict(head.get("repo")).get("full_name") != _dict(base.get("repo")).get("full_name"),
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class GitHub:
    name = "GitHub"

    def __init__(self, environ: Mapping[str, str], pr: PullRequest) -> None:
        token = required(environ, "GITHUB_TOKEN", "pass it: env: GITHUB_TOKEN: ${{ github.token }}")
        repo = required(environ, "GITHUB_REPOSITORY", _IN_ACTIONS)
        if repo.count("/") != 1:
            raise AlembicGitError(f"GITHUB_REPOSITORY is {repo!r}, not owner/name")
        self.repo = quote(repo, safe="/")
        self.pr = pr
        self.client = Client(
            "GitHub",
            environ.get("GITHUB_API_URL") or "https://api.github.com",
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            (token,),
            *timeouts(environ),
        )
        self._me: str | None = environ.get("ALEMBIC_GIT_BOT_LOGIN") or None

    def me(self) -> str:
        """The token's user; an Actions token may not ask (403): it is github-actions[bot]."""
        if self._me is None:
            try:
                user = self.client.get("user")
            except HttpError as exc:
                if exc.status != 403:
                    raise
                user = {"login": ACTIONS_LOGIN}
            login = user.get("login") if isinstance(user, dict) else None
            if not isinstance(login, str) or not login:
                raise AlembicGitError("GitHub API: GET /user gave no login")
            self._me = login
        return self._me

    def comments(self) -> list[Comment]:
        path = f"repos/{self.repo}/issues/{self.pr.number}/comments"
        return [_comment(c) for c in self.client.get_all(path, {"per_page": 100})]

    def create(self, body: str) -> Comment:
        url = self.client.url(f"repos/{self.repo}/issues/{self.pr.number}/comments")
        return _comment(self.client.request("POST", url, {"body": body}).data)

    def update(self, comment: Comment, body: str) -> Comment:
        url = self.client.url(f"repos/{self.repo}/issues/comments/{comment.id}")
        return _comment(self.client.request("PATCH", url, {"body": body}).data)


def _comment(data: Any) -> Comment:
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise AlembicGitError("GitHub API: a comment without an id")
    user = _dict(data.get("user"))
    return Comment(
        id=data["id"],
        body=data.get("body") or "",
        author=str(user.get("login") or ""),
        url=str(data.get("html_url") or ""),
    )
