"""GitLab: the merge request from the CI variables, and its notes over REST v4."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from alembic_git.bot import PullRequest, number, required
from alembic_git.bot.http import Client, timeouts
from alembic_git.bot.sticky import Comment
from alembic_git.errors import AlembicGitError

_IN_MR = (
    'run it in a merge request pipeline (rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event")'
)


def merge_request(environ: Mapping[str, str]) -> PullRequest:
    iid = number(required(environ, "CI_MERGE_REQUEST_IID", _IN_MR), "CI_MERGE_REQUEST_IID")

    def get(*names: str) -> str | None:
        return next((environ[n].strip() for n in names if environ.get(n, "").strip()), None)

    return PullRequest(
        where=f"{environ.get('CI_PROJECT_PATH') or environ.get('CI_PROJECT_ID', '')}!{iid}",
        number=iid,
        base_ref=get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        # The target's tip (merged-results pipelines), else where the MR's diff starts.
        base_sha=get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA", "CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        # In merged-results pipelines CI_COMMIT_SHA is the merge; the source tip is this one.
        head_sha=get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_COMMIT_SHA"),
        head_ref=get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_REF_NAME"),
        base_url=get("CI_MERGE_REQUEST_PROJECT_URL"),
        fork=get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID") != get("CI_MERGE_REQUEST_PROJECT_ID"),
    )


class GitLab:
    name = "GitLab"

    def __init__(self, environ: Mapping[str, str], pr: PullRequest) -> None:
        token = required(
            environ,
            "GITLAB_TOKEN",
            "create a project access token with the api scope and store it as a masked "
            "CI/CD variable GITLAB_TOKEN",
        )
        project = required(environ, "CI_PROJECT_ID", _IN_MR)
        self.notes = f"projects/{quote(project, safe='')}/merge_requests/{pr.number}/notes"
        self.client = Client(
            "GitLab",
            environ.get("CI_API_V4_URL") or "https://gitlab.com/api/v4",
            {"PRIVATE-TOKEN": token},
            (token,),
            *timeouts(environ),
        )
        self._me: str | None = environ.get("ALEMBIC_GIT_BOT_LOGIN") or None

    def me(self) -> str:
        if self._me is None:
            user = self.client.get("user")
            name = user.get("username") if isinstance(user, dict) else None
            if not isinstance(name, str) or not name:
                raise AlembicGitError("GitLab API: GET /user gave no username")
            self._me = name
        return self._me

    def comments(self) -> list[Comment]:
        # Notes come newest first unless asked otherwise; system notes are GitLab's own.
        params: dict[str, str | int] = {"per_page": 100, "sort": "asc", "order_by": "created_at"}
        notes = self.client.get_all(self.notes, params)
        return [_note(n) for n in notes if isinstance(n, dict) and not n.get("system")]

    def create(self, body: str) -> Comment:
        return _note(self.client.request("POST", self.client.url(self.notes), {"body": body}).data)

    def update(self, comment: Comment, body: str) -> Comment:
        url = self.client.url(f"{self.notes}/{comment.id}")
        return _note(self.client.request("PUT", url, {"body": body}).data)


def _note(data: Any) -> Comment:
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise AlembicGitError("GitLab API: a note without an id")
    author = data.get("author")
    name = author.get("username") if isinstance(author, dict) else None
    return Comment(id=data["id"], body=data.get("body") or "", author=str(name or ""))
