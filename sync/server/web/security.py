"""Who is asking for a page, and whether a form really came from one of ours.

- A page needs a live session cookie; anything else (no cookie, an expired one, a tablet's
  bearer token) is sent to the sign-in page. Device tokens never open a page.
- Every form carries a CSRF token: the session's own once signed in, and before that (the
  sign-in form) a random one that must match its cookie. A form without it is refused.
- Cookies are HttpOnly and SameSite=Lax, and Secure when the settings say HTTPS.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import FormData

from sync.server.office import users
from sync.server.web.settings import WebSettings

SESSION_COOKIE = "office_session"
SIGN_IN_CSRF_COOKIE = "office_sign_in_csrf"
LONDON = ZoneInfo("Europe/London")
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


@dataclass(frozen=True)
class WebContext:
    engine: Engine
    now_ms: Callable[[], int]
    settings: WebSettings

    def today(self) -> date:
        return datetime.fromtimestamp(self.now_ms() / 1000, LONDON).date()


class SignInNeeded(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageError(Exception):
    """A page that cannot be shown, with words for the person and a status code."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def context(request: Request) -> WebContext:
    return request.app.state.web


Web = Annotated[WebContext, Depends(context)]


def current_session(request: Request, web: Web) -> users.Session:
    session = users.session_for(web.engine, request.cookies.get(SESSION_COOKIE),
                                now_ms=web.now_ms())
    if session is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(path)
    return session


SignedIn = Annotated[users.Session, Depends(current_session)]


def require_admin(session: SignedIn) -> users.Session:
    if not session.user.is_admin:
        raise PageError(403, "You cannot do that", "Only an office admin can change this.")
    return session


Admin = Annotated[users.Session, Depends(require_admin)]


async def checked_form(request: Request, session: SignedIn) -> FormData:
    """The posted form, once its CSRF token is the session's."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, session.csrf_token):
        raise csrf_refused()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def csrf_refused() -> PageError:
    return PageError(403, "This form could not be accepted",
                     "The form was sent without its security token, or from another site. "
                     "Go back, reload the page and try again.")


def set_cookie(response: Response, web: WebContext, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=web.settings.secure_cookies, path="/")


def safe_next(path: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, values, status_code=status)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def to_sign_in(_request: Request, exc: SignInNeeded) -> Response:
        target = "/sign-in" if exc.next_path in ("/", "") else \
            f"/sign-in?next={quote(exc.next_path, safe='/')}"
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        session = users.session_for(app.state.web.engine, request.cookies.get(SESSION_COOKIE),
                                    now_ms=app.state.web.now_ms())
        return render(request, "error.html", status=exc.status, title=exc.title,
                      message=exc.message, session=session)
