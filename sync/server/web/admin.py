"""Admin pages: the people who may sign in (add, disable)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from sync.server.office import users
from sync.server.store import NotFound, OfficeError
from sync.server.web.security import Admin, CheckedForm, PageError, Web, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, web: Web, session: users.Session, status: int = 200,
          error: str | None = None, values: dict[str, str] | None = None) -> Response:
    return render(request, "users.html", status=status, session=session, title="People",
                  people=users.list_users(web.engine), nav="users", error=error,
                  values=values or {})


@router.get("/users")
def people_page(request: Request, web: Web, session: Admin) -> Response:
    return _page(request, web, session)


@router.post("/users")
def add_person(request: Request, web: Web, session: Admin, form: CheckedForm) -> Response:
    values = {k: str(form.get(k) or "") for k in ("email", "name", "role")}
    try:
        users.add_user(web.engine, email=values["email"], name=values["name"],
                       role=values["role"], password=str(form.get("password") or ""),
                       now_ms=web.now_ms())
    except OfficeError as err:
        return _page(request, web, session, status=400, error=str(err), values=values)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/disable")
def disable_person(web: Web, session: Admin, form: CheckedForm) -> Response:
    email = str(form.get("email") or "")
    if email.strip().casefold() == session.user.email:
        raise PageError(400, "You cannot disable yourself",
                        "Ask another admin to disable your account.")
    try:
        users.disable_user(web.engine, email, now_ms=web.now_ms())
    except NotFound:
        raise PageError(404, "Page not found", f"There is no user {email}.") from None
    return RedirectResponse("/users", status_code=303)
