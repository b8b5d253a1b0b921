"""Use cases for a visit: start it, add areas, answer items, record findings.

Every change goes through `oplog.record` inside one write transaction, so the op and the
state it changes commit together: when one of these methods returns, the change is on
disk. Free text is checked by the privacy guard first and refused unless confirmed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import date as date_cls
from typing import Any

from visitapp.domain import privacy
from visitapp.domain.forms import AREA_KINDS, AnswerType, Form, Item
from visitapp.domain.ids import area_key, new_id
from visitapp.domain.summary import AreaSummary, SummaryPage, VisitSummary
from visitapp.domain.values import parse_value
from visitapp.domain.visit import (
    AnswerState,
    AreaState,
    AttachmentState,
    FindingKind,
    FindingState,
    Horizon,
    Pathway,
    PeopleMet,
    TeamMember,
    VisitState,
    VisitStatus,
    VisitType,
)
from visitapp.errors import BadValue, NotFound, PatientDataWarning
from visitapp.services.catalogue import FormCatalogue
from visitapp.store import office_data, oplog, summaries
from visitapp.store.db import Database, utc_now
from visitapp.store.entities import winning_values

MAX_LABEL = 80
RAGS = ("green", "amber", "red")
# The team's ratings are ops on entities with no state table (read back from the op
# winners, as metrics are): no schema change, and they sync and travel in bundles as is.
ITEM_RATING_ENTITY = "rating"  # id "area_key/item_id", field "rag"
AREA_RATING_ENTITY = "area_rating"  # id area_key, field "rag"


def rag_choice(rag: str | None) -> str | None:
    if rag is None:
        return None
    word = str(rag).strip().lower()
    word = {"g": "green", "a": "amber", "r": "red"}.get(word, word)
    if word not in RAGS:
        raise BadValue(f"rating {rag!r} is not one of: green, amber, red")
    return word


def guard_text(where: str, text: str | None, confirmed: bool) -> None:
    """Refuse text that looks like patient data unless the user confirmed it is not."""
    if confirmed or not text:
        return
    hits = privacy.find_patient_data(text)
    if hits:
        raise PatientDataWarning(where, [str(h) for h in hits])


def _choice(enum: type, value: str | None, what: str, optional: bool = False) -> str | None:
    if value is None or value == "":
        if optional:
            return None
        raise BadValue(f"{what} is required; one of: {', '.join(e.value for e in enum)}")
    try:
        return enum(value).value
    except ValueError:
        raise BadValue(
            f"{what} {value!r} is not one of: {', '.join(e.value for e in enum)}") from None


def _known_rag(value: Any) -> str | None:
    """A stored rating, or None for a cleared one or another machine's bad value."""
    return value if value in RAGS else None


class VisitService:
    def __init__(self, db: Database, catalogue: FormCatalogue) -> None:
        self.db = db
        self.catalogue = catalogue

    # --- visits --------------------------------------------------------------------

    def create_visit(
        self,
        *,
        system: str,
        date: str,
        visit_type: str,
        trust: str | None = None,
        site: str | None = None,
        team: Sequence[TeamMember] = (),
        people_met: Sequence[PeopleMet] = (),
        data_reviewed: Sequence[str] = (),
        follows_visit_id: str | None = None,
        areas: Sequence[tuple[str, str]] = (),
        author: str | None = None,
    ) -> str:
        """Start a visit (and its first areas) in one transaction; returns its id."""
        if not system.strip():
            raise BadValue("system is required (the local health and care system visited)")
        try:
            date_cls.fromisoformat(date)
        except ValueError:
            raise BadValue(f"date {date!r} is not a date like 2026-11-27") from None
        vtype = _choice(VisitType, visit_type, "visit type")
        if follows_visit_id and vtype != VisitType.FOLLOW_UP:
            raise BadValue("only a follow-up visit follows an earlier visit")
        visit_id = new_id()
        fields: dict[str, Any] = {
            "system": system.strip(), "trust": (trust or "").strip() or None,
            "site": (site or "").strip() or None, "date": date, "visit_type": vtype,
            "follows_visit_id": follows_visit_id, "status": VisitStatus.IN_PROGRESS.value,
            "team": [{"name": m.name, "role": m.role} for m in team],
            "people_met": [{"role": p.role, "count": p.count} for p in people_met],
            "data_reviewed": list(data_reviewed), "created_at": utc_now(),
        }
        forms = [(kind, label, self.catalogue.for_kind(kind)) for kind, label in areas]
        with self.db.write() as conn:
            for name, value in fields.items():
                oplog.record(self.db, conn, visit_id=visit_id, entity="visit",
                             entity_id=visit_id, field=name, value=value, author=author)
            for position, (kind, label, form) in enumerate(forms):
                self._add_area(conn, visit_id, kind, label, form, position, author)
        return visit_id

    def update_visit(self, visit_id: str, author: str | None = None, **fields: Any) -> None:
        allowed = {"system", "trust", "site", "date", "status", "people_met", "data_reviewed",
                   "team", "follows_visit_id", "visit_type"}
        unknown = set(fields) - allowed
        if unknown:
            raise BadValue(f"cannot change {', '.join(sorted(unknown))} of a visit")
        if "status" in fields:
            _choice(VisitStatus, fields["status"], "status")
        if "visit_type" in fields:
            _choice(VisitType, fields["visit_type"], "visit type")
        with self.db.write() as conn:
            self.require_visit(conn, visit_id)
            for name, value in fields.items():
                if name == "team":
                    value = [{"name": m.name, "role": m.role} for m in value]
                elif name == "people_met":
                    value = [{"role": p.role, "count": p.count} for p in value]
                oplog.record(self.db, conn, visit_id=visit_id, entity="visit",
                             entity_id=visit_id, field=name, value=value, author=author)

    def finish(self, visit_id: str, author: str | None = None) -> bool:
        """Mark the visit finished (`closed`), as an op that syncs. It does not lock: a
        finished visit can still be corrected. False when it was finished already."""
        with self.db.write() as conn:
            self.require_visit(conn, visit_id)
            status = conn.execute("SELECT status FROM visits WHERE id = ?",
                                  (visit_id,)).fetchone()[0]
            if status == VisitStatus.CLOSED:
                return False
            oplog.record(self.db, conn, visit_id=visit_id, entity="visit", entity_id=visit_id,
                         field="status", value=VisitStatus.CLOSED.value, author=author)
        return True

    def list_visits(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, system, site, date, visit_type, status FROM visits "
                "WHERE system IS NOT NULL ORDER BY date DESC, system"
            ).fetchall()
        return [dict(zip(("id", "system", "site", "date", "visit_type", "status"), r, strict=True))
                for r in rows]

    def summaries(self) -> list[VisitSummary]:
        """The visits of `list_visits`, each with its progress, from one row a visit."""
        with self.db.read() as conn:
            return summaries.visit_rows(conn)

    def summaries_page(self, limit: int,
                       last_position: Callable[[str], tuple[str, str] | None] = lambda _: None
                       ) -> SummaryPage:
        """The visits screen's page in one snapshot: the first `limit` visits of
        `summaries`, how many there are in all, their unsent changes, and where each
        (area key, item id) that `last_position` gives for a visit stands now."""
        with self.db.read() as conn:
            return summaries.visit_page(conn, limit, last_position)

    def area_summaries(self, wanted: Iterable[tuple[str, str]]
                       ) -> dict[tuple[str, str], AreaSummary]:
        """Some areas in a line each (label, progress, visible items), by (visit id, area
        key), without loading their visits; areas a visit does not show are left out."""
        with self.db.read() as conn:
            return summaries.area_rows(conn, wanted)

    def resolve_visit_id(self, prefix: str) -> str:
        """Accept a whole visit id or an unambiguous prefix of one (at least 4 characters)."""
        with self.db.read() as conn:
            if len(prefix) < 4:
                rows = conn.execute("SELECT id FROM visits WHERE id = ?", (prefix,)).fetchall()
            else:
                rows = conn.execute("SELECT id FROM visits WHERE id LIKE ? || '%'",
                                    (prefix,)).fetchall()
        if not rows:
            raise NotFound(f"no visit {prefix!r} on this tablet")
        if len(rows) > 1:
            raise NotFound(f"visit id {prefix!r} is ambiguous: give more of it")
        return rows[0][0]

    # --- areas ---------------------------------------------------------------------

    def add_area(self, visit_id: str, kind: str, label: str | None = None,
                 author: str | None = None) -> str:
        form = self.catalogue.for_kind(kind)
        with self.db.write() as conn:
            self.require_visit(conn, visit_id)
            position = conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM areas WHERE visit_id = ?",
                (visit_id,)).fetchone()[0]
            return self._add_area(conn, visit_id, kind, label, form, position, author)

    def _add_area(self, conn: sqlite3.Connection, visit_id: str, kind: str, label: str | None,
                  form: Form, position: int, author: str | None) -> str:
        given = (label or "").strip()
        if len(given) > MAX_LABEL:
            raise BadValue(f"area label is longer than {MAX_LABEL} characters")
        key = area_key(kind, given)
        label = given or AREA_KINDS[kind]
        known = conn.execute(
            "SELECT 1 FROM ops WHERE visit_id = ? AND entity = ? AND entity_id = ? LIMIT 1",
            (visit_id, oplog.FORM_ENTITY, form.content_hash)).fetchone()
        if known is None:
            oplog.record(self.db, conn, visit_id=visit_id, entity=oplog.FORM_ENTITY,
                         entity_id=form.content_hash, field="content",
                         value=json.loads(form.canonical_json()), author=author)
        for name, value in (("kind", kind), ("label", label), ("form_hash", form.content_hash),
                            ("position", position)):
            oplog.record(self.db, conn, visit_id=visit_id, entity="area", entity_id=key,
                         field=name, value=value, author=author)
        return key

    def rename_area(self, visit_id: str, key: str, label: str, author: str | None = None) -> None:
        label = label.strip()
        if not label:
            raise BadValue("area label cannot be empty")
        with self.db.write() as conn:
            self.require_area(conn, visit_id, key)
            oplog.record(self.db, conn, visit_id=visit_id, entity="area", entity_id=key,
                         field="label", value=label, author=author)

    def set_area_done(self, visit_id: str, key: str, done: bool = True,
                      author: str | None = None) -> None:
        """Mark an area as walked and done (or, with done=False, not done): an op."""
        with self.db.write() as conn:
            self.require_area(conn, visit_id, key)
            oplog.record(self.db, conn, visit_id=visit_id, entity="area", entity_id=key,
                         field="done", value=bool(done), author=author)

    def remove_area(self, visit_id: str, key: str, author: str | None = None) -> None:
        with self.db.write() as conn:
            self.require_area(conn, visit_id, key)
            oplog.record(self.db, conn, visit_id=visit_id, entity="area", entity_id=key,
                         field="deleted", value=True, author=author)

    # --- answers -------------------------------------------------------------------

    def answer(self, visit_id: str, area_key_: str, item_id: str, raw: Any,
               author: str | None = None, confirmed: bool = False) -> Any:
        """Parse and store an answer; returns the canonical value stored.

        The hot path of the app: one write transaction holds the look-up, the op and the
        state change, so a tap costs one commit. A free-text answer passes the privacy
        guard first (`confirmed` records that the user said it is not patient data).
        """
        with self.db.write() as conn:
            item = self._item_in(conn, visit_id, area_key_, item_id)
            try:
                value = parse_value(item, raw)
            except ValueError as err:
                raise BadValue(f"item {item_id}: {err}") from None
            is_text = item.type is AnswerType.TEXT
            if is_text:
                guard_text(f"the answer to item {item_id}", value, confirmed)
            oplog.record(self.db, conn, visit_id=visit_id, entity="answer",
                         entity_id=f"{area_key_}/{item_id}", field="value", value=value,
                         author=author, confirmed=confirmed and is_text)
        return value

    def clear_answer(self, visit_id: str, area_key_: str, item_id: str,
                     author: str | None = None) -> None:
        self.item_of(visit_id, area_key_, item_id)
        with self.db.write() as conn:
            oplog.record(self.db, conn, visit_id=visit_id, entity="answer",
                         entity_id=f"{area_key_}/{item_id}", field="value", value=None,
                         author=author)

    def set_note(self, visit_id: str, area_key_: str, item_id: str, text: str | None,
                 author: str | None = None, confirmed: bool = False) -> None:
        """Set (or, with empty text, clear) the note on an item."""
        self.item_of(visit_id, area_key_, item_id)
        text = (text or "").strip() or None
        guard_text(f"the note on item {item_id}", text, confirmed)
        with self.db.write() as conn:
            oplog.record(self.db, conn, visit_id=visit_id, entity="answer",
                         entity_id=f"{area_key_}/{item_id}", field="note", value=text,
                         author=author, confirmed=confirmed and bool(text))

    def rate_item(self, visit_id: str, area_key_: str, item_id: str, rag: str | None,
                  author: str | None = None) -> str | None:
        """Set the team's rating of an item (None: back to the suggested rating)."""
        value = rag_choice(rag)
        with self.db.write() as conn:
            self._item_in(conn, visit_id, area_key_, item_id)
            oplog.record(self.db, conn, visit_id=visit_id, entity=ITEM_RATING_ENTITY,
                         entity_id=f"{area_key_}/{item_id}", field="rag", value=value,
                         author=author)
        return value

    def rate_area(self, visit_id: str, area_key_: str, rag: str | None,
                  author: str | None = None) -> str | None:
        """Set the team's rating of a whole area (None: back to the computed rating)."""
        value = rag_choice(rag)
        with self.db.write() as conn:
            self.require_area(conn, visit_id, area_key_)
            oplog.record(self.db, conn, visit_id=visit_id, entity=AREA_RATING_ENTITY,
                         entity_id=area_key_, field="rag", value=value, author=author)
        return value

    # --- findings ------------------------------------------------------------------

    def add_finding(self, visit_id: str, *, kind: str, text: str, pathway: str | None = None,
                    area_key: str | None = None, item_ids: Sequence[str] = (),
                    horizon: str | None = None, owner: str | None = None,
                    author: str | None = None, confirmed: bool = False) -> str:
        fields = self._finding_fields(kind=kind, text=text, pathway=pathway, horizon=horizon,
                                      owner=owner, confirmed=confirmed)
        finding_id = new_id()
        with self.db.write() as conn:
            self.require_visit(conn, visit_id)
            if area_key is not None:
                self.require_area(conn, visit_id, area_key)
            position = conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM findings WHERE visit_id = ?",
                (visit_id,)).fetchone()[0]
            fields.update(area_key=area_key, item_ids=sorted(set(item_ids)), position=position,
                          created_by=author, created_at=utc_now())
            for name, value in fields.items():
                oplog.record(self.db, conn, visit_id=visit_id, entity="finding",
                             entity_id=finding_id, field=name, value=value, author=author,
                             confirmed=confirmed and name == "text")
        return finding_id

    def edit_finding(self, visit_id: str, finding_id: str, *, author: str | None = None,
                     confirmed: bool = False, **changes: Any) -> None:
        allowed = {"kind", "text", "pathway", "horizon", "owner", "position", "area_key",
                   "item_ids"}
        unknown = set(changes) - allowed
        if unknown:
            raise BadValue(f"cannot change {', '.join(sorted(unknown))} of a finding")
        with self.db.write() as conn:
            current = self.require_finding(conn, visit_id, finding_id)
            merged = {"kind": current[0], "text": current[1], "pathway": current[2],
                      "horizon": current[3], "owner": current[4]}
            merged.update({k: v for k, v in changes.items() if k in merged})
            # Unchanged text was checked (or confirmed) when it was stored: only new text
            # goes through the privacy guard again.
            checked = self._finding_fields(confirmed=confirmed or "text" not in changes, **merged)
            for name in changes:
                value = checked.get(name, changes[name])
                if name == "item_ids":
                    value = sorted(set(value or ()))
                oplog.record(self.db, conn, visit_id=visit_id, entity="finding",
                             entity_id=finding_id, field=name, value=value, author=author,
                             confirmed=confirmed and name == "text")

    def delete_finding(self, visit_id: str, finding_id: str, author: str | None = None) -> None:
        with self.db.write() as conn:
            self.require_finding(conn, visit_id, finding_id)
            oplog.record(self.db, conn, visit_id=visit_id, entity="finding",
                         entity_id=finding_id, field="deleted", value=True, author=author)

    def restore_finding(self, visit_id: str, finding_id: str,
                        author: str | None = None) -> None:
        """Undo a deletion: a new op (`deleted` false), so the finding returns on every
        tablet as it was."""
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM findings WHERE visit_id = ? AND id = ? AND "
                            "deleted = 1", (visit_id, finding_id)).fetchone() is None:
                raise NotFound(f"no deleted finding {finding_id!r} in visit {visit_id}")
            oplog.record(self.db, conn, visit_id=visit_id, entity="finding",
                         entity_id=finding_id, field="deleted", value=False, author=author)

    def _finding_fields(self, *, kind: str, text: str, pathway: str | None,
                        horizon: str | None, owner: str | None,
                        confirmed: bool) -> dict[str, Any]:
        kind_ = _choice(FindingKind, kind, "finding kind")
        text = (text or "").strip()
        if not text:
            raise BadValue("a finding needs some text")
        guard_text("the finding", text, confirmed)
        pathway_ = _choice(Pathway, pathway, "pathway", optional=True)
        horizon_ = _choice(Horizon, horizon, "horizon", optional=True)
        if kind_ != FindingKind.RECOMMENDATION and (horizon_ or owner):
            raise BadValue("only a recommendation has a horizon and an owner")
        return {"kind": kind_, "text": text, "pathway": pathway_, "horizon": horizon_,
                "owner": (owner or "").strip() or None}

    # --- reading -------------------------------------------------------------------

    def load(self, visit_id: str) -> VisitState:
        """The whole visit as plain Python, from one consistent snapshot."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT id, system, trust, site, date, visit_type, follows_visit_id, status, "
                "team, people_met, data_reviewed, created_at FROM visits WHERE id = ?",
                (visit_id,)).fetchone()
            if row is None or row[1] is None:
                raise NotFound(f"no visit {visit_id!r} on this tablet")
            areas = conn.execute(
                "SELECT key, kind, label, form_hash, position, done FROM areas "
                "WHERE visit_id = ? AND COALESCE(deleted, 0) = 0 AND form_hash IS NOT NULL "
                "ORDER BY position, key", (visit_id,)).fetchall()
            answers = conn.execute(
                "SELECT area_key, item_id, value, note, note_confirmed, answered_by, answered_at "
                "FROM answers WHERE visit_id = ?", (visit_id,)).fetchall()
            # Free-text answers the user confirmed are not patient data: the flag lives on
            # the winning op (the answers table predates it).
            confirmed_values = {row[0] for row in conn.execute(
                "SELECT fc.entity_id FROM field_clock fc JOIN ops o ON o.op_id = fc.op_id "
                "WHERE fc.visit_id = ? AND fc.entity = 'answer' AND fc.field = 'value' "
                "AND o.confirmed = 1", (visit_id,))}
            findings = conn.execute(
                "SELECT id, kind, text, pathway, area_key, item_ids, horizon, owner, position, "
                "text_confirmed, created_by, created_at FROM findings "
                "WHERE visit_id = ? AND COALESCE(deleted, 0) = 0 AND text IS NOT NULL "
                "ORDER BY position, created_at, id", (visit_id,)).fetchall()
            attachments = conn.execute(
                "SELECT id, sha256, report_sha256, caption, area_key, item_id, content_type, "
                "width, height, caption_confirmed, created_by, created_at FROM attachments "
                "WHERE visit_id = ? AND COALESCE(deleted, 0) = 0 AND sha256 IS NOT NULL "
                "ORDER BY created_at, id", (visit_id,)).fetchall()
            item_ratings = winning_values(conn, visit_id, ITEM_RATING_ENTITY)
            area_ratings = winning_values(conn, visit_id, AREA_RATING_ENTITY)
            earlier = office_data.previous_actions(conn, row[6]) if row[6] else []
        state = VisitState(
            id=row[0], system=row[1], trust=row[2], site=row[3], date=row[4],
            visit_type=row[5], follows_visit_id=row[6], status=row[7],
            team=[TeamMember(**m) for m in json.loads(row[8] or "[]")],
            people_met=[PeopleMet(**p) for p in json.loads(row[9] or "[]")],
            data_reviewed=json.loads(row[10] or "[]"), created_at=row[11],
            previous_actions=earlier,
        )
        by_key: dict[str, AreaState] = {}
        for key, kind, label, form_hash, position, done in areas:
            area = AreaState(key=key, kind=kind, label=label,
                             form=self.catalogue.by_hash(form_hash), position=position or 0,
                             done=bool(done))
            area.team_rag = _known_rag(area_ratings.get(key, {}).get("rag"))
            by_key[key] = area
            state.areas.append(area)
        for a_key, item_id, value, note, confirmed, by, at in answers:
            area = by_key.get(a_key)
            if area is None or (value is None and note is None):
                continue
            area.answers[item_id] = AnswerState(
                value=None if value is None else json.loads(value), note=note,
                note_confirmed=bool(confirmed), answered_by=by, answered_at=at,
                value_confirmed=f"{a_key}/{item_id}" in confirmed_values)
        for entity_id, fields in item_ratings.items():
            a_key, _, item_id = entity_id.partition("/")
            rag = _known_rag(fields.get("rag"))
            area = by_key.get(a_key)
            if area is not None and rag is not None:
                area.answers.setdefault(item_id, AnswerState()).team_rag = rag
        for f in findings:
            if f[1] is None:
                continue
            state.findings.append(FindingState(
                id=f[0], kind=f[1], text=f[2], pathway=f[3], area_key=f[4],
                item_ids=json.loads(f[5] or "[]"), horizon=f[6], owner=f[7],
                position=f[8] or 0, text_confirmed=bool(f[9]), created_by=f[10],
                created_at=f[11]))
        for a in attachments:
            state.attachments.append(AttachmentState(
                id=a[0], sha256=a[1], report_sha256=a[2], caption=a[3], area_key=a[4],
                item_id=a[5], content_type=a[6], width=a[7], height=a[8],
                caption_confirmed=bool(a[9]), created_by=a[10], created_at=a[11]))
        return state

    def exemplars(self, area_kind: str | None = None) -> list[dict[str, Any]]:
        """The programme's exemplar library as the office sent it (one area kind's)."""
        with self.db.read() as conn:
            return office_data.exemplars(conn, area_kind)

    # --- checks --------------------------------------------------------------------

    def item_of(self, visit_id: str, key: str, item_id: str) -> Item:
        with self.db.read() as conn:
            return self._item_in(conn, visit_id, key, item_id)

    def _item_in(self, conn: sqlite3.Connection, visit_id: str, key: str, item_id: str) -> Item:
        form_hash = self.require_area(conn, visit_id, key)
        item = self.catalogue.by_hash(form_hash, conn).item(item_id)
        if item is None:
            raise NotFound(f"no item {item_id!r} in area {key}")
        return item

    def require_visit(self, conn: sqlite3.Connection, visit_id: str) -> None:
        if conn.execute("SELECT 1 FROM visits WHERE id = ? AND system IS NOT NULL",
                        (visit_id,)).fetchone() is None:
            raise NotFound(f"no visit {visit_id!r} on this tablet")

    def require_area(self, conn: sqlite3.Connection, visit_id: str, key: str) -> str:
        row = conn.execute(
            "SELECT form_hash FROM areas WHERE visit_id = ? AND key = ? "
            "AND COALESCE(deleted, 0) = 0 AND form_hash IS NOT NULL", (visit_id, key)).fetchone()
        if row is None:
            self.require_visit(conn, visit_id)
            raise NotFound(f"no area {key!r} in visit {visit_id}")
        return row[0]

    def require_finding(self, conn: sqlite3.Connection, visit_id: str,
                         finding_id: str) -> tuple[Any, ...]:
        row = conn.execute(
            "SELECT kind, text, pathway, horizon, owner FROM findings WHERE visit_id = ? "
            "AND id = ? AND COALESCE(deleted, 0) = 0", (visit_id, finding_id)).fetchone()
        if row is None:
            raise NotFound(f"no finding {finding_id!r} in visit {visit_id}")
        return row
