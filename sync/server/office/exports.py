"""Exports an analyst loads into Excel or Power BI: one table each, as CSV or XLSX.

Every table is a header and rows of plain values (no formulas: a cell starting with
=, +, - or @ is prefixed with an apostrophe so a spreadsheet never runs it).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from sync.server.office import tables as t
from sync.server.office.pages import kind_label
from sync.server.office.performance import system_months
from sync.server.office.read_models import form_from_content
from sync.server.office.smart_list import build as build_smart_list
from sync.server.office.systems import list_systems, visit_system_column

Table = tuple[list[str], list[list[Any]]]


def _systems(conn: Connection, today: date) -> Table:
    rows = build_smart_list(conn, today)
    return (["rank", "system", "region", "registered", "score", "reasons", "last_visit_date",
             "latest_month", "four_hour_pct", "twelve_hour_waits", "red_areas",
             "open_recommendations", "note"],
            [[r.rank, r.name, r.region, r.registered, r.score, "; ".join(r.reasons),
              r.last_visit_date, r.latest_month, r.four_hour_pct, r.twelve_hour_waits,
              r.areas["red"], r.open_recommendations, r.note] for r in rows])


def _system_names(conn: Connection) -> dict[int, str]:
    return {s.id: s.name for s in list_systems(conn)}


def _visits(conn: Connection, _today: date) -> Table:
    names = _system_names(conn)
    rv = t.read_visits
    rows = conn.execute(select(rv, visit_system_column().label("system_id"))
                        .order_by(rv.c.date, rv.c.visit_id)).all()
    return (["visit_id", "date", "system_as_named", "system", "trust", "site", "visit_type",
             "status"],
            [[r.visit_id, r.date, r.system, names.get(r.system_id), r.trust, r.site,
              r.visit_type, r.status] for r in rows])


def _answers(conn: Connection, _today: date) -> Table:
    forms = {h: form_from_content(c) for h, c in conn.execute(
        select(t.read_forms.c.hash, t.read_forms.c.content))}
    areas = {(a.visit_id, a.entity_id): a for a in conn.execute(select(t.read_areas))}
    out = []
    for r in conn.execute(select(t.read_answers).where(t.read_answers.c.value.is_not(None))
                          .order_by(t.read_answers.c.visit_id, t.read_answers.c.entity_id)):
        area = areas.get((r.visit_id, r.area_key))
        form = forms.get(area.form_hash) if area is not None else None
        item = form.item(r.item_id) if form else None
        value = json.loads(r.value)
        out.append([r.visit_id, r.area_key, kind_label(area.kind) if area else None,
                    area.label if area else None, r.item_id, item.prompt if item else None,
                    ", ".join(map(str, value)) if isinstance(value, list) else value,
                    item.suggested_rag(value) if item else None, r.note])
    return (["visit_id", "area_key", "area_kind", "area_label", "item_id", "prompt", "value",
             "rating", "note"], out)


def _findings(conn: Connection, _today: date) -> Table:
    rf = t.read_findings
    rows = conn.execute(select(rf).where(rf.c.deleted.is_(False))
                        .order_by(rf.c.visit_id, rf.c.position)).all()
    return (["visit_id", "finding_id", "kind", "pathway", "text", "horizon", "owner",
             "area_key"],
            [[r.visit_id, r.entity_id, r.kind, r.pathway, r.text, r.horizon, r.owner,
              r.area_key] for r in rows])


def _indicators(conn: Connection, _today: date) -> Table:
    names = _system_names(conn)
    out: list[list[Any]] = []
    ri = t.read_indicators
    for r in conn.execute(select(ri).order_by(ri.c.visit_id, ri.c.position)):
        out.append(["visit", r.visit_id, None, r.indicator_id, r.label, r.value, r.unit,
                    r.rag, r.period])
    for sid, months in system_months(conn).items():
        for m in months:
            for indicator, value, unit in (
                    ("four_hour_pct", m.four_hour_pct, "%"),
                    ("twelve_hour_waits", m.dta_12_plus, "patients"),
                    ("attendances", m.attendances, "attendances"),
                    ("emergency_admissions", m.emergency_admissions, "admissions")):
                out.append(["monthly A&E", None, names.get(sid), indicator, indicator
                            .replace("_", " "), value, unit, None, m.month])
    return (["source", "visit_id", "system", "indicator", "label", "value", "unit", "rating",
             "period"], out)


EXPORTS: dict[str, tuple[str, Callable[[Connection, date], Table]]] = {
    "systems": ("Systems, in smart list order", _systems),
    "visits": ("Visits", _visits),
    "answers": ("Answers, one row per answer", _answers),
    "findings": ("Findings and recommendations", _findings),
    "indicators": ("Indicators from visits and monthly A&E figures", _indicators),
}


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_safe(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def to_xlsx(table: Table, title: str) -> bytes:
    from openpyxl import Workbook

    header, rows = table
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
