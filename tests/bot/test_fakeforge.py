"""Self-tests for the fake GitHub/GitLab server: real HTTP over 127.0.0.1 via urllib."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from support.fakeforge import GITHUB_ACTIONS_LOGIN, GITHUB_MAX_BODY, FakeForge

REPO, PR = "acme/shop", 7
PROJECT, PROJECT_ID, MR = "group/sub/shop", 42, 3


def call(
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> tuple[int, Message, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read())


def gh(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}


def gl(token: str) -> dict[str, str]:
    return {"PRIVATE-TOKEN": token}


def parse_link(header: str | None) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header or "")}


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge() as f:
        f.add_github_user("ghp_alice", "alice")
        f.add_github_user("ghp_bob", "bob")
        f.add_github_user("ghp_fork", "forkuser", permission="read")
        f.add_github_user("ghs_actions", GITHUB_ACTIONS_LOGIN, actions_bot=True)
        f.add_gitlab_user("glpat_alice", "alice")
        f.add_gitlab_user("glpat_bob", "bob")
        f.add_gitlab_user("glpat_reader", "reader", permission="read")
        f.add_gitlab_project(PROJECT, PROJECT_ID)
        yield f


# -- lifecycle -------------------------------------------------------------------------------


def test_binds_loopback_ephemeral_port_and_stops_on_exit() -> None:
    with FakeForge() as forge:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", forge.url)
        assert forge.github_url == forge.url + "/github"
        assert forge.gitlab_url == forge.url + "/gitlab/api/v4"
        assert call("GET", forge.github_url + "/user")[0] == 401
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(forge.github_url + "/user", timeout=2)


# -- GitHub ----------------------------------------------------------------------------------


def test_github_user_accepts_bearer_and_token_schemes(forge: FakeForge) -> None:
    status, headers, body = call("GET", forge.github_url + "/user", gh("ghp_alice"))
    assert status == 200
    assert body["login"] == "alice" and isinstance(body["id"], int)
    assert headers["Content-Type"].startswith("application/json")
    status, _, body = call("GET", forge.github_url + "/user", {"Authorization": "token ghp_bob"})
    assert (status, body["login"]) == (200, "bob")


def test_github_unknown_or_missing_token_is_401(forge: FakeForge) -> None:
    comments = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    for url in (forge.github_url + "/user", comments):
        status, _, body = call("GET", url, gh("ghp_nope"))
        assert (status, body["message"]) == (401, "Bad credentials")
        assert call("GET", url)[0] == 401
    assert call("POST", comments, gh("ghp_nope"), {"body": "x"})[0] == 401
    assert forge.github_comments(REPO, PR) == []


def test_github_actions_token_cannot_read_user_but_can_comment(forge: FakeForge) -> None:
    status, _, body = call("GET", forge.github_url + "/user", gh("ghs_actions"))
    assert status == 403
    assert body["message"] == "Resource not accessible by integration"
    url = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    status, _, created = call("POST", url, gh("ghs_actions"), {"body": "hi"})
    assert status == 201
    assert created["user"] == {"login": GITHUB_ACTIONS_LOGIN, "id": 41898282, "type": "Bot"}


def test_github_pagination_follows_link_header_across_150_comments(forge: FakeForge) -> None:
    for i in range(150):
        forge.add_github_comment(REPO, PR, f"comment {i}", login=f"user{i % 7}")
    url: str | None = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    seen: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    while url:
        status, headers, page = call("GET", url, gh("ghp_alice"))
        assert status == 200
        seen += page
        links.append(parse_link(headers["Link"]))
        url = links[-1].get("next")
    assert [c["body"] for c in seen] == [f"comment {i}" for i in range(150)]
    assert len(links) == 5  # default per_page is 30
    assert set(links[0]) == {"next", "last"}
    assert links[0]["next"].endswith("/comments?page=2")
    assert links[0]["last"].endswith("/comments?page=5")
    assert set(links[2]) == {"prev", "next", "last", "first"}
    assert set(links[-1]) == {"prev", "first"}
    gets = [r for r in forge.requests if r.method == "GET" and r.path.endswith("/comments")]
    assert [r.query.get("page") for r in gets] == [None, ["2"], ["3"], ["4"], ["5"]]
    first = seen[0]
    assert set(first) >= {"id", "body", "user", "html_url", "created_at", "updated_at"}
    assert set(first["user"]) == {"login", "id", "type"} and first["user"]["type"] == "User"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["created_at"])


def test_github_per_page_is_kept_in_links_and_capped_at_100(forge: FakeForge) -> None:
    for i in range(150):
        forge.add_github_comment(REPO, PR, f"c{i}")
    base = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    _, headers, page = call("GET", base + "?per_page=100", gh("ghp_alice"))
    assert len(page) == 100
    link = headers["Link"]
    assert (
        link
        == f'<{base}?per_page=100&page=2>; rel="next", <{base}?per_page=100&page=2>; rel="last"'
    )
    _, headers, page = call("GET", base + "?per_page=100&page=2", gh("ghp_alice"))
    assert [c["body"] for c in page] == [f"c{i}" for i in range(100, 150)]
    assert "next" not in parse_link(headers["Link"])
    assert len(call("GET", base + "?per_page=500", gh("ghp_alice"))[2]) == 100
    assert call("GET", base + "?per_page=100&page=9", gh("ghp_alice"))[2] == []


def test_github_single_page_has_no_link_header(forge: FakeForge) -> None:
    forge.add_github_comment(REPO, PR, "only one")
    url = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    status, headers, page = call("GET", url, gh("ghp_alice"))
    assert status == 200 and len(page) == 1 and headers["Link"] is None
    assert (
        call("GET", f"{forge.github_url}/repos/{REPO}/issues/999/comments", gh("ghp_alice"))[2]
        == []
    )


def test_github_create_and_update_own_comment(forge: FakeForge) -> None:
    url = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    status, _, created = call("POST", url, gh("ghp_alice"), {"body": "<!-- tag -->\nv1"})
    assert status == 201
    assert created["user"]["login"] == "alice" and created["body"] == "<!-- tag -->\nv1"
    assert created["html_url"].endswith(f"/{REPO}/pull/{PR}#issuecomment-{created['id']}")
    patch = f"{forge.github_url}/repos/{REPO}/issues/comments/{created['id']}"
    status, _, updated = call("PATCH", patch, gh("ghp_alice"), {"body": "v2"})
    assert (status, updated["id"], updated["body"]) == (200, created["id"], "v2")
    assert [c["body"] for c in forge.github_comments(REPO, PR)] == ["v2"]


def test_github_cannot_update_someone_elses_comment(forge: FakeForge) -> None:
    theirs = forge.add_github_comment(REPO, PR, "bob's", login="bob")
    patch = f"{forge.github_url}/repos/{REPO}/issues/comments/{theirs['id']}"
    status, _, body = call("PATCH", patch, gh("ghp_alice"), {"body": "hijack"})
    assert (status, body["message"]) == (403, "Resource not accessible by integration")
    assert forge.github_comments(REPO, PR)[0]["body"] == "bob's"
    assert call("PATCH", patch, gh("ghp_bob"), {"body": "edited"})[0] == 200


def test_github_update_unknown_comment_is_404(forge: FakeForge) -> None:
    patch = f"{forge.github_url}/repos/{REPO}/issues/comments/123456"
    status, _, body = call("PATCH", patch, gh("ghp_alice"), {"body": "x"})
    assert (status, body["message"]) == (404, "Not Found")
    mine = forge.add_github_comment(REPO, PR, "mine", login="alice")
    other_repo = f"{forge.github_url}/repos/acme/other/issues/comments/{mine['id']}"
    assert call("PATCH", other_repo, gh("ghp_alice"), {"body": "x"})[0] == 404


def test_github_read_only_token_can_list_but_not_write(forge: FakeForge) -> None:
    own = forge.add_github_comment(REPO, PR, "old", login="forkuser")
    url = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    assert call("GET", url, gh("ghp_fork"))[0] == 200
    status, _, body = call("POST", url, gh("ghp_fork"), {"body": "x"})
    assert (status, body["message"]) == (403, "Resource not accessible by integration")
    patch = f"{forge.github_url}/repos/{REPO}/issues/comments/{own['id']}"
    assert call("PATCH", patch, gh("ghp_fork"), {"body": "x"})[0] == 403
    assert [c["body"] for c in forge.github_comments(REPO, PR)] == ["old"]


def test_github_rejects_missing_or_oversized_body(forge: FakeForge) -> None:
    url = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    assert call("POST", url, gh("ghp_alice"), {"text": "x"})[0] == 422
    status, _, body = call("POST", url, gh("ghp_alice"), {"body": "x" * (GITHUB_MAX_BODY + 1)})
    assert (status, body["message"]) == (422, "Validation Failed")
    assert call("POST", url, gh("ghp_alice"), {"body": "x" * GITHUB_MAX_BODY})[0] == 201


# -- GitLab ----------------------------------------------------------------------------------


def notes_url(forge: FakeForge, project: str = "group%2Fsub%2Fshop") -> str:
    return f"{forge.gitlab_url}/projects/{project}/merge_requests/{MR}/notes"


def test_gitlab_user_accepts_private_token_and_bearer(forge: FakeForge) -> None:
    status, _, body = call("GET", forge.gitlab_url + "/user", gl("glpat_alice"))
    assert (status, body["username"]) == (200, "alice") and isinstance(body["id"], int)
    status, _, body = call("GET", forge.gitlab_url + "/user", {"Authorization": "Bearer glpat_bob"})
    assert (status, body["username"]) == (200, "bob")
    status, _, body = call("GET", forge.gitlab_url + "/user", gl("glpat_nope"))
    assert (status, body["message"]) == (401, "401 Unauthorized")
    assert call("GET", notes_url(forge))[0] == 401


def test_gitlab_pagination_headers_across_150_notes(forge: FakeForge) -> None:
    for i in range(150):
        forge.add_gitlab_note(PROJECT, MR, f"note {i}", user=f"dev{i % 5}")
    url = notes_url(forge) + "?sort=asc"
    seen: list[dict[str, Any]] = []
    pages: list[Message] = []
    while True:
        status, headers, page = call("GET", url, gl("glpat_alice"))
        assert status == 200
        seen += page
        pages.append(headers)
        if not headers["X-Next-Page"]:
            break
        url = notes_url(forge) + f"?sort=asc&page={headers['X-Next-Page']}"
    assert [n["body"] for n in seen] == [f"note {i}" for i in range(150)]
    assert len(pages) == 8  # default per_page is 20
    first, last = pages[0], pages[-1]
    assert (first["X-Page"], first["X-Per-Page"], first["X-Next-Page"]) == ("1", "20", "2")
    assert (first["X-Total"], first["X-Total-Pages"], first["X-Prev-Page"]) == ("150", "8", "")
    assert (last["X-Page"], last["X-Next-Page"], last["X-Prev-Page"]) == ("8", "", "7")
    assert set(parse_link(first["Link"])) == {"next", "first", "last"}
    assert parse_link(first["Link"])["next"].endswith("/notes?sort=asc&page=2")
    assert set(parse_link(last["Link"])) == {"prev", "first", "last"}
    note = seen[0]
    assert set(note) >= {"id", "body", "author", "system", "created_at", "updated_at"}
    assert set(note["author"]) >= {"id", "username"} and note["system"] is False
    fetched = [r for r in forge.requests if r.path.endswith("/notes")]
    assert len(fetched) == 8


def test_gitlab_default_sort_is_newest_first_and_per_page_capped(forge: FakeForge) -> None:
    for i in range(150):
        forge.add_gitlab_note(PROJECT, MR, f"n{i}")
    _, headers, page = call("GET", notes_url(forge) + "?per_page=1000", gl("glpat_alice"))
    assert headers["X-Per-Page"] == "100" and headers["X-Total-Pages"] == "2"
    assert page[0]["body"] == "n149" and len(page) == 100


def test_gitlab_numeric_and_encoded_project_ids_are_the_same_project(forge: FakeForge) -> None:
    status, _, created = call(
        "POST", notes_url(forge, str(PROJECT_ID)), gl("glpat_alice"), {"body": "hi"}
    )
    assert status == 201
    assert created["author"]["username"] == "alice" and created["system"] is False
    _, _, listed = call("GET", notes_url(forge), gl("glpat_alice"))
    assert [n["id"] for n in listed] == [created["id"]]
    assert [n["body"] for n in forge.gitlab_notes(PROJECT, MR)] == ["hi"]
    assert forge.gitlab_notes(PROJECT_ID, MR) == forge.gitlab_notes(PROJECT, MR)
    unencoded = f"{forge.gitlab_url}/projects/group/sub/shop/merge_requests/{MR}/notes"
    assert call("GET", unencoded, gl("glpat_alice"))[0] == 404


def test_gitlab_update_own_note_but_not_others(forge: FakeForge) -> None:
    theirs = forge.add_gitlab_note(PROJECT, MR, "bob's", user="bob")
    status, _, mine = call("POST", notes_url(forge), gl("glpat_alice"), {"body": "v1"})
    assert status == 201
    status, _, updated = call(
        "PUT", f"{notes_url(forge)}/{mine['id']}", gl("glpat_alice"), {"body": "v2"}
    )
    assert (status, updated["body"], updated["id"]) == (200, "v2", mine["id"])
    status, _, body = call(
        "PUT", f"{notes_url(forge)}/{theirs['id']}", gl("glpat_alice"), {"body": "x"}
    )
    assert (status, body["message"]) == (403, "403 Forbidden")
    assert call("PUT", f"{notes_url(forge)}/999999", gl("glpat_alice"), {"body": "x"})[0] == 404
    assert [n["body"] for n in forge.gitlab_notes(PROJECT, MR)] == ["bob's", "v2"]


def test_gitlab_read_only_token_cannot_write(forge: FakeForge) -> None:
    own = forge.add_gitlab_note(PROJECT, MR, "old", user="reader")
    assert call("GET", notes_url(forge), gl("glpat_reader"))[0] == 200
    assert call("POST", notes_url(forge), gl("glpat_reader"), {"body": "x"})[0] == 403
    assert (
        call("PUT", f"{notes_url(forge)}/{own['id']}", gl("glpat_reader"), {"body": "x"})[0] == 403
    )


def test_gitlab_system_notes_are_listed(forge: FakeForge) -> None:
    forge.add_gitlab_note(PROJECT, MR, "added 1 commit", user="bob", system=True)
    _, _, page = call("GET", notes_url(forge), gl("glpat_alice"))
    assert page[0]["system"] is True


# -- recording, secrecy, concurrency ---------------------------------------------------------


def test_requests_are_recorded_and_token_only_in_auth_header(forge: FakeForge) -> None:
    call(
        "POST",
        f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments",
        gh("ghp_alice"),
        {"body": "a"},
    )
    call("GET", notes_url(forge) + "?per_page=5", gl("glpat_alice"))
    gh_req, gl_req = forge.requests
    assert (gh_req.method, gh_req.path) == ("POST", f"/github/repos/{REPO}/issues/{PR}/comments")
    assert gh_req.json() == {"body": "a"} and gh_req.header("authorization") == "Bearer ghp_alice"
    assert gl_req.path == f"/gitlab/api/v4/projects/group%2Fsub%2Fshop/merge_requests/{MR}/notes"
    assert gl_req.query == {"per_page": ["5"]} and gl_req.header("Private-Token") == "glpat_alice"
    assert not gh_req.leaks("ghp_alice") and not gl_req.leaks("glpat_alice")
    call("GET", forge.github_url + "/user?access_token=ghp_alice", gh("ghp_alice"))
    call("POST", notes_url(forge), gl("glpat_alice"), {"body": "token glpat_alice"})
    assert [r.leaks("ghp_alice") or r.leaks("glpat_alice") for r in forge.requests[2:]] == [
        True,
        True,
    ]
    forge.clear_requests()
    assert forge.requests == []


def test_concurrent_posts_are_all_stored_with_unique_ids(forge: FakeForge) -> None:
    url = f"{forge.github_url}/repos/{REPO}/issues/{PR}/comments"
    results: list[int] = []

    def post(i: int) -> None:
        results.append(call("POST", url, gh("ghp_alice"), {"body": f"b{i}"})[2]["id"])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = forge.github_comments(REPO, PR)
    assert len(stored) == 25 and len({c["id"] for c in stored}) == 25
    assert sorted(results) == sorted(c["id"] for c in stored)


def test_seeding_helpers_return_copies(forge: FakeForge) -> None:
    seeded = forge.add_comment(REPO, PR, "x", login="carol")
    seeded["body"] = "mutated"
    forge.github_comments(REPO, PR)[0]["user"]["login"] = "mallory"
    assert forge.github_comments(REPO, PR)[0]["body"] == "x"
    assert forge.github_comments(REPO, PR)[0]["user"]["login"] == "carol"
