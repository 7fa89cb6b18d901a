"""A tiny JSON-over-HTTPS client (stdlib urllib): timeouts, pagination, scrubbed errors.

The token travels only in the headers the caller gives, and only to the API's
own origin (scheme, host and port): redirects are followed within it and
refused otherwise (urllib would copy ``Authorization`` and ``PRIVATE-TOKEN`` to
any host a 30x names).  It is never put in a URL, and any text that leaves this
module (error messages) has it scrubbed.  Pagination follows ``Link: <…>;
rel="next"`` (GitHub, GitLab) or GitLab's ``X-Next-Page``, within the origin too.

Time is bounded by deadlines, not by the socket timeout alone (which restarts
with every byte, so a server trickling one byte at a time would hold us
forever): each request must be answered in full within ``request_timeout``,
and the whole run within ``run_timeout``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from alembic_git import __version__
from alembic_git.errors import AlembicGitError

TIMEOUT = 30.0  # seconds for one request, answer included (ALEMBIC_GIT_HTTP_TIMEOUT)
RUN_TIMEOUT = 300.0  # seconds for all requests of a run (ALEMBIC_GIT_HTTP_RUN_TIMEOUT)
MAX_PAGES = 500
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class HttpError(AlembicGitError):
    """The API answered with an error status, or could not be reached (status 0)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any


def timeouts(environ: Mapping[str, str]) -> tuple[float, float]:
    """(per request, per run) seconds, from ``ALEMBIC_GIT_HTTP_TIMEOUT`` and
    ``ALEMBIC_GIT_HTTP_RUN_TIMEOUT`` when set."""
    return (
        _seconds(environ, "ALEMBIC_GIT_HTTP_TIMEOUT", TIMEOUT),
        _seconds(environ, "ALEMBIC_GIT_HTTP_RUN_TIMEOUT", RUN_TIMEOUT),
    )


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < 1e6:
        raise AlembicGitError(f"{name} is {raw!r}, not a number of seconds above 0")
    return value


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return scheme, "", -1  # a malformed port matches nothing
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


_DEFAULT_PORTS = {"http": 80, "https": 443}


class _OffOrigin(Exception):
    """A redirect to another origin, raised out of urllib before it sends anything."""

    def __init__(self, code: int, url: str) -> None:
        super().__init__(url)
        self.code = code
        self.url = url


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within ``allowed``: the credentials never leave it."""

    def __init__(self, allowed: tuple[str, str, int | None]) -> None:
        self.allowed = allowed

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if origin(newurl) != self.allowed:
            fp.close()
            raise _OffOrigin(code, newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class _Answer:
    status: int
    headers: dict[str, str]
    raw: bytes
    failed: bool  # an error status (4xx, 5xx, or a redirect urllib would not follow)


class Client:
    def __init__(
        self,
        name: str,
        base_url: str,
        headers: Mapping[str, str],
        secrets: tuple[str, ...],
        timeout: float = TIMEOUT,
        run_timeout: float = RUN_TIMEOUT,
    ) -> None:
        self.name = name  # "GitHub", "GitLab": for messages
        self.base_url = base_url.rstrip("/")
        self.headers = {"User-Agent": f"alembic-git/{__version__}", **headers}
        self.secrets = secrets
        self.timeout = timeout
        self.run_timeout = run_timeout
        self._deadline = time.monotonic() + run_timeout
        self._origin = origin(self.base_url)
        self._opener = urllib.request.build_opener(_SameOrigin(self._origin))

    def url(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base_url}/{path.lstrip('/')}{query}"

    def request(self, method: str, url: str, body: Any = None) -> Response:
        what = f"{self.name} API: {method} {_path(url)}"
        if origin(url) != self._origin:  # a URL from an answer (pagination), never the token
            raise HttpError(self._scrub(f"{what}: refusing {_where(urlsplit(url))}, not the API"))
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method, headers=dict(self.headers))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        answer = self._send(req, what)
        if answer.failed:
            detail = _detail(answer.raw)
            message = f"{what} returned {answer.status}" + (f": {detail}" if detail else "")
            raise HttpError(self._scrub(message), answer.status)
        try:
            payload = json.loads(answer.raw) if answer.raw.strip() else None
        except ValueError:
            raise HttpError(self._scrub(f"{what}: the answer is not JSON")) from None
        return Response(answer.status, answer.headers, payload)

    def _send(self, req: urllib.request.Request, what: str) -> _Answer:
        """``req`` answered in full before the request's and the run's deadlines.

        The exchange runs in a helper thread that we stop waiting for at the
        deadline: a socket timeout alone restarts with every byte received.
        """
        left = self._deadline - time.monotonic()
        wait = min(self.timeout, left)
        if wait <= 0:
            raise HttpError(f"{what}: gave up, the run took longer than {self.run_timeout:g}s")
        outcome: list[_Answer | BaseException] = []
        worker = threading.Thread(target=self._exchange, args=(req, wait, outcome), daemon=True)
        worker.start()
        worker.join(wait)
        if not outcome:  # still talking: the thread is left to its socket timeout
            limit = "the request" if wait == self.timeout else "the run"
            timeout = self.timeout if wait == self.timeout else self.run_timeout
            raise HttpError(
                f"{what}: no complete answer from {urlsplit(req.full_url).netloc} within "
                f"{timeout:g}s (the time allowed for {limit})"
            )
        result = outcome[0]
        if isinstance(result, _Answer):
            return result
        if isinstance(result, _OffOrigin):
            raise HttpError(
                self._scrub(
                    f"{what}: answered {result.code}, a redirect to "
                    f"{_where(urlsplit(result.url))}; refusing to follow it: the token goes "
                    f"only to {_where(urlsplit(self.base_url))}"
                ),
                result.code,
            )
        if not isinstance(result, (urllib.error.URLError, OSError, ValueError)):
            raise result
        reason = getattr(result, "reason", result)
        message = f"{what}: cannot reach {urlsplit(req.full_url).netloc}: {reason}"
        raise HttpError(self._scrub(message))

    def _exchange(self, req: urllib.request.Request, wait: float, out: list[Any]) -> None:
        try:
            with self._opener.open(req, timeout=wait) as resp:
                raw = resp.read()
                headers = {k.lower(): v for k, v in resp.headers.items()}
                out.append(_Answer(resp.status, headers, raw, False))
        except urllib.error.HTTPError as exc:
            out.append(_Answer(exc.code, {}, _read(exc), True))
        except Exception as exc:  # handed to the waiting thread, which raises or reports it
            out.append(exc)

    def _scrub(self, message: str) -> str:
        return scrub(message, self.secrets)

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self.request("GET", self.url(path, params)).data

    def get_all(self, path: str, params: Mapping[str, str | int]) -> list[Any]:
        """Every item of a paginated list, in the order the pages give them."""
        url: str | None = self.url(path, params)
        items: list[Any] = []
        seen: set[str] = set()
        while url is not None and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            resp = self.request("GET", url)
            if not isinstance(resp.data, list):
                raise HttpError(f"{self.name} API: GET {_path(url)}: expected a list")
            items.extend(resp.data)
            url = self._next(url, resp.headers)
        return items

    def _next(self, url: str, headers: Mapping[str, str]) -> str | None:
        match = _NEXT.search(headers.get("link", ""))
        if match:
            nxt = match.group(1)
            # Never send the token to another host a header points at.
            return nxt if origin(nxt) == self._origin else None
        page = headers.get("x-next-page", "").strip()
        if page.isdigit():
            parts = urlsplit(url)
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"]
            return urlunsplit(parts._replace(query=urlencode([*query, ("page", page)])))
        return None


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except (OSError, ValueError):
        return b""


def _where(parts: SplitResult) -> str:
    """scheme://host[:port] of a URL: never its path or query (they may carry anything)."""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _path(url: str) -> str:
    return urlsplit(url).path


def _detail(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace").strip()[:200]
    if isinstance(data, dict):
        for key in ("message", "error"):
            if key in data:
                return " ".join(str(data[key]).split())[:300]
    return ""
