"""Signing in and out of the office pages."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from sync.server.office import users
from sync.server.web.security import (
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    CheckedForm,
    PageError,
    Web,
    csrf_refused,
    render,
    safe_next,
    set_cookie,
)

router = APIRouter(include_in_schema=False)


def _page(request: Request, web: Web, *, status: int = 200, errors: dict[str, str] | None = None,
          email: str = "", next_path: str = "/", summary: str | None = None) -> Response:
    token = request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "sign_in.html", status=status, csrf_token=token,
                      errors=errors or {}, email=email, next_path=safe_next(next_path),
                      summary=summary, session=None, title="Sign in")
    set_cookie(response, web, SIGN_IN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, web: Web, next: str = "/") -> Response:  # noqa: A002
    if users.session_for(web.engine, request.cookies.get(SESSION_COOKIE), now_ms=web.now_ms()):
        return RedirectResponse(safe_next(next), status_code=303)
    return _page(request, web, next_path=next)


@router.post("/sign-in")
async def sign_in(request: Request, web: Web) -> Response:
    form = await request.form()
    cookie = request.cookies.get(SIGN_IN_CSRF_COOKIE) or ""
    sent = form.get("csrf_token")
    if not cookie or not isinstance(sent, str) or not secrets.compare_digest(sent, cookie):
        raise csrf_refused()
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    next_path = str(form.get("next") or "/")
    errors = {}
    if not email:
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _page(request, web, status=400, errors=errors, email=email, next_path=next_path)
    try:
        session = users.sign_in(web.engine, email, password, now_ms=web.now_ms(),
                                session_ms=web.settings.session_ms)
    except users.SignInRefused as refused:
        return _page(request, web, status=refused.status, email=email, next_path=next_path,
                     summary=str(refused))
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_cookie(response, web, SESSION_COOKIE, session.token,
               max_age=web.settings.session_ms // 1000)
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, web: Web, _form: CheckedForm) -> Response:
    users.sign_out(web.engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=web.settings.secure_cookies)
    return response


__all__ = ["router", "PageError"]
