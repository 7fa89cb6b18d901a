"""A fake GitHub / GitLab REST server on 127.0.0.1 for tests (stdlib only, no mocks).

    with FakeForge() as forge:
        forge.add_github_user("ghp_x", "alice")
        env = {"GITHUB_API_URL": forge.github_url, "CI_API_V4_URL": forge.gitlab_url}

Only the endpoints a sticky-comment bot needs exist. Every request is recorded in
`forge.requests`; all state is guarded by one lock, so it is safe to hit from threads.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode

GITHUB_ACTIONS_LOGIN = "github-actions[bot]"
GITHUB_ACTIONS_ID = 41898282
GITHUB_MAX_BODY = 65536  # characters, as enforced by api.github.com
GITLAB_MAX_BODY = 1_000_000
_GH_DOCS = "https://docs.github.com/rest"
_AUTH_HEADERS = frozenset({"authorization", "private-token"})

Json = dict[str, Any]
Reply = tuple[int, Any, dict[str, str]]  # status, JSON payload, extra response headers


def _gh_error(status: int, message: str) -> Reply:
    return status, {"message": message, "documentation_url": _GH_DOCS, "status": str(status)}, {}


_GH_401 = _gh_error(401, "Bad credentials")
_GH_403 = _gh_error(403, "Resource not accessible by integration")
_GH_404 = _gh_error(404, "Not Found")
_GL_403: Reply = (403, {"message": "403 Forbidden"}, {})
_GL_404: Reply = (404, {"message": "404 Not found"}, {})


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; `path` is raw (still percent-encoded), without the query."""

    method: str
    path: str
    query_string: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def leaks(self, secret: str) -> bool:
        """True if `secret` appears anywhere except the Authorization / PRIVATE-TOKEN header."""
        places = [self.path, self.query_string, self.body.decode("utf-8", "replace")]
        places += [v for k, v in self.headers.items() if k.lower() not in _AUTH_HEADERS]
        return any(secret in p or secret in unquote(p) for p in places)


@dataclass
class _User:
    login: str
    id: int
    permission: str  # "write" | "read"
    actions_bot: bool = False


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class FakeForge:
    """GitHub REST under `/github`, GitLab REST v4 under `/gitlab/api/v4`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._gh_tokens: dict[str, _User] = {}
        self._gl_tokens: dict[str, _User] = {}
        self._user_ids: dict[str, int] = {GITHUB_ACTIONS_LOGIN: GITHUB_ACTIONS_ID}
        self._gh_comments: dict[tuple[str, int], list[Json]] = {}
        self._gl_notes: dict[tuple[str, int], list[Json]] = {}
        self._gl_project_ids: dict[str, str] = {}  # "42" -> "group/project"
        self._last_id = 1000
        self._redirects: list[tuple[str, int, str]] = []  # (path regex, status, Location)
        self.trickle = 0.0  # > 0: send every answer one byte at a time, this many seconds apart
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> FakeForge:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.forge = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        serve = self._server.serve_forever  # short poll: fast shutdown in __exit__
        self._thread = threading.Thread(target=serve, args=(0.01,), daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)

    @property
    def github_url(self) -> str:
        return self.url + "/github"

    @property
    def gitlab_url(self) -> str:
        return self.url + "/gitlab/api/v4"

    # -- helpers for tests -------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def add_github_user(
        self, token: str, login: str, permission: str = "write", actions_bot: bool = False
    ) -> None:
        with self._lock:
            self._gh_tokens[token] = _User(login, self._uid(login), permission, actions_bot)

    def add_gitlab_user(self, token: str, username: str, permission: str = "write") -> None:
        with self._lock:
            self._gl_tokens[token] = _User(username, self._uid(username), permission)

    def add_gitlab_project(self, path: str, project_id: int) -> None:
        """Make numeric `project_id` an alias of `path` ("group/project")."""
        with self._lock:
            self._gl_project_ids[str(project_id)] = path

    def add_github_comment(self, repo: str, number: int, body: str, login: str = "someone") -> Json:
        """Seed a comment on PR `number` of `repo` ("owner/name"); returns a copy of it."""
        with self._lock:
            return copy.deepcopy(self._gh_create(repo, number, body, login))

    add_comment = add_github_comment

    def github_comments(self, repo: str, number: int) -> list[Json]:
        with self._lock:
            return copy.deepcopy(self._gh_comments.get((repo, number), []))

    def add_gitlab_note(
        self, project: str | int, iid: int, body: str, user: str = "someone", system: bool = False
    ) -> Json:
        with self._lock:
            note = self._gl_create(self._project(str(project)), iid, body, user)
            note["system"] = system
            return copy.deepcopy(note)

    def gitlab_notes(self, project: str | int, iid: int) -> list[Json]:
        """Notes of MR `iid`, oldest first (the API itself defaults to newest first)."""
        with self._lock:
            return copy.deepcopy(self._gl_notes.get((self._project(str(project)), iid), []))

    def redirect(self, path: str, status: int, location: str) -> None:
        """Answer requests whose raw ``path?query`` (``path`` alone without a query) fully
        matches the regex ``path`` with ``status`` and ``Location: location``."""
        with self._lock:
            self._redirects.append((path, status, location))

    # -- state; callers hold the lock ----------------------------------------------------
    def _uid(self, login: str) -> int:
        return self._user_ids.setdefault(login, 500 + len(self._user_ids))

    def _project(self, key: str) -> str:
        return self._gl_project_ids.get(key, key)

    def _gh_create(self, repo: str, number: int, body: str, login: str) -> Json:
        self._last_id += 1
        cid, now = self._last_id, _now()
        user = {"login": login, "id": self._uid(login)}
        user["type"] = "Bot" if login.endswith("[bot]") else "User"
        url = f"https://github.com/{repo}/pull/{number}#issuecomment-{cid}"
        comment = {"id": cid, "body": body, "user": user, "html_url": url}
        comment.update(created_at=now, updated_at=now)
        self._gh_comments.setdefault((repo, number), []).append(comment)
        return comment

    def _gl_create(self, project: str, iid: int, body: str, username: str) -> Json:
        self._last_id += 1
        author = {"id": self._uid(username), "username": username}
        note = {"id": self._last_id, "body": body, "author": author, "system": False}
        note.update(created_at=_now(), updated_at=_now(), noteable_type="MergeRequest")
        note["noteable_iid"] = iid
        self._gl_notes.setdefault((project, iid), []).append(note)
        return note

    # -- HTTP ------------------------------------------------------------------------------
    def _handle(self, req: RecordedRequest) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:  # serialise under the lock: payloads reference live state
            self._requests.append(req)
            for pattern, status, location in self._redirects:
                target = f"{req.path}?{req.query_string}" if req.query_string else req.path
                if re.fullmatch(pattern, target):
                    return status, b"", {"Location": location}
            segs = [unquote(s) for s in req.path.split("/")[1:]]
            if segs[:1] == ["github"]:
                status, payload, headers = self._github(req, "/".join(segs[1:]))
            elif segs[:3] == ["gitlab", "api", "v4"]:
                status, payload, headers = self._gitlab(req, segs[3:])
            else:
                status, payload, headers = 404, {"message": "Not Found"}, {}
            return status, json.dumps(payload).encode(), headers

    def _page(
        self, req: RecordedRequest, items: list[Json], n: int
    ) -> tuple[list[Json], int, int, int]:
        per_page = min(max(_int(req.query.get("per_page", [None])[0], n), 1), 100)
        page = max(_int(req.query.get("page", [None])[0], 1), 1)
        last = max(-(-len(items) // per_page), 1)
        return items[(page - 1) * per_page : page * per_page], page, per_page, last

    def _links(self, req: RecordedRequest, rels: list[tuple[int, str]]) -> str:
        """RFC 5988 Link header; keeps the request's other query parameters, page last."""
        params = [(k, v) for k, v in parse_qsl(req.query_string) if k != "page"]
        return ", ".join(
            f'<{self.url}{req.path}?{urlencode([*params, ("page", p)])}>; rel="{rel}"'
            for p, rel in rels
        )

    def _github(self, req: RecordedRequest, path: str) -> Reply:
        scheme, _, token = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return _gh_error(401, "Requires authentication")
        user = self._gh_tokens.get(token.strip())
        if user is None:
            return _GH_401
        if req.method == "GET" and path == "user":
            if user.actions_bot:  # GITHUB_TOKEN is an installation token, not a user
                return _GH_403
            return 200, {"login": user.login, "id": user.id, "type": "User"}, {}
        if match := re.fullmatch(r"repos/([^/]+/[^/]+)/issues/(\d+)/comments", path):
            key = (match[1], int(match[2]))
            if req.method == "GET":
                chunk, page, _, last = self._page(req, self._gh_comments.get(key, []), 30)
                rels = [(page + 1, "next"), (last, "last")] if page < last else []
                if page > 1:
                    rels = [(page - 1, "prev"), *rels, (1, "first")]
                return 200, chunk, ({"Link": self._links(req, rels)} if rels else {})
            if req.method == "POST":
                if user.permission != "write":
                    return _GH_403
                body = self._gh_body(req)
                if not isinstance(body, str):
                    return body
                return 201, self._gh_create(*key, body, user.login), {}
        match = re.fullmatch(r"repos/([^/]+/[^/]+)/issues/comments/(\d+)", path)
        if req.method == "PATCH" and match:
            in_repo = (c for (r, _), cs in self._gh_comments.items() if r == match[1] for c in cs)
            comment = next((c for c in in_repo if c["id"] == int(match[2])), None)
            if comment is None:
                return _GH_404
            if user.permission != "write" or comment["user"]["login"] != user.login:
                return _GH_403
            body = self._gh_body(req)
            if not isinstance(body, str):
                return body
            comment.update(body=body, updated_at=_now())
            return 200, comment, {}
        return _GH_404

    def _gh_body(self, req: RecordedRequest) -> str | Reply:
        data = _json_or_none(req.body)
        body = data.get("body") if isinstance(data, dict) else None
        if not isinstance(body, str):
            return _gh_error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if len(body) > GITHUB_MAX_BODY:
            msg = f"body is too long (maximum is {GITHUB_MAX_BODY} characters)"
            error = {"resource": "IssueComment", "code": "custom", "field": "body", "message": msg}
            return 422, {"message": "Validation Failed", "errors": [error]}, {}
        return body

    def _gitlab(self, req: RecordedRequest, segs: list[str]) -> Reply:
        bearer = req.header("Authorization") or ""
        token = req.header("PRIVATE-TOKEN")
        if token is None and bearer.lower().startswith("bearer "):
            token = bearer[7:].strip()
        user = self._gl_tokens.get(token or "")
        if user is None:
            return 401, {"message": "401 Unauthorized"}, {}
        if req.method == "GET" and segs == ["user"]:
            info = {"id": user.id, "username": user.login, "name": user.login}
            return 200, {**info, "state": "active"}, {}
        ok = len(segs) in (5, 6) and segs[0:5:2] == ["projects", "merge_requests", "notes"]
        if not ok or not segs[3].isdigit():
            return 404, {"error": "404 Not Found"}, {}
        key = (self._project(segs[1]), int(segs[3]))
        notes = self._gl_notes.get(key, [])
        if req.method == "GET" and len(segs) == 5:
            ordered = notes[::-1] if req.query.get("sort", ["desc"])[0] != "asc" else notes
            chunk, page, per_page, last = self._page(req, ordered, 20)
            nums = {"X-Page": page, "X-Per-Page": per_page, "X-Total": len(notes)}
            headers = {k: str(v) for k, v in nums.items()} | {"X-Total-Pages": str(last)}
            headers["X-Next-Page"] = str(page + 1) if page < last else ""
            headers["X-Prev-Page"] = str(page - 1) if page > 1 else ""
            rels = [(page - 1, "prev")] if page > 1 else []
            rels += [(page + 1, "next")] if page < last else []
            headers["Link"] = self._links(req, [*rels, (1, "first"), (last, "last")])
            return 200, chunk, headers
        if req.method == "POST" and len(segs) == 5:
            if user.permission != "write":
                return _GL_403
            body = self._gl_body(req)
            if not isinstance(body, str):
                return body
            return 201, self._gl_create(*key, body, user.login), {}
        if req.method == "PUT" and len(segs) == 6 and segs[5].isdigit():
            note = next((n for n in notes if n["id"] == int(segs[5])), None)
            if note is None:
                return _GL_404
            if user.permission != "write" or note["author"]["username"] != user.login:
                return _GL_403
            body = self._gl_body(req)
            if not isinstance(body, str):
                return body
            note.update(body=body, updated_at=_now())
            return 200, note, {}
        return 404, {"error": "404 Not Found"}, {}

    def _gl_body(self, req: RecordedRequest) -> str | Reply:
        data = _json_or_none(req.body)
        body = data.get("body") if isinstance(data, dict) else None
        if not isinstance(body, str) or not body.strip():
            return 400, {"error": "body is missing"}, {}
        if len(body) > GITLAB_MAX_BODY:
            msg = f"is too long (maximum is {GITLAB_MAX_BODY} characters)"
            return 400, {"message": {"note": [msg]}}, {}
        return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen() backlog; the default of 5 resets bursts of clients
    forge: FakeForge


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeForge/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
        pass

    def _dispatch(self) -> None:
        path, _, query_string = self.path.partition("?")
        length = _int(self.headers.get("Content-Length"), 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = dict(self.headers.items())
        req = RecordedRequest(
            self.command, path, query_string, parse_qs(query_string), headers, body
        )
        try:
            status, data, extra = cast(_Server, self.server).forge._handle(req)
        except Exception as exc:  # surface bugs in the fake as a 500, not a dropped socket
            status, extra = 500, {}
            data = json.dumps({"message": f"FakeForge bug: {exc!r}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        trickle = cast(_Server, self.server).forge.trickle
        if trickle <= 0:
            self.end_headers()
            self.wfile.write(data)
            return
        # A slow server: the status line, the headers and the body, one byte at a time.
        self._headers_buffer.append(b"\r\n")
        raw = b"".join(self._headers_buffer) + data
        self._headers_buffer = []
        # MSG_NOSIGNAL: an in-process cli.main() may have set SIGPIPE to kill the process.
        flags = getattr(socket, "MSG_NOSIGNAL", 0)
        try:
            for i in range(len(raw)):
                self.connection.sendall(raw[i : i + 1], flags)
                time.sleep(trickle)
        except OSError:  # the client gave up: what the test wants
            pass

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch
