"""A visit as JSON for `visits show --json`: the same on every tablet holding the visit.

Lists are sorted and nothing device-local (device id, sync state) is included, so two
tablets that hold the same ops print byte-identical JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from visitapp.domain.visit import VisitState


def visit_to_json(state: VisitState, conflicts: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    areas = sorted(state.areas, key=lambda a: a.key)
    answers = []
    for area in areas:
        for item_id in sorted(area.answers):
            a = area.answers[item_id]
            item = area.form.item(item_id)
            suggested = item.suggested_rag(a.value) if item is not None else None
            answers.append({
                "area_key": area.key, "item_id": item_id, "value": a.value, "note": a.note,
                "answered_by": a.answered_by if a.value is not None else None,
                "rag": a.team_rag or suggested, "suggested_rag": suggested,
            })
    return {
        "id": state.id,
        "system": state.system,
        "trust": state.trust,
        "site": state.site,
        "date": state.date,
        "visit_type": state.visit_type,
        "follows_visit_id": state.follows_visit_id,
        "status": state.status,
        "team": [{"name": m.name, "role": m.role} for m in state.team],
        "people_met": [{"role": p.role, "count": p.count} for p in state.people_met],
        "data_reviewed": list(state.data_reviewed),
        "areas": [
            {
                "key": a.key, "kind": a.kind, "label": a.label, "form_id": a.form.id,
                "form_version": a.form.version, "form_hash": a.form.content_hash,
                "position": a.position, "done": a.done,
                "progress": _progress(a.progress()),
                "rag": {"overall": (r := a.rag()).overall, "counts": r.counts,
                        "set_by_team": r.set_by_team},
            }
            for a in areas
        ],
        "answers": answers,
        "findings": sorted(
            ({
                "id": f.id, "kind": f.kind, "text": f.text, "pathway": f.pathway,
                "area_key": f.area_key, "item_ids": f.item_ids, "horizon": f.horizon,
                "owner": f.owner, "position": f.position,
            } for f in state.findings),
            key=lambda f: f["id"],
        ),
        "attachments": sorted(
            ({
                "id": p.id, "sha256": p.sha256, "report_sha256": p.report_sha256,
                "caption": p.caption, "area_key": p.area_key, "item_id": p.item_id,
            } for p in state.attachments),
            key=lambda p: p["id"],
        ),
        "conflicts": list(conflicts),
        # A follow-up's earlier actions with the office's status (read-only), in the
        # earlier visit's order.
        "previous_actions": [
            {"text": a.text, "owner": a.owner, "status": a.status, "updated": a.updated}
            for a in state.previous_actions],
    }


def _progress(p: Any) -> dict[str, int]:
    return {"answered": p.answered, "visible": p.visible, "required_missing": p.required_missing}
