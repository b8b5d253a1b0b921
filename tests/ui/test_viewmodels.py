"""The screens' plain-Python helpers and the app's own service (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from visitapp.domain.forms import AnswerType
from visitapp.services.app import Services
from visitapp.services.demo import EXAMPLE_DATE
from visitapp.services.walkthrough import TabletPrefs, ensure_demo_visit
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm


def test_every_answer_type__has_a_control(services: Services) -> None:
    forms = services.catalogue.current().values()
    for t in AnswerType:
        item = next(i for f in forms for i in f.items if i.type is t)
        assert vm.choices_for(item) or t in vm.ENTRY_TYPES, t
        assert t in vm.ANSWER_TYPE_WORDS


def test_rag_choices__say_the_word_and_carry_nhs_colours() -> None:
    assert [(c.value, c.label, c.colour) for c in vm.RAG_CHOICES] == [
        ("red", "Red", "#D5281B"), ("amber", "Amber", "#FFB81C"), ("green", "Green", "#007F3B")]
    assert vm.RAG_BY_VALUE["amber"].on_colour == theme.NHS_TEXT  # dark text on amber


def test_toggle_multi__adds_and_removes() -> None:
    assert vm.toggle_multi(None, "a") == ["a"]
    assert vm.toggle_multi(["a", "b"], "a") == ["b"]
    assert vm.toggle_multi(["b"], "a") == ["b", "a"]


def test_area_cards__progress_required_rag_and_findings(services: Services,
                                                          demo_visit_id: str) -> None:
    state = services.visits.load(demo_visit_id)
    cards = vm.area_cards(state)
    assert [c.key for c in cards] == [a.key for a in state.areas]
    ed = cards[0]
    assert ed.findings == len(state.findings_for_area(ed.key))
    assert ed.progress_text.endswith("answered")
    assert ed.rag_word in ("Red", "Amber", "Green", "Not rated yet")
    assert ed.label in ed.summary and ed.rag_word in ed.summary


def test_checklist_entries__follow_show_if(services: Services) -> None:
    vid = services.visits.create_visit(system="S", date="2026-11-27", visit_type="diagnostic",
                                       areas=[("emergency_department", "")])
    area = services.visits.load(vid).areas[0]
    ids = [e[1].id for e in vm.checklist_entries(area) if e[0] == "item"]
    assert "ed.gp_stream_hours" not in ids
    services.visits.answer(vid, area.key, "ed.gp_stream", "yes")
    area = services.visits.load(vid).areas[0]
    ids = [e[1].id for e in vm.checklist_entries(area) if e[0] == "item"]
    assert ids.index("ed.gp_stream_hours") == ids.index("ed.gp_stream") + 1
    assert vm.checklist_entries(area)[0] == ("section", area.form.sections[0].title)


def test_neighbours__in_walk_order(services: Services, demo_visit_id: str) -> None:
    state = services.visits.load(demo_visit_id)
    first, second, last = state.areas[0], state.areas[1], state.areas[-1]
    assert vm.neighbours(state, first.key) == (None, second)
    assert vm.neighbours(state, last.key)[1] is None
    assert vm.neighbours(state, "nope") == (None, None)


def test_flag_text_and_pathway__start_from_the_item(services: Services) -> None:
    form = services.catalogue.for_kind("emergency_department")
    item = form.item("ed.longest_handover_today")
    assert vm.flag_text(item, 90) == ("How long was the longest ambulance handover so far "
                                      "today: 1 h 30 min")
    assert vm.default_pathway(item) == "front_door"
    assert vm.default_pathway(form.item("ed.resus_bays_open")) is None


def test_findings_by_kind__every_kind_in_feedback_order(services: Services,
                                                         demo_visit_id: str) -> None:
    state = services.visits.load(demo_visit_id)
    groups = vm.findings_by_kind(state.findings)
    assert [g[0] for g in groups] == ["strength", "concern", "recommendation", "support",
                                      "next_step"]
    assert sum(len(g[2]) for g in groups) == len(state.findings)
    linked = next(f for f in state.findings if f.item_ids)
    assert vm.finding_links(state, linked).startswith(state.area(linked.area_key).label)


@pytest.mark.parametrize(("kinds", "online"), [
    (["wifi"], True), (["none"], False), ([], False), (["ethernet", "vpn"], True),
    (["bluetooth"], False)])
def test_is_online(kinds: list[str], online: bool) -> None:
    assert vm.is_online(kinds) is online


def test_privacy_warning_text__says_what_and_what_next() -> None:
    text = vm.privacy_warning_text(["postcode 'AB9 9ZZ'"])
    assert "postcode" in text and "not patient data" in text and "not been saved" in text


def test_count_words() -> None:
    assert vm.count_words(1, "concern") == "1 concern"
    assert vm.count_words(2, "concern") == "2 concerns"


def test_tablet_prefs__remember_who_i_am_per_visit(tmp_path: Path) -> None:
    prefs = TabletPrefs(tmp_path / "tablet.db")
    assert prefs.i_am("v1") is None
    prefs.set_i_am("v1", "Test Lead")
    assert TabletPrefs(tmp_path / "tablet.db").i_am("v1") == "Test Lead"
    prefs.set_i_am("v1", None)
    assert TabletPrefs(tmp_path / "tablet.db").i_am("v1") is None
    (tmp_path / "tablet-ui.json").write_text("not json")
    assert TabletPrefs(tmp_path / "tablet.db").i_am("v1") is None


def test_ensure_demo_visit__only_on_first_run(services: Services) -> None:
    first = ensure_demo_visit(services, EXAMPLE_DATE)
    assert first is not None
    assert ensure_demo_visit(services, EXAMPLE_DATE) is None
    assert len(services.visits.list_visits()) == 1


def test_answer_controls__every_answer_type_has_exactly_one_control() -> None:
    from visitapp.domain.forms import AnswerType
    from visitapp.ui.answer_controls import ANSWER_CONTROLS

    assert set(ANSWER_CONTROLS) == set(AnswerType)
    for kind, control in ANSWER_CONTROLS.items():
        # a choice type has choices to offer; an entry type has words for its field
        assert control.choices == (kind not in vm.ENTRY_TYPES), kind
        if not control.choices:
            assert kind in vm.ENTRY_HINTS and kind in vm.ANSWER_TYPE_WORDS


def test_rating_words__say_the_suggestion_and_its_standard_or_the_teams_rating():
    from visitapp.domain.form_loading import load_forms

    item = next(i for f in load_forms() for i in f.items if i.id == "ed.handovers_over_30")
    assert vm.rating_words(item, "red", None) == (
        "Suggested: Red. Standard: No handover over 30 minutes.")
    assert vm.rating_words(item, "red", "amber") == (
        "Team's rating: Amber (suggested: Red). Standard: No handover over 30 minutes.")
