"""The programme office as the sync engine sees it: a small protocol and its httpx version.

The engine (`sync.client`) calls these methods and gets a `Reply` back; it never sees
httpx, so tests can hand it any `OfficeApi` (a fault-injecting one, an in-process app
behind an httpx transport). A network failure is `OfficeUnreachable`, with words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from sync.protocol import DEVICE_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION


class OfficeUnreachable(Exception):
    """The request did not get an answer (no connection, timed out, ...)."""


@dataclass(frozen=True)
class Reply:
    status: int
    content: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.content)

    def detail(self) -> str:
        """The office's reason in words (`{"detail": ...}`), or the status."""
        try:
            detail = self.json().get("detail")
        except (ValueError, AttributeError, RecursionError):
            detail = None
        return str(detail)[:500] if detail else f"HTTP {self.status}"


class OfficeApi(Protocol):
    def push(self, body: bytes, device_id: str) -> Reply: ...

    def pull(self, after: int, limit: int) -> Reply: ...

    def enrolment(self) -> Reply: ...

    def register_key(self, registration: dict[str, Any]) -> Reply: ...

    def has_blob(self, sha256: str) -> Reply: ...

    def put_blob(self, sha256: str, data: bytes, content_type: str) -> Reply: ...

    def get_blob(self, sha256: str) -> Reply: ...


class HttpOffice:
    """`OfficeApi` over an `httpx.Client` whose base URL and bearer token are set."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def _call(self, method: str, url: str, **kwargs: Any) -> Reply:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), **kwargs.pop("headers", {})}
        try:
            response = self.http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as err:
            raise OfficeUnreachable(_network_words(err)) from err
        return Reply(response.status_code, response.content, response.headers)

    def push(self, body: bytes, device_id: str) -> Reply:
        return self._call("POST", "/v1/ops", content=body, headers={
            "content-type": "application/json", DEVICE_HEADER: device_id})

    def pull(self, after: int, limit: int) -> Reply:
        return self._call("GET", "/v1/ops", params={"after": after, "limit": limit})

    def enrolment(self) -> Reply:
        return self._call("GET", "/v1/enrolment")

    def register_key(self, registration: dict[str, Any]) -> Reply:
        return self._call("POST", "/v1/keys", json=registration)

    def has_blob(self, sha256: str) -> Reply:
        return self._call("HEAD", f"/v1/blobs/{sha256}")

    def put_blob(self, sha256: str, data: bytes, content_type: str) -> Reply:
        return self._call("PUT", f"/v1/blobs/{sha256}", content=data,
                          headers={"content-type": content_type})

    def get_blob(self, sha256: str) -> Reply:
        return self._call("GET", f"/v1/blobs/{sha256}")


def _network_words(err: httpx.TransportError) -> str:
    if isinstance(err, httpx.ConnectError):
        return "no connection"
    if isinstance(err, httpx.TimeoutException):
        return "timed out"
    return err.__class__.__name__
