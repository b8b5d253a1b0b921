"""The office's pages once signed in: smart list, systems, visits, themes, exports."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from sync.server import tables as sync_tables
from sync.server.db import read
from sync.server.office import charts, exports, pages, smart_list, systems
from sync.server.office import tables as t
from sync.server.office.smart_list import FOUR_HOUR_AMBITION, RULE
from sync.server.store import NotFound, OfficeError
from sync.server.web.security import Admin, CheckedForm, PageError, SignedIn, Web, render

router = APIRouter(include_in_schema=False)
SORTS = {
    "rank": ("priority", lambda r: r.rank),
    "name": ("name", lambda r: r.name.casefold()),
    "four_hour": ("4-hour performance, lowest first",
                  lambda r: (r.four_hour_pct is None, r.four_hour_pct or 0)),
    "last_visit": ("last visit, longest ago first",
                   lambda r: (r.last_visit_date is not None, r.last_visit_date or "")),
}


def _not_found(what: str) -> PageError:
    return PageError(404, "Page not found", f"There is no {what} here. It may have been "
                     "removed, or the address may be wrong.")


def system_href(row_id: int | None, name_key: str | None) -> str:
    if row_id is not None:
        return f"/systems/{row_id}"
    return "/systems/unregistered/" + quote(name_key or "", safe="")


@router.get("/")
def smart_list_page(request: Request, web: Web, session: SignedIn, region: str = "",
                    sort: str = "rank") -> Response:
    with read(web.engine) as conn:
        rows = smart_list.build(conn, web.today())
    regions = sorted({r.region for r in rows if r.region})
    shown = [r for r in rows if not region or r.region == region]
    label, key = SORTS.get(sort, SORTS["rank"])
    shown.sort(key=key)
    from sync.server.office.read_models import fold_name

    for r in shown:
        r.href = system_href(r.system_id, fold_name(r.name))  # type: ignore[attr-defined]
    return render(request, "smart_list.html", session=session, title="Smart list",
                  rows=shown, rule=RULE, regions=regions, region=region,
                  sort=sort if sort in SORTS else "rank", sorts=SORTS, sort_label=label,
                  total=len(rows), today=web.today(), nav="home")


@router.get("/systems")
def systems_page(request: Request, web: Web, session: SignedIn) -> Response:
    with read(web.engine) as conn:
        found = systems.list_systems(conn)
    return render(request, "systems.html", session=session, title="Systems register",
                  systems=found, nav="systems", errors={}, values={})


@router.post("/systems")
def add_system(request: Request, web: Web, session: Admin, form: CheckedForm) -> Response:
    values = {k: str(form.get(k) or "") for k in ("name", "region", "trusts")}
    try:
        made = systems.add_system(web.engine, name=values["name"], region=values["region"],
                                  trusts=[values["trusts"]], now_ms=web.now_ms())
    except OfficeError as err:
        with read(web.engine) as conn:
            found = systems.list_systems(conn)
        return render(request, "systems.html", status=400, session=session,
                      title="Systems register", systems=found, nav="systems",
                      errors={"name" if "name" in str(err) else "trusts": str(err)},
                      values=values)
    return RedirectResponse(f"/systems/{made.id}", status_code=303)


def _system_view(request: Request, web: Web, session: SignedIn, data: dict, href: str,
                 status: int = 200, errors: dict | None = None) -> Response:
    months = data["months"]
    four_hour = charts.line_chart(
        "Monthly 4-hour performance", [(m.month, m.four_hour_pct) for m in months], "%",
        target=FOUR_HOUR_AMBITION, target_label=f"{FOUR_HOUR_AMBITION:g}% ambition")
    twelve = charts.line_chart("12-hour waits from decision to admit",
                               [(m.month, float(m.dta_12_plus)) for m in months], "patients")
    visit_dates = {v["visit_id"]: v["date"] or v["visit_id"][:8] for v in data["visits"]}
    visit_charts = []
    for ind in data["indicators"]:
        if ind["id"] in pages.CHART_INDICATORS:
            points = [(visit_dates[v["visit_id"]], ind["by_visit"].get(v["visit_id"], {})
                       .get("value")) for v in data["visits"]]
            visit_charts.append((ind, charts.line_chart(f"{ind['label']} at each visit",
                                                        points, ind["unit"])))
    return render(request, "system.html", status=status, session=session,
                  title=data["name"], data=data, four_hour=four_hour, twelve=twelve,
                  visit_charts=visit_charts, href=href, nav="systems", errors=errors or {})


@router.get("/systems/unregistered/{name_key}")
def unregistered_system_page(request: Request, web: Web, session: SignedIn,
                             name_key: str) -> Response:
    try:
        with read(web.engine) as conn:
            data = pages.system_page(conn, name_key=name_key)
    except NotFound:
        raise _not_found("such system") from None
    return _system_view(request, web, session, data, system_href(None, name_key))


def _system_id(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise _not_found("such system")
    return int(text)


@router.get("/systems/{system_id}")
def system_page(request: Request, web: Web, session: SignedIn, system_id: str) -> Response:
    sid = _system_id(system_id)
    try:
        with read(web.engine) as conn:
            data = pages.system_page(conn, system_id=sid)
    except NotFound:
        raise _not_found("such system") from None
    return _system_view(request, web, session, data, system_href(sid, None))


@router.post("/systems/{system_id}/note")
def save_note(web: Web, session: SignedIn, form: CheckedForm, system_id: str) -> Response:
    sid = _system_id(system_id)
    try:
        systems.set_note(web.engine, sid, str(form.get("note") or "")[:5000])
    except NotFound:
        raise _not_found("such system") from None
    return RedirectResponse(f"/systems/{sid}#note", status_code=303)


@router.post("/systems/{system_id}")
def edit_system(request: Request, web: Web, session: Admin, form: CheckedForm,
                system_id: str) -> Response:
    sid = _system_id(system_id)
    try:
        systems.update_system(web.engine, sid, name=str(form.get("name") or ""),
                              region=str(form.get("region") or ""),
                              trusts=[str(form.get("trusts") or "")])
    except NotFound:
        raise _not_found("such system") from None
    except OfficeError as err:
        with read(web.engine) as conn:
            data = pages.system_page(conn, system_id=sid)
        return _system_view(request, web, session, data, system_href(sid, None), status=400,
                            errors={"edit": str(err)})
    return RedirectResponse(f"/systems/{sid}", status_code=303)


@router.get("/visits/{visit_id}")
def visit_page(request: Request, web: Web, session: SignedIn, visit_id: str) -> Response:
    try:
        with read(web.engine) as conn:
            data = pages.visit_page(conn, visit_id)
            register = systems.list_systems(conn)
    except NotFound:
        raise _not_found("such visit") from None
    title = f"{data['visit']['system'] or 'Visit'}, {data['visit']['date'] or 'no date'}"
    return render(request, "visit.html", session=session, title=title, data=data,
                  register=register, nav="systems")


@router.post("/visits/{visit_id}/system")
def relink_visit(web: Web, session: Admin, form: CheckedForm, visit_id: str) -> Response:
    chosen = str(form.get("system_id") or "")
    try:
        systems.link_visit(web.engine, visit_id, int(chosen) if chosen.isdigit() else None)
    except NotFound:
        raise _not_found("such visit or system") from None
    return RedirectResponse(f"/visits/{quote(visit_id, safe='')}", status_code=303)


@router.get("/visits/{visit_id}/files/{sha256}")
def visit_file(web: Web, session: SignedIn, visit_id: str, sha256: str) -> Response:
    """A photo or presented PDF of this visit (only files the visit names)."""
    with read(web.engine) as conn:
        visit = conn.execute(select(t.read_visits.c.presented_report,
                                    t.read_visits.c.created_report).where(
            t.read_visits.c.visit_id == visit_id)).first()
        if visit is None:
            raise _not_found("such visit")
        named = {json.loads(r).get("sha256") for r in visit if r}
        named |= {r[0] for r in conn.execute(select(t.read_attachments.c.sha256).where(
            t.read_attachments.c.visit_id == visit_id))}
        named |= {r[0] for r in conn.execute(select(t.read_attachments.c.report_sha256).where(
            t.read_attachments.c.visit_id == visit_id))}
        if sha256 not in named:
            raise _not_found("such file for this visit")
        blob = conn.execute(select(sync_tables.blobs.c.data, sync_tables.blobs.c.content_type)
                            .where(sync_tables.blobs.c.sha256 == sha256)).first()
    if blob is None:
        raise PageError(404, "File not here yet", "The tablet has not uploaded this file yet.")
    headers = {"Content-Disposition": f'attachment; filename="{visit_id}-{sha256[:12]}.pdf"'} \
        if blob.content_type == "application/pdf" else {}
    return Response(blob.data, media_type=blob.content_type, headers=headers)


@router.get("/themes")
def themes_page(request: Request, web: Web, session: SignedIn) -> Response:
    with read(web.engine) as conn:
        data = pages.themes_page(conn)
    return render(request, "themes.html", session=session, title="Themes across systems",
                  data=data, nav="themes", system_href=_ref_href)


def _ref_href(ref: str) -> str:
    kind, _, value = ref.partition(":")
    return system_href(int(value), None) if kind == "id" else system_href(None, value)


@router.get("/exports")
def exports_page(request: Request, session: SignedIn) -> Response:
    return render(request, "exports.html", session=session, title="Exports",
                  exports=exports.EXPORTS, nav="exports")


@router.get("/exports/{filename}")
def export_file(web: Web, session: SignedIn, filename: str) -> Response:
    name, _, fmt = filename.rpartition(".")
    if name not in exports.EXPORTS or fmt not in ("csv", "xlsx"):
        raise _not_found("such export")
    title, make = exports.EXPORTS[name]
    with read(web.engine) as conn:
        table = make(conn, web.today())
    stamp = web.today().isoformat()
    disposition = {"Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"'}
    if fmt == "csv":
        return Response(exports.to_csv(table), media_type="text/csv; charset=utf-8",
                        headers=disposition)
    return Response(exports.to_xlsx(table, name), headers=disposition, media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
