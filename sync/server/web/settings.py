"""Settings of the office pages: argument, then environment, then default."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sync.server.office.users import SESSION_MS

ENV_HTTPS = "VISITAPP_OFFICE_HTTPS"


@dataclass(frozen=True)
class WebSettings:
    secure_cookies: bool = False  # True when the office is served over HTTPS
    session_ms: int = SESSION_MS

    @classmethod
    def from_environment(cls) -> WebSettings:
        https = os.environ.get(ENV_HTTPS, "").strip().lower() in ("1", "true", "yes")
        return cls(secure_cookies=https)
