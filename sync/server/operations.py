"""Running the office for a programme: readiness, access logs, several workers.

- `GET /ready` answers 200 only when the database answers and its schema is the one this
  code expects (a load balancer sends no tablet to a worker that cannot take its push);
  `GET /health` stays the cheap liveness and clock check tablets use.
- Access logs are one JSON object a line on the `visitapp.office.access` logger: method,
  route path (never the query string), status, milliseconds. Never a token, a header or a
  body: a log is read by more people than the data is.
- `serve --workers N` runs N uvicorn worker processes; each builds its app with
  `app_from_environment`, since a worker process cannot be handed an engine.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

ACCESS_LOGGER = "visitapp.office.access"
access_log = logging.getLogger(ACCESS_LOGGER)


def readiness_problem(engine: Engine) -> str | None:
    """Why this worker should not take traffic yet, in words; None when it is ready."""
    from sync.server.db import alembic_config

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as err:  # noqa: BLE001 - any database failure means "not ready"
        return f"the database does not answer ({err.__class__.__name__})"
    expected = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    if current != expected:
        return (f"the database schema is at {', '.join(sorted(current)) or 'nothing'}, "
                f"not {', '.join(sorted(expected))}: run the office once to migrate it")
    return None


def install_access_log(app: Any) -> None:
    """Log every request as one JSON line (see the module docstring for what is left out)."""

    @app.middleware("http")
    async def log_request(request: Any, call_next: Any) -> Any:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            if access_log.isEnabledFor(logging.INFO):
                route = request.scope.get("route")
                access_log.info(json.dumps({
                    "method": request.method,
                    # The route's pattern, so ids in paths stay out too; a request that
                    # matched no route may carry anything in its path: not logged.
                    "path": getattr(route, "path", None) or "(no such page)",
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1)}))


def configure_access_log() -> None:
    """Access lines to stderr, one JSON object each (for `visitapp-office serve`)."""
    if access_log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def app_from_environment() -> Any:
    """The app for one uvicorn worker: the database URL comes from the environment that
    `serve` set before starting its workers."""
    from sync.server.app import create_app
    from sync.server.db import open_database

    configure_access_log()
    return create_app(open_database(os.environ.get("VISITAPP_OFFICE_DATABASE_URL")))
