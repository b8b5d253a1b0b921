"""What the system, visit and themes pages show, read from the office's tables.

Each function takes a connection and returns plain dicts and lists for a template (and
for the exports), so the routes hold no queries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from sync.server.office import tables as t
from sync.server.office.performance import system_months
from sync.server.office.read_models import form_from_content
from sync.server.office.systems import System, get_system, list_systems, visit_system_column
from sync.server.store import NotFound
from visitapp.domain.forms import AREA_KINDS, Form
from visitapp.domain.values import format_value
from visitapp.domain.visit import FINDING_KIND_LABELS, PATHWAY_LABELS, VISIT_TYPE_LABELS

CHART_INDICATORS = ("four_hour_pct", "occupancy_pct", "discharges_before_noon_pct")
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", None: "Not rated"}


def kind_label(kind: str | None) -> str:
    return AREA_KINDS.get(kind or "", kind or "Area")


def _visits_of(conn: Connection, system_id: int | None, name_key: str | None) -> list[Any]:
    sid = visit_system_column()
    query = select(t.read_visits, sid.label("system_id"))
    if system_id is not None:
        query = query.where(sid == system_id)
    else:
        query = query.where(sid.is_(None), t.read_visits.c.system_key == name_key)
    return sorted(conn.execute(query).all(), key=lambda v: (v.date or "", v.visit_id))


def system_page(conn: Connection, system_id: int | None = None,
                name_key: str | None = None) -> dict[str, Any]:
    """A system over time: visits, monthly figures, indicators, area ratings, findings."""
    system: System | None = get_system(conn, system_id) if system_id is not None else None
    visits = _visits_of(conn, system_id, name_key)
    if system is None and not visits:
        raise NotFound("no such system")
    ids = [v.visit_id for v in visits]
    indicators: dict[str, dict[str, Any]] = {}
    areas: dict[tuple[str, str], dict[str, str | None]] = {}
    findings: list[dict[str, Any]] = []
    if ids:
        ri = t.read_indicators
        for r in conn.execute(select(ri).where(ri.c.visit_id.in_(ids)).order_by(ri.c.position)):
            row = indicators.setdefault(r.indicator_id, {"id": r.indicator_id,
                                                         "label": r.label, "unit": r.unit,
                                                         "by_visit": {}})
            row["by_visit"][r.visit_id] = {"value": r.value, "rag": r.rag}
        ra = t.read_areas
        for r in conn.execute(select(ra).where(ra.c.visit_id.in_(ids),
                                               ra.c.deleted.is_(False))):
            key = (r.kind or "", (r.label or "").strip())
            areas.setdefault(key, {})[r.visit_id] = r.rag_worst
        findings = _findings(conn, ids, {v.visit_id: v.date for v in visits})
    months = system_months(conn, [system_id]).get(system_id, []) if system_id else []
    return {
        "system": system,
        "name": system.name if system else (visits[-1].system if visits else ""),
        "visits": [_visit_summary(v) for v in visits],
        "months": months[-24:],
        "indicators": [i for i in indicators.values()
                       if any(x["value"] is not None for x in i["by_visit"].values())],
        "areas": [{"kind": kind_label(k), "label": label, "by_visit": by}
                  for (k, label), by in sorted(areas.items())],
        "findings": findings,
    }


def _visit_summary(v: Any) -> dict[str, Any]:
    return {"visit_id": v.visit_id, "date": v.date, "system": v.system, "trust": v.trust,
            "site": v.site, "status": (v.status or "").replace("_", " ") or None,
            "type": VISIT_TYPE_LABELS.get(v.visit_type, v.visit_type)}  # type: ignore[call-overload]


def _findings(conn: Connection, ids: list[str], dates: dict[str, str | None],
              ) -> list[dict[str, Any]]:
    rf = t.read_findings
    rows = conn.execute(select(rf).where(rf.c.visit_id.in_(ids), rf.c.deleted.is_(False))).all()
    out = [{"visit_id": r.visit_id, "date": dates.get(r.visit_id), "kind": r.kind,
            "kind_label": FINDING_KIND_LABELS.get(r.kind, r.kind),  # type: ignore[call-overload]
            "text": r.text, "pathway": PATHWAY_LABELS.get(r.pathway, r.pathway),  # type: ignore[call-overload]
            "horizon": (r.horizon or "").replace("_", " ") or None, "owner": r.owner,
            "position": r.position or 0} for r in rows if r.text]
    return sorted(out, key=lambda f: (f["date"] or "", f["visit_id"], f["position"]),
                  reverse=True)


def visit_page(conn: Connection, visit_id: str) -> dict[str, Any]:
    """One visit, read-only: its areas with answers and ratings, findings, photos, PDFs."""
    v = conn.execute(select(t.read_visits, visit_system_column().label("system_id")).where(
        t.read_visits.c.visit_id == visit_id)).first()
    if v is None:
        raise NotFound(f"no visit {visit_id}")
    ra, ans = t.read_areas, t.read_answers
    answers: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in conn.execute(select(ans).where(ans.c.visit_id == visit_id)):
        answers[r.area_key][r.item_id] = r
    forms = {h: form_from_content(c) for h, c in conn.execute(
        select(t.read_forms.c.hash, t.read_forms.c.content).where(t.read_forms.c.hash.in_(
            select(ra.c.form_hash).where(ra.c.visit_id == visit_id))))}
    areas = []
    for a in sorted(conn.execute(select(ra).where(ra.c.visit_id == visit_id,
                                                  ra.c.deleted.is_(False))).all(),
                    key=lambda a: (a.position if a.position is not None else 1_000, a.entity_id)):
        areas.append({"key": a.entity_id, "kind": kind_label(a.kind), "label": a.label,
                      "rag": a.rag_worst, "red": a.red, "amber": a.amber, "green": a.green,
                      "answers": _answer_rows(forms.get(a.form_hash), answers.get(a.entity_id,
                                                                                   {}))})
    photos = [dict(r._mapping) for r in conn.execute(
        select(t.read_attachments).where(t.read_attachments.c.visit_id == visit_id,
                                         t.read_attachments.c.deleted.is_(False)))
        if r.sha256]
    indicators = [dict(r._mapping) for r in conn.execute(
        select(t.read_indicators).where(t.read_indicators.c.visit_id == visit_id)
        .order_by(t.read_indicators.c.position))]
    presented = json.loads(v.presented_report) if v.presented_report else None
    team = json.loads(v.team_members) if v.team_members else []
    return {"visit": _visit_summary(v), "system_id": v.system_id, "areas": areas,
            "findings": _findings(conn, [visit_id], {visit_id: v.date}), "photos": photos,
            "indicators": indicators, "presented": presented,
            "team": [m for m in team if isinstance(m, dict)]}


def _answer_rows(form: Form | None, answers: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    items = form.items if form else []
    known = set()
    for item in items:
        r = answers.get(item.id)
        if r is None or r.value is None:
            continue
        known.add(item.id)
        value = json.loads(r.value)
        rows.append({"item_id": item.id, "prompt": item.prompt,
                     "value": format_value(item, value), "rag": item.suggested_rag(value),
                     "note": r.note, "tags": list(item.tags)})
    for item_id, r in sorted(answers.items()):
        if item_id not in known and r.value is not None:  # no form here to name it
            rows.append({"item_id": item_id, "prompt": item_id, "value": r.value, "rag": None,
                         "note": r.note, "tags": []})
    return rows


def themes_page(conn: Connection) -> dict[str, Any]:
    """Findings by pathway and tag across systems; area kind x system ratings at the
    latest visit of each system that walked that kind of area."""
    systems = {s.id: s for s in list_systems(conn)}
    visits = conn.execute(select(t.read_visits.c.visit_id, t.read_visits.c.date,
                                 t.read_visits.c.system, t.read_visits.c.system_key,
                                 visit_system_column().label("system_id"))).all()
    system_of: dict[str, tuple[str, str]] = {}  # visit -> (system ref, name)
    for v in visits:
        if v.system_id is not None:
            system_of[v.visit_id] = (f"id:{v.system_id}", systems[v.system_id].name)
        else:
            system_of[v.visit_id] = (f"name:{v.system_key or ''}", v.system or "No system name")
    visited = {ref for ref, _ in system_of.values()}
    pathway: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    tags: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    item_tags = _item_tags(conn)
    for f in conn.execute(select(t.read_findings).where(t.read_findings.c.deleted.is_(False))):
        ref = system_of.get(f.visit_id, ("?", ""))[0]
        if f.pathway:
            pathway[f.pathway][f.kind or "other"].add(ref)
        for item_id in json.loads(f.item_ids or "[]"):
            for tag in item_tags.get(item_id, ()):
                tags[tag][f.kind or "other"].add(ref)
    # The grid: for each system, its latest visit's rating of each kind of area.
    latest_by_ref: dict[str, tuple[str, str]] = {}
    for v in visits:
        ref = system_of[v.visit_id][0]
        if ref not in latest_by_ref or (v.date or "", v.visit_id) > latest_by_ref[ref]:
            latest_by_ref[ref] = (v.date or "", v.visit_id)
    latest_ids = {vid: ref for ref, (_d, vid) in latest_by_ref.items()}
    grid: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    worst_order = {"green": 0, "amber": 1, "red": 2, None: -1}
    if latest_ids:
        for a in conn.execute(select(t.read_areas).where(
                t.read_areas.c.visit_id.in_(list(latest_ids)), t.read_areas.c.deleted.is_(False))):
            ref = latest_ids[a.visit_id]
            cell = grid[a.kind or ""].get(ref)
            if cell is None or worst_order[a.rag_worst] > worst_order[cell["rag"]]:
                grid[a.kind or ""][ref] = {"rag": a.rag_worst, "visit_id": a.visit_id}
    names = {ref: name for ref, name in system_of.values()}
    columns = sorted(visited, key=lambda r: names[r].casefold())
    return {
        "systems_visited": len(visited),
        "pathways": [_theme_row(PATHWAY_LABELS.get(p, p), pathway.get(p, {}), len(visited))  # type: ignore[call-overload]
                     for p in list(PATHWAY_LABELS) if p in pathway],
        "tags": [_theme_row(tag.replace("_", " ").capitalize(), kinds, len(visited))
                 for tag, kinds in sorted(tags.items())],
        "grid_columns": [{"ref": r, "name": names[r]} for r in columns],
        "grid_rows": [{"kind": kind_label(k), "cells": [grid[k].get(r) for r in columns]}
                      for k in sorted(grid, key=kind_label)],
    }


def _theme_row(label: str, kinds: dict[str, set[str]], total: int) -> dict[str, Any]:
    concern = len(kinds.get("concern", set()))
    strength = len(kinds.get("strength", set()))
    recommendation = len(kinds.get("recommendation", set()))
    words = f"{label}: a concern in {concern} of {total} system{'s' if total != 1 else ''}"
    if strength:
        words += f", a strength in {strength}"
    return {"label": label, "concern": concern, "strength": strength,
            "recommendation": recommendation, "total": total, "words": words}


def _item_tags(conn: Connection) -> dict[str, tuple[str, ...]]:
    tags: dict[str, tuple[str, ...]] = {}
    for (content,) in conn.execute(select(t.read_forms.c.content)):
        form = form_from_content(content)
        if form is not None:
            for item in form.items:
                tags[item.id] = item.tags
    return tags
