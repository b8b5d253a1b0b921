"""The demo tells one coherent story on any date: checked by rule, not by snapshot."""

from __future__ import annotations

import re
from datetime import date

import pytest

from visitapp.domain.forms import AnswerType
from visitapp.services.demo import create_demo_visit
from visitapp.services.feedback import build_report

DATES = [date(2026, 11, 27), date(2027, 3, 28), date(2028, 2, 29)]
STOP = {"about", "their", "there", "which", "what", "when", "where", "would", "should",
        "every", "today", "staff", "patients", "patient", "other", "these", "those"}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in STOP}


@pytest.mark.parametrize("on", DATES, ids=str)
def test_demo__is_coherent(services, on):
    visit_id = create_demo_visit(services, on)
    state = services.visits.load(visit_id)
    areas = {a.key: a for a in state.areas}
    # A strength never rests on a Red answer, a concern never on a Green one; every
    # finding about an area cites answers that exist.
    for f in state.findings:
        if f.area_key is None:
            continue
        area = areas[f.area_key]
        assert f.item_ids, f.text
        for item_id in f.item_ids:
            item = area.form.item(item_id)
            assert item is not None and item_id in area.values(), (f.text, item_id)
            rag = area.item_rag(item)
            if f.kind == "strength":
                assert rag != "red", (f.text, item_id)
            if f.kind == "concern":
                assert rag != "green", (f.text, item_id)
    texts: dict[str, str] = {}
    for area in state.areas:
        values = area.values()
        # Super-stranded patients are some of the stranded ones.
        if "ward.super_stranded" in values:
            assert values["ward.super_stranded"] <= values.get("ward.stranded", -1), area.label
        # Discharge-to-assess pathways 0 to 3 make a whole.
        shares = [values.get(f"dis.pathway_{n}") for n in range(4)]
        if any(s is not None for s in shares):
            assert sum(s or 0 for s in shares) == 100, (area.label, shares)
        for item in area.visible_items():
            if item.type is AnswerType.TEXT and item.id in values:
                text = values[item.id]
                # No free-text answer appears under two items ...
                assert text not in texts, (item.id, texts.get(text))
                texts[text] = item.id
                # ... and each is written for its question: it takes up the question's words.
                assert _words(text) & _words(item.prompt + " " + item.guidance), item.id
    for day in services.metrics.rows(visit_id):
        if "stranded_21d" in day.counts:
            assert day.counts["stranded_21d"] <= day.counts["stranded_7d"], day.day
    # The report that follows: the most serious thing first, and the demo's figures.
    m = build_report(services, visit_id)
    assert m.key_messages.messages[0].rag == "red"
    assert len(m.key_messages.headline) == 6
    ward7 = next(r for r in m.rag_grid if r.area == "Ward 7 (medical)")
    assert ward7.overall == "amber" and ward7.counts.red == 1
