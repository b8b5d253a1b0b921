"""The office's pages for the time between visits: the calendar, actions, momentum and
the exemplar practice library. The queries live in `sync.server.office`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from sync.server.db import read
from sync.server.office import actions, calendar, charts, exemplars
from sync.server.office import momentum as momentum_mod
from sync.server.office.pages import kind_label
from sync.server.store import NotFound, OfficeError
from sync.server.web.security import Admin, CheckedForm, PageError, SignedIn, Web, render
from visitapp.domain.forms import AREA_KINDS
from visitapp.domain.visit import PATHWAY_LABELS

router = APIRouter(include_in_schema=False)


def _calendar_view(request: Request, web: Web, session: Any, status: int = 200,
                   errors: dict[str, str] | None = None,
                   values: dict[str, str] | None = None) -> Response:
    with read(web.engine) as conn:
        entries = calendar.entries(conn)
        periods = calendar.periods(conn)
        overdue = actions.overdue_at_events(conn)
    today = web.today()
    return render(request, "calendar.html", status=status, session=session,
                  title="Collaborative calendar", entries=entries, periods=periods,
                  overdue=overdue, today=today, nav="calendar", errors=errors or {},
                  values=values or {}, kinds=calendar.KINDS)


@router.get("/calendar")
def calendar_page(request: Request, web: Web, session: SignedIn) -> Response:
    return _calendar_view(request, web, session)


@router.post("/calendar/{kind}")
def add_to_calendar(request: Request, web: Web, session: Admin, form: CheckedForm,
                    kind: str) -> Response:
    if kind not in calendar.KINDS:
        raise PageError(404, "Page not found", "There is no such calendar list here.")
    values = {k: str(form.get(k) or "") for k in ("name", "date", "attendees")}
    try:
        calendar.add(web.engine, kind=kind, name=values["name"], day=values["date"],
                     attendees=values["attendees"], now_ms=web.now_ms())
    except OfficeError as err:
        field = next((f for f in ("name", "attendees") if str(err).startswith(f)), "date")
        return _calendar_view(request, web, session, status=400,
                              errors={f"{kind}-{field}": str(err)},
                              values={f"{kind}-{k}": v for k, v in values.items()})
    return RedirectResponse("/calendar", status_code=303)


def _actions_view(request: Request, web: Web, session: Any, system: str,
                  status: int = 200, errors: dict[str, str] | None = None) -> Response:
    with read(web.engine) as conn:
        found = actions.list_actions(conn, system=system or None)
        everything = found if not system else actions.list_actions(conn)
    systems = sorted({a.system for a in everything}, key=str.casefold)
    counts = {key: sum(1 for a in found if a.status == key) for key in actions.STATUSES}
    return render(request, "actions.html", status=status, session=session,
                  title=f"Actions: {system}" if system else "Actions", actions=found,
                  system=system, systems=systems, statuses=actions.STATUSES, counts=counts,
                  today=web.today(), nav="actions", errors=errors or {})


@router.get("/actions")
def actions_page(request: Request, web: Web, session: SignedIn, system: str = "") -> Response:
    return _actions_view(request, web, session, system.strip())


@router.post("/actions/{action_id}")
def update_action(request: Request, web: Web, session: SignedIn, form: CheckedForm,
                  action_id: str) -> Response:
    system = str(form.get("system") or "")
    try:
        actions.update_action(web.engine, action_id, status=str(form.get("status") or ""),
                              note=str(form.get("note") or ""), due=str(form.get("due") or ""),
                              today=web.today(), by=session.user.name, now_ms=web.now_ms())
    except NotFound:
        raise PageError(404, "Page not found", "There is no such action here.") from None
    except OfficeError as err:
        return _actions_view(request, web, session, system, status=400,
                             errors={action_id: str(err)})
    back = f"/actions?system={quote(system)}" if system else "/actions"
    return RedirectResponse(f"{back}#action-{action_id}", status_code=303)


@router.get("/momentum")
def momentum_page(request: Request, web: Web, session: SignedIn) -> Response:
    with read(web.engine) as conn:
        report = momentum_mod.build(conn)
    points = [(m.period.start.isoformat() if m.period.start else
               f"to {m.period.end}" if m.period.end else "all", float(m.momentum))
              for m in report.rows]
    chart = charts.line_chart("Momentum per action period", points, "", floor=0)
    return render(request, "momentum.html", session=session, title="Momentum",
                  report=report, chart=chart, nav="momentum")


def _library_choices() -> dict[str, Any]:
    return {"area_kinds": AREA_KINDS, "pathways": PATHWAY_LABELS, "kind_label": kind_label}


@router.get("/library")
def library_page(request: Request, web: Web, session: SignedIn, q: str = "",
                 area_kind: str = "", pathway: str = "") -> Response:
    with read(web.engine) as conn:
        found = exemplars.search(conn, q=q[:200], area_kind=area_kind, pathway=pathway)
    return render(request, "library.html", session=session, title="Exemplar practice library",
                  entries=found, q=q, area_kind=area_kind, pathway=pathway, nav="library",
                  **_library_choices())


def _new_entry_view(request: Request, web: Web, session: Any, finding: str,
                    values: dict[str, str] | None = None, status: int = 200,
                    error: str | None = None) -> Response:
    try:
        with read(web.engine) as conn:
            draft = exemplars.draft_from_finding(conn, finding)
    except NotFound:
        raise PageError(404, "Page not found", "There is no such strength here.") from None
    shown = values or {"title": draft.title, "what_they_do": draft.what_they_do,
                       "evidence": draft.evidence, "contact_role": "",
                       "pathway": draft.pathway or "", "tags": ", ".join(draft.tags)}
    return render(request, "library_new.html", status=status, session=session,
                  title="Add to the library", draft=draft, values=shown, error=error,
                  nav="library", **_library_choices())


@router.get("/library/new")
def new_entry_page(request: Request, web: Web, session: SignedIn, finding: str = "") -> Response:
    return _new_entry_view(request, web, session, finding)


@router.post("/library")
def add_entry(request: Request, web: Web, session: SignedIn, form: CheckedForm) -> Response:
    values = {k: str(form.get(k) or "") for k in ("finding", "title", "what_they_do",
                                                   "evidence", "contact_role", "pathway",
                                                   "tags")}
    try:
        exemplars.add_entry(web.engine, finding_id=values["finding"], title=values["title"],
                            what_they_do=values["what_they_do"], evidence=values["evidence"],
                            contact_role=values["contact_role"],
                            pathway=values["pathway"] or None,
                            tags=values["tags"].replace(";", ",").split(","),
                            by=session.user.name, now_ms=web.now_ms())
    except NotFound:
        raise PageError(404, "Page not found", "There is no such strength here.") from None
    except OfficeError as err:
        return _new_entry_view(request, web, session, values["finding"], values=values,
                               status=400, error=str(err))
    return RedirectResponse("/library", status_code=303)
