"""The exemplar practice library: strengths found on visits, promoted by office users.

An entry starts from a synced strength (`read_findings`, kind `strength`): what they do is
the finding's words, where is the visit's system and the area's kind, the evidence is the
visit's own figures (its indicators) unless the office writes its own, and the tags are
those of the checklist items the finding cites. The contact is a role, never a person's
name, and nothing patient-identifiable is accepted.

Every entry travels to every team's tablets, read-only, as programme-wide ops signed with
the office's key (entity `exemplar`, `sync.server.office_ops`), made in the transaction
that stores it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select

from sync.server import office_ops
from sync.server.db import read
from sync.server.office import between_tables as bt
from sync.server.office import tables as t
from sync.server.office.read_models import form_from_content
from sync.server.office.systems import visit_system_column
from sync.server.office.users import utc_iso
from sync.server.store import NotFound, OfficeError
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID
from visitapp.domain.privacy import find_patient_data
from visitapp.domain.visit import PATHWAY_LABELS

LIMITS = {"title": 200, "what_they_do": 4000, "evidence": 4000, "contact_role": 200}


@dataclass(frozen=True)
class Draft:
    """What the form starts from: the strength and its visit, with the defaults filled."""

    visit_id: str
    finding_id: str
    title: str
    what_they_do: str
    system: str | None
    area_kind: str | None
    evidence: str
    pathway: str | None
    tags: list[str]


def draft_from_finding(conn: Connection, finding_id: str) -> Draft:
    rf, rv = t.read_findings, t.read_visits
    f = conn.execute(select(rf).where(rf.c.entity_id == finding_id,
                                      rf.c.deleted.is_(False))).first()
    if f is None or f.kind != "strength":
        raise NotFound(f"no strength {finding_id!r} among the synced findings")
    v = conn.execute(select(rv.c.system, visit_system_column().label("system_id"))
                     .where(rv.c.visit_id == f.visit_id)).first()
    system = v.system if v else None
    if v is not None and v.system_id is not None:
        system = conn.execute(select(t.systems.c.name).where(
            t.systems.c.id == v.system_id)).scalar() or system
    area = conn.execute(select(t.read_areas.c.kind, t.read_areas.c.form_hash).where(
        t.read_areas.c.visit_id == f.visit_id,
        t.read_areas.c.entity_id == f.area_key)).first() if f.area_key else None
    tags: list[str] = []
    if area is not None and area.form_hash:
        content = conn.execute(select(t.read_forms.c.content).where(
            t.read_forms.c.hash == area.form_hash)).scalar()
        form = form_from_content(content) if content else None
        cited = set(json.loads(f.item_ids or "[]"))
        for item in form.items if form else []:
            if item.id in cited:
                tags.extend(tag for tag in item.tags if tag not in tags)
    by_period: dict[str, list[str]] = {}
    for r in conn.execute(select(t.read_indicators).where(
            t.read_indicators.c.visit_id == f.visit_id).order_by(t.read_indicators.c.position)):
        if r.value is not None and sum(map(len, by_period.values())) < 4:
            by_period.setdefault(r.period, []).append(f"{r.label} {_figure(r.value, r.unit)}")
    evidence = "; ".join(f"{', '.join(figures)} ({period})"
                         for period, figures in by_period.items())
    text = f.text or ""
    return Draft(f.visit_id, finding_id, _short_title(text), text, system,
                 area.kind if area else None, evidence, f.pathway, tags)


def _short_title(text: str, limit: int = 80) -> str:
    """The finding's first sentence, cut at a word if it is long: a start for a title."""
    first = text.split(". ")[0].strip().rstrip(".")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _figure(value: float, unit: str) -> str:
    return f"{value:.1f}%" if unit == "%" else f"{value:.1f} {unit}".strip()


def _clean(name: str, value: str | None) -> str | None:
    value = (value or "").strip() or None
    if value and len(value) > LIMITS[name]:
        raise OfficeError(f"{name.replace('_', ' ')}: at most {LIMITS[name]} characters "
                          f"(this has {len(value)})")
    hits = find_patient_data(value)
    if hits:
        raise OfficeError(f"{name.replace('_', ' ')}: looks like patient data ({hits[0]}); "
                          "the library holds none")
    return value


def add_entry(engine: Engine, *, finding_id: str, title: str, by: str, now_ms: int,
              what_they_do: str | None = None, evidence: str | None = None,
              contact_role: str | None = None, pathway: str | None = None,
              tags: list[str] | None = None) -> str:
    """Promote a strength into the library; returns the new entry's id."""
    clean_title = _clean("title", " ".join((title or "").split()))
    if not clean_title:
        raise OfficeError("title: an entry needs a title")
    if pathway and pathway not in PATHWAY_LABELS:
        raise OfficeError(f"pathway {pathway!r} must be one of {', '.join(PATHWAY_LABELS)}")
    with read(engine) as conn:
        draft = draft_from_finding(conn, (finding_id or "").strip())
    what = _clean("what_they_do", what_they_do) or draft.what_they_do
    if not what:
        raise OfficeError("what they do: say what the system does")
    entry_id = str(uuid.uuid4())
    entry = {
        "title": clean_title, "what_they_do": what, "system": draft.system,
        "area_kind": draft.area_kind,
        "evidence": _clean("evidence", evidence) if evidence is not None else draft.evidence,
        "contact_role": _clean("contact_role", contact_role),
        "pathway": pathway or draft.pathway,
        "tags": sorted({x.strip().lower() for x in (
            tags if tags is not None else draft.tags) if x.strip()})}

    def record(conn: Connection) -> None:
        conn.execute(insert(bt.exemplars).values(
            id=entry_id, visit_id=draft.visit_id, finding_id=draft.finding_id,
            **{**entry, "tags": json.dumps(entry["tags"])}, created_by=by,
            created_at=utc_iso(now_ms)))

    # The entry and the signed programme-wide ops that take it to every team's tablets
    # commit together (sync.server.office_ops).
    changes = [office_ops.Change(PROGRAMME_VISIT_ID, "exemplar", entry_id, name, value)
               for name, value in entry.items()]
    office_ops.send(engine, changes, team=None, now_ms=now_ms, now_iso=utc_iso(now_ms),
                    inside=record)
    return entry_id


def search(conn: Connection, *, q: str = "", area_kind: str = "", pathway: str = "",
           ) -> list[dict[str, Any]]:
    """Entries matching every word of `q` (in title, words, evidence, system, tags)."""
    e = bt.exemplars
    query = select(e).order_by(e.c.created_at.desc(), e.c.id)
    for word in q.split()[:8]:
        like = f"%{word.casefold()}%"
        query = query.where(or_(*(e.c[name].ilike(like) for name in (
            "title", "what_they_do", "evidence", "system", "tags", "contact_role"))))
    if area_kind:
        query = query.where(e.c.area_kind == area_kind)
    if pathway:
        query = query.where(e.c.pathway == pathway)
    return [entry_payload(r) for r in conn.execute(query)]


def entry_payload(row: Any) -> dict[str, Any]:
    """An entry as plain data: what the pages show and what a tablet would receive."""
    return {"id": row.id, "title": row.title, "what_they_do": row.what_they_do,
            "system": row.system, "area_kind": row.area_kind, "evidence": row.evidence,
            "contact_role": row.contact_role, "pathway": row.pathway,
            "tags": json.loads(row.tags or "[]"), "visit_id": row.visit_id,
            "finding_id": row.finding_id}
