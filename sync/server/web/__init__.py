"""The programme office's pages for people: sign-in, the smart list, systems, visits,
themes and exports. Server-rendered Jinja2 with the NHS.UK frontend served from here.

`mount(app, engine, now_ms=...)` adds the routes, the static files and the page error
handler to the office's FastAPI app; the queries live in `sync.server.office`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from sync.server.web.settings import WebSettings

STATIC = Path(__file__).resolve().parent / "static"


def mount(app: FastAPI, engine: Engine, *, now_ms: Callable[[], int],
          settings: WebSettings | None = None) -> None:
    from sync.server.web import admin, between, pages, publish, security, sign_in

    settings = settings or WebSettings.from_environment()
    app.state.web = security.WebContext(engine=engine, now_ms=now_ms, settings=settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The NHS.UK CSS names its icons as /assets/images/...: serve them where it looks.
    app.mount("/assets", StaticFiles(directory=STATIC / "nhsuk" / "assets"), name="assets")
    security.install_handlers(app)
    app.include_router(sign_in.router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(between.router)  # calendar, actions, momentum, library
    app.include_router(publish.router)  # checklists and scheduled visits to tablets
