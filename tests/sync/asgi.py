"""A synchronous httpx transport that calls an ASGI app in-process (no sockets).

httpx's own ASGITransport is async-only and Starlette's TestClient warns (warnings are
errors here), so this runs the app on an event loop in a background thread (an anyio
blocking portal). Several threads may send at once: their requests run concurrently.
"""

from __future__ import annotations

from typing import Any

import anyio.from_thread
import httpx


class ASGISyncTransport(httpx.BaseTransport):
    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers,
                                  content=body)
            response = await self._inner.handle_async_request(inner)
            content = b"".join([part async for part in response.stream])  # type: ignore[union-attr]
            return response.status_code, response.headers.raw, content

        status, headers, content = self._portal.call(call)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        if self._portal_cm is not None:
            self._portal_cm.__exit__(None, None, None)
            self._portal_cm = None  # type: ignore[assignment]
