"""Publishing to tablets (issue 14): checklist versions for new areas, and visits
scheduled for a team. Both travel as ops signed by the office (`sync.server.office_ops`).

- A published checklist is a programme-wide `form` op (its content, addressed by its
  hash) and a `published_form` op per area kind (hash, id, version). Tablets use it for
  areas added after their next sync; an existing area stays bound to its own version.
  A form is checked exactly as `visitapp forms check` checks it: any problem refuses the
  whole publication, with each problem as a `FILE:LINE: ...` line, and nothing is sent.
- A scheduled visit is the visit's own ops (status `planned`) with its areas and their
  checklists (the published version of each kind, else the shipped one), for one team:
  the visit is claimed for that team, so only that team's tablets receive and edit it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from sync.server import office_ops
from sync.server import tables as t
from sync.server.db import read
from sync.server.office.read_models import form_from_content
from sync.server.office.users import utc_iso
from sync.server.store import OfficeError
from visitapp.domain.form_loading import check_forms, load_forms
from visitapp.domain.forms import AREA_KINDS, Form
from visitapp.domain.ids import area_key
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID
from visitapp.domain.visit import VisitStatus, VisitType

MAX_LABEL = 80  # as on the tablet (visitapp.services.visits.MAX_LABEL)
MAX_SYSTEM = 200


class FormsRefused(OfficeError):
    """A publication refused for its forms' problems, one `FILE:LINE: ...` line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def publish_forms(engine: Engine, paths: Sequence[Path], *, now_ms: int) -> list[Form]:
    """Check the forms and publish them all, or none; returns what was published."""
    if not paths:
        raise OfficeError("name the form files to publish (FILE.yaml ...)")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FormsRefused([f"{m}: no such file" for m in missing])
    forms, problems = check_forms(list(paths))
    if problems:
        raise FormsRefused([str(p) for p in problems])
    at = utc_iso(now_ms)
    changes: list[office_ops.Change] = []
    for form in forms:
        changes.append(office_ops.Change(PROGRAMME_VISIT_ID, "form", form.content_hash,
                                         "content", json.loads(form.canonical_json())))
        for name, value in (("form_hash", form.content_hash), ("form_id", form.id),
                            ("version", form.version), ("published_at", at)):
            changes.append(office_ops.Change(PROGRAMME_VISIT_ID, "published_form",
                                             form.area_kind, name, value))
    office_ops.send(engine, changes, team=None, now_ms=now_ms, now_iso=at)
    return forms


def published(engine: Engine) -> dict[str, Form]:
    """Area kind -> the checklist the office last published for it."""
    fs = t.field_state.c
    with read(engine) as conn:
        hashes = {r.entity_id: json.loads(r.value) for r in conn.execute(select(
            fs.entity_id, fs.value).where(fs.visit_id == PROGRAMME_VISIT_ID,
                                          fs.entity == "published_form",
                                          fs.field == "form_hash"))}
        out: dict[str, Form] = {}
        for kind, form_hash in hashes.items():
            content = conn.execute(select(fs.value).where(
                fs.visit_id == PROGRAMME_VISIT_ID, fs.entity == "form",
                fs.entity_id == form_hash, fs.field == "content")).scalar()
            form = form_from_content(content) if content else None
            if form is not None:
                out[kind] = form
    return out


def forms_for_new_areas(engine: Engine) -> dict[str, Form]:
    """What a tablet would use for a new area of each kind: the published version, or
    the shipped one when that is newer or nothing was published (as on the tablet)."""
    forms = {f.area_kind: f for f in load_forms()}
    for kind, form in published(engine).items():
        if kind not in forms or form.version >= forms[kind].version:
            forms[kind] = form
    return forms


@dataclass(frozen=True)
class AreaPlan:
    kind: str
    label: str | None = None


def parse_area(text: str) -> AreaPlan:
    """`KIND` or `KIND:LABEL` (as the CLI and the page take it)."""
    kind, _, label = text.strip().partition(":")
    return AreaPlan(kind.strip(), label.strip() or None)


def known_teams(engine: Engine) -> list[str]:
    with read(engine) as conn:
        return sorted({r[0] for r in conn.execute(select(t.devices.c.team))})


def schedule_visit(engine: Engine, *, team: str, system: str, day: str,
                   visit_type: str = VisitType.DIAGNOSTIC.value,
                   areas: Sequence[AreaPlan] = (), now_ms: int) -> str:
    """Schedule a visit for a team's tablets; returns the new visit's id."""
    team, system = (team or "").strip(), " ".join((system or "").split())
    teams = known_teams(engine)
    if team not in teams:
        raise OfficeError(f"team {team!r} has no tablets: teams are "
                          f"{', '.join(teams) or 'none yet (visitapp-office device add)'}")
    if not system:
        raise OfficeError("system: name the local health and care system to visit")
    if len(system) > MAX_SYSTEM:
        raise OfficeError(f"system: at most {MAX_SYSTEM} characters")
    try:
        date.fromisoformat((day or "").strip())
    except ValueError:
        raise OfficeError(f"date {day!r} is not a date like 2027-03-09") from None
    types = [v.value for v in VisitType]
    if visit_type not in types:
        raise OfficeError(f"visit type {visit_type!r} must be one of {', '.join(types)}")
    if visit_type == VisitType.FOLLOW_UP.value:
        raise OfficeError("a follow-up visit is started on a tablet, from the visit it "
                          "follows; schedule a diagnostic or exemplar visit")
    forms = forms_for_new_areas(engine)
    for area in areas:
        if area.kind not in AREA_KINDS or area.kind not in forms:
            raise OfficeError(f"area {area.kind!r} is not an area kind: kinds are "
                              f"{', '.join(sorted(forms))}")
        if area.label and len(area.label) > MAX_LABEL:
            raise OfficeError(f"area label {area.label[:20]!r}…: at most {MAX_LABEL} characters")
    visit_id = str(uuid.uuid4())
    at = utc_iso(now_ms)
    fields = {"system": system, "date": day.strip(), "visit_type": visit_type,
              "status": VisitStatus.PLANNED.value, "team": [], "people_met": [],
              "data_reviewed": [], "created_at": at}
    changes = [office_ops.Change(visit_id, "visit", visit_id, name, value)
               for name, value in fields.items()]
    sent_forms: set[str] = set()
    for position, area in enumerate(areas):
        form = forms[area.kind]
        if form.content_hash not in sent_forms:
            sent_forms.add(form.content_hash)
            changes.append(office_ops.Change(visit_id, "form", form.content_hash, "content",
                                             json.loads(form.canonical_json())))
        key = area_key(area.kind, area.label)
        for name, value in (("kind", area.kind), ("label", area.label or AREA_KINDS[area.kind]),
                            ("form_hash", form.content_hash), ("position", position)):
            changes.append(office_ops.Change(visit_id, "area", key, name, value))
    office_ops.send(engine, changes, team=team, now_ms=now_ms, now_iso=at,
                    claim_visit=visit_id)
    return visit_id
