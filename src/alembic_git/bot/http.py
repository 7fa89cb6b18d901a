"""A tiny JSON-over-HTTPS client (stdlib urllib): timeouts, pagination, scrubbed errors.

The token travels only in the headers the caller gives; it is never put in a
URL, and any text that leaves this module (error messages) has it scrubbed.
Pagination follows ``Link: <…>; rel="next"`` (GitHub, GitLab) or GitLab's
``X-Next-Page``, and only to the API's own scheme, host and port.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from alembic_git import __version__
from alembic_git.errors import AlembicGitError

TIMEOUT = 30.0
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


class Client:
    def __init__(
        self,
        name: str,
        base_url: str,
        headers: Mapping[str, str],
        secrets: tuple[str, ...],
        timeout: float = TIMEOUT,
    ) -> None:
        self.name = name  # "GitHub", "GitLab": for messages
        self.base_url = base_url.rstrip("/")
        self.headers = {"User-Agent": f"alembic-git/{__version__}", **headers}
        self.secrets = secrets
        self.timeout = timeout
        self._origin = urlsplit(self.base_url)[:2]

    def url(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base_url}/{path.lstrip('/')}{query}"

    def request(self, method: str, url: str, body: Any = None) -> Response:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method, headers=dict(self.headers))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        what = f"{self.name} API: {method} {_path(url)}"
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
                status, headers = resp.status, {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            detail = _detail(exc.read())
            message = f"{what} returned {exc.code}" + (f": {detail}" if detail else "")
            raise HttpError(scrub(message, self.secrets), exc.code) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            message = f"{what}: cannot reach {urlsplit(url).netloc}: {reason}"
            raise HttpError(scrub(message, self.secrets)) from None
        try:
            payload = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise HttpError(scrub(f"{what}: the answer is not JSON", self.secrets)) from None
        return Response(status, headers, payload)

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
            return nxt if urlsplit(nxt)[:2] == self._origin else None
        page = headers.get("x-next-page", "").strip()
        if page.isdigit():
            parts = urlsplit(url)
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"]
            return urlunsplit(parts._replace(query=urlencode([*query, ("page", page)])))
        return None


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
