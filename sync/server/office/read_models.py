"""The office's read models: every synced visit as plain tables, kept in step with pushes.

`refresh(conn, touched)` runs inside the push's transaction, after the push has merged
its ops into `field_state` (per field, last writer wins by HLC then device id: the very
rule the tablets apply). It reads the winning values of every touched entity back from
`field_state`, so an op that lost to a value already there changes nothing, and rewrites
those entities' rows. Then it recomputes what depends on them with the tablet's own domain
code: an area's RAG roll-up (`AreaState.rag`) and a visit's indicators
(`indicators.compute`). Entities the office does not show are left in the op log only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from sync.server import tables as sync_tables
from sync.server.office import tables as t
from visitapp.domain import indicators as ind
from visitapp.domain.forms import Form
from visitapp.domain.visit import AnswerState, AreaState

CHUNK = 300
ROW_ENTITIES = {"visit", "area", "answer", "finding", "attachment", "metric_day"}
# The team's ratings, as the tablets write them (visitapp.services.visits): an item's
# ("rating", "AREA_KEY/ITEM_ID", "rag") and an area's ("area_rating", "AREA_KEY", "rag").
RATING_ENTITIES = {"rating", "area_rating"}
METRIC_ENTITIES = {"metric_day", "metric", "metric_settings"}
FORM_ENTITY = "form"
Touched = tuple[str, str, str]  # (visit_id, entity, entity_id)


def fold_name(name: str | None) -> str | None:
    """A system name as matched against the register: case and spacing do not count."""
    if name is None:
        return None
    folded = " ".join(str(name).split()).casefold()
    return folded or None


def refresh(conn: Connection, touched: Iterable[Touched]) -> None:
    """Rewrite the read rows of the touched entities from their winning values."""
    by_kind: dict[tuple[str, str], set[str]] = defaultdict(set)
    forms: set[str] = set()
    areas_to_rate: set[tuple[str, str]] = set()
    for visit_id, entity, entity_id in touched:
        if entity == FORM_ENTITY:
            forms.add(entity_id)
        elif entity in RATING_ENTITIES:
            # The team's own rating of an item ("area/item") or of an area ("area").
            areas_to_rate.add((visit_id, entity_id.partition("/")[0]))
        elif entity in ROW_ENTITIES or entity in METRIC_ENTITIES:
            by_kind[(visit_id, entity)].add(entity_id)
    if forms:
        _store_forms(conn, forms)
    if not by_kind and not areas_to_rate:
        return
    fields = _winning_fields(conn, by_kind)
    metric_visits: set[str] = set()
    for (visit_id, entity), ids in by_kind.items():
        if entity in METRIC_ENTITIES:
            metric_visits.add(visit_id)
        if entity not in ROW_ENTITIES:
            continue
        rows = [_ROW_MAKERS[entity](visit_id, eid, fields.get((visit_id, entity, eid), {}))
                for eid in sorted(ids)]
        table = _TABLES[entity]
        for chunk in _chunks(sorted(ids)):
            conn.execute(delete(table).where(table.c.visit_id == visit_id,
                                             table.c.entity_id.in_(chunk)))
        conn.execute(insert(table), rows)
        if entity == "area":
            areas_to_rate.update((visit_id, eid) for eid in ids)
        elif entity == "answer":
            areas_to_rate.update((visit_id, r["area_key"]) for r in rows)
    if areas_to_rate:
        rate_areas(conn, areas_to_rate)
    for visit_id in sorted(metric_visits):
        compute_indicators(conn, visit_id)


def rebuild_all(conn: Connection) -> int:
    """Rebuild every read model from `field_state` (after upgrading an older office)."""
    for table in (t.read_visits, t.read_areas, t.read_answers, t.read_findings,
                  t.read_attachments, t.read_daily, t.read_indicators):
        conn.execute(delete(table))
    fs = sync_tables.field_state
    keys = conn.execute(select(fs.c.visit_id, fs.c.entity, fs.c.entity_id).distinct()).all()
    forms = conn.execute(select(sync_tables.ops.c.entity_id).where(
        sync_tables.ops.c.entity == FORM_ENTITY).distinct()).all()
    refresh(conn, [tuple(k) for k in keys] + [("", FORM_ENTITY, f[0]) for f in forms])
    return len(keys)


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def _winning_fields(conn: Connection, by_kind: dict[tuple[str, str], set[str]],
                    ) -> dict[Touched, dict[str, Any]]:
    fs = sync_tables.field_state
    out: dict[Touched, dict[str, Any]] = defaultdict(dict)
    for (visit_id, entity), ids in by_kind.items():
        for chunk in _chunks(sorted(ids)):
            rows = conn.execute(select(fs.c.entity_id, fs.c.field, fs.c.value).where(
                fs.c.visit_id == visit_id, fs.c.entity == entity, fs.c.entity_id.in_(chunk)))
            for entity_id, field, value in rows:
                out[(visit_id, entity, entity_id)][field] = json.loads(value)
    return out


def _store_forms(conn: Connection, hashes: set[str]) -> None:
    """Form content is immutable and addressed by its hash: store each once."""
    ops = sync_tables.ops
    known = {r[0] for r in conn.execute(select(t.read_forms.c.hash).where(
        t.read_forms.c.hash.in_(sorted(hashes))))}
    for form_hash in sorted(hashes - known):
        value = conn.execute(select(ops.c.value).where(
            ops.c.entity == FORM_ENTITY, ops.c.entity_id == form_hash).limit(1)).scalar()
        if value is not None:
            conn.execute(insert(t.read_forms).values(hash=form_hash, content=value))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _visit_row(visit_id: str, entity_id: str, f: dict[str, Any]) -> dict[str, Any]:
    return {"visit_id": visit_id, "entity_id": entity_id, "system": _text(f.get("system")),
            "system_key": fold_name(_text(f.get("system"))), "trust": _text(f.get("trust")),
            "site": _text(f.get("site")), "date": _text(f.get("date")),
            "visit_type": _text(f.get("visit_type")), "status": _text(f.get("status")),
            "follows_visit_id": _text(f.get("follows_visit_id")),
            "team_members": _json(f.get("team")), "people_met": _json(f.get("people_met")),
            "data_reviewed": _json(f.get("data_reviewed")),
            "presented_report": _json(f.get("presented_report")),
            "created_report": _json(f.get("created_report"))}


def _area_row(visit_id: str, entity_id: str, f: dict[str, Any]) -> dict[str, Any]:
    return {"visit_id": visit_id, "entity_id": entity_id, "kind": _text(f.get("kind")),
            "label": _text(f.get("label")), "form_hash": _text(f.get("form_hash")),
            "position": _int(f.get("position")), "deleted": bool(f.get("deleted")),
            "rag_worst": None, "red": 0, "amber": 0, "green": 0}


def _answer_row(visit_id: str, entity_id: str, f: dict[str, Any]) -> dict[str, Any]:
    area_key, _, item_id = entity_id.partition("/")
    return {"visit_id": visit_id, "entity_id": entity_id, "area_key": area_key,
            "item_id": item_id, "value": _json(f.get("value")), "note": _text(f.get("note"))}


def _finding_row(visit_id: str, entity_id: str, f: dict[str, Any]) -> dict[str, Any]:
    return {"visit_id": visit_id, "entity_id": entity_id, "kind": _text(f.get("kind")),
            "text": _text(f.get("text")), "pathway": _text(f.get("pathway")),
            "area_key": _text(f.get("area_key")), "item_ids": _json(f.get("item_ids")),
            "horizon": _text(f.get("horizon")), "owner": _text(f.get("owner")),
            "position": _int(f.get("position")), "deleted": bool(f.get("deleted"))}


def _attachment_row(visit_id: str, entity_id: str, f: dict[str, Any]) -> dict[str, Any]:
    return {"visit_id": visit_id, "entity_id": entity_id, "sha256": _text(f.get("sha256")),
            "report_sha256": _text(f.get("report_sha256")),
            "area_key": _text(f.get("area_key")), "item_id": _text(f.get("item_id")),
            "caption": _text(f.get("caption")), "content_type": _text(f.get("content_type")),
            "deleted": bool(f.get("deleted"))}


def _daily_row(visit_id: str, entity_id: str, f: dict[str, Any]) -> dict[str, Any]:
    row = f.get("row") if isinstance(f.get("row"), dict) else {}
    counts = {k: v for k, v in row.items() if k in ind.COUNT_COLUMNS and _int(v) is not None}
    return {"visit_id": visit_id, "entity_id": entity_id, "counts": json.dumps(counts)}


_ROW_MAKERS = {"visit": _visit_row, "area": _area_row, "answer": _answer_row,
               "finding": _finding_row, "attachment": _attachment_row,
               "metric_day": _daily_row}
_TABLES = {"visit": t.read_visits, "area": t.read_areas, "answer": t.read_answers,
           "finding": t.read_findings, "attachment": t.read_attachments,
           "metric_day": t.read_daily}


@lru_cache(maxsize=64)
def form_from_content(content: str) -> Form | None:
    """The checklist an area was answered on (content-addressed, so safe to cache)."""
    try:
        return Form.from_canonical_json(content)
    except ValueError:
        return None  # a newer app's form this office cannot read: no roll-up, no crash


def load_form(conn: Connection, form_hash: str | None) -> Form | None:
    if not form_hash:
        return None
    content = conn.execute(select(t.read_forms.c.content).where(
        t.read_forms.c.hash == form_hash)).scalar()
    return None if content is None else form_from_content(content)


def _team_ratings(conn: Connection, visit_id: str) -> dict[tuple[str, str | None], str]:
    """The ratings the team set in a visit: (area, item) for an item, (area, None) for an
    area; a rating cleared by the team (null) or not a RAG word is left out."""
    fs = sync_tables.field_state
    out: dict[tuple[str, str | None], str] = {}
    for entity, entity_id, value in conn.execute(select(fs.c.entity, fs.c.entity_id, fs.c.value)
                                                 .where(fs.c.visit_id == visit_id,
                                                        fs.c.entity.in_(sorted(RATING_ENTITIES)),
                                                        fs.c.field == "rag")):
        rag = json.loads(value)
        if rag not in ("red", "amber", "green"):
            continue
        if entity == "area_rating":
            out[(entity_id, None)] = rag
        else:
            area_key, _, item_id = entity_id.partition("/")
            out[(area_key, item_id)] = rag
    return out


def rate_areas(conn: Connection, areas: set[tuple[str, str]]) -> None:
    """Store each area's RAG roll-up, worked out by the tablet's own rule.

    A few queries per visit, not per area: a push touches many areas of few visits.
    """
    ra, ans = t.read_areas, t.read_answers
    by_visit: dict[str, set[str]] = defaultdict(set)
    for visit_id, area_key in areas:
        by_visit[visit_id].add(area_key)
    updates: list[dict[str, Any]] = []
    forms: dict[str | None, Form | None] = {}
    for visit_id, keys in sorted(by_visit.items()):
        found = {r.entity_id: r for chunk in _chunks(sorted(keys)) for r in conn.execute(
            select(ra.c.entity_id, ra.c.form_hash, ra.c.kind, ra.c.label).where(
                ra.c.visit_id == visit_id, ra.c.entity_id.in_(chunk)))}
        team = _team_ratings(conn, visit_id)
        # Answers can arrive before their area: an area not here yet is rated when it comes.
        values: dict[str, dict[str, Any]] = defaultdict(dict)
        for chunk in _chunks(sorted(found)):
            for area_key, item_id, value in conn.execute(
                    select(ans.c.area_key, ans.c.item_id, ans.c.value).where(
                        ans.c.visit_id == visit_id, ans.c.area_key.in_(chunk),
                        ans.c.value.is_not(None))):
                values[area_key][item_id] = json.loads(value)
        for area_key, area in found.items():
            if area.form_hash not in forms:
                forms[area.form_hash] = load_form(conn, area.form_hash)
            form = forms[area.form_hash]
            counts = {"red": 0, "amber": 0, "green": 0}
            worst = None
            if form is not None:
                state = AreaState(key=area_key, kind=area.kind or "", label=area.label or "",
                                  form=form, team_rag=team.get((area_key, None)))
                state.answers = {i: AnswerState(value=v, team_rag=team.get((area_key, i)))
                                 for i, v in values[area_key].items()}
                rollup = state.rag()
                worst, counts = rollup.overall, {k: rollup.counts.get(k, 0) for k in counts}
            updates.append({"v": visit_id, "k": area_key, "rag_worst": worst, **counts})
    if updates:
        from sqlalchemy import bindparam

        conn.execute(ra.update().where(ra.c.visit_id == bindparam("v"),
                                       ra.c.entity_id == bindparam("k")), updates)


def _metric_fields(conn: Connection, visit_id: str, entity: str) -> dict[str, dict[str, Any]]:
    fs = sync_tables.field_state
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for entity_id, field, value in conn.execute(select(fs.c.entity_id, fs.c.field, fs.c.value)
                                                .where(fs.c.visit_id == visit_id,
                                                       fs.c.entity == entity)):
        out[entity_id][field] = json.loads(value)
    return out


def compute_indicators(conn: Connection, visit_id: str) -> None:
    """A visit's indicators by `indicators.compute`, exactly as its tablets show them."""
    rows = []
    for entity_id, counts in conn.execute(select(t.read_daily.c.entity_id, t.read_daily.c.counts)
                                          .where(t.read_daily.c.visit_id == visit_id)):
        try:
            rows.append(ind.DailyRow(day=date.fromisoformat(entity_id),
                                     counts=json.loads(counts)))
        except ValueError:
            continue
    settings = _metric_fields(conn, visit_id, "metric_settings").get("definitions", {})
    defaults = ind.Definitions()
    definitions = ind.Definitions(
        stranded=settings.get("stranded") or defaults.stranded,
        bank_holidays_as_weekend=(defaults.bank_holidays_as_weekend
                                  if settings.get("bank_holidays_as_weekend") is None
                                  else bool(settings["bank_holidays_as_weekend"])),
        source=settings.get("source") or defaults.source)
    results = ind.compute(rows, definitions) if rows else []
    manual = _metric_fields(conn, visit_id, "metric")
    for indicator_id in ind.MANUAL_SPECS:
        payload = manual.get(indicator_id, {}).get("value")
        if isinstance(payload, dict) and isinstance(payload.get("value"), int | float):
            results.append(ind.manual_indicator(indicator_id, payload["value"],
                                                payload.get("period") or "as given",
                                                payload.get("source")))
    conn.execute(delete(t.read_indicators).where(t.read_indicators.c.visit_id == visit_id))
    if results:
        conn.execute(insert(t.read_indicators), [
            {"visit_id": visit_id, "indicator_id": i.id, "label": i.label, "value": i.value,
             "unit": i.unit, "rag": i.rag, "period": i.period, "position": n}
            for n, i in enumerate(results)])


__all__ = ["refresh", "rebuild_all", "fold_name"]
