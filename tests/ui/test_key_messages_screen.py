"""The key messages on the feedback screen without a browser: the editor's commands over
real services (each stored as one op and read back), and the panel's controls tapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_feedback_data_sync import find, small_visit, tap, words
from tests.ui.test_screens_build import FakePage
from visitapp.errors import PatientDataWarning
from visitapp.services.app import Services
from visitapp.services.feedback import build_report
from visitapp.services.key_messages import set_key_messages, team_key_messages
from visitapp.services.walkthrough import TabletPrefs
from visitapp.ui.main import App
from visitapp.ui.routes import build_screen
from visitapp.ui.viewmodels.key_messages import KeyMessagesEditor, short_text


@pytest.fixture
def app(services: Services, db_path: Path) -> App:
    return App(FakePage(), services, TabletPrefs(db_path))  # type: ignore[arg-type]


def stored(services: Services, vid: str) -> list[tuple[str, str | None]] | None:
    team = team_key_messages(services.visits, vid)
    return None if team is None else [(m.text, m.rag) for m, _ in team]


def ops_on_key_messages(services: Services, vid: str) -> int:
    with services.db.read() as conn:
        return conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ? AND entity = ?",
                            (vid, "key_messages")).fetchone()[0]


def test_editor__starts_from_the_draft_and_the_first_edit_stores_it_as_the_team_s(
        services: Services, demo_visit_id: str) -> None:
    ed = KeyMessagesEditor(services, demo_visit_id)
    draft = [(m.text, m.rag) for m in ed.messages]
    assert not ed.set_by_team and len(draft) >= 3 and stored(services, demo_visit_id) is None
    assert draft == [(m.text, m.rag) for m in
                     build_report(services, demo_visit_id).key_messages.messages]
    ed.save(1, "Discharge before noon is rare on every ward we visited.", "amber")
    expected = [draft[0], ("Discharge before noon is rare on every ward we visited.", "amber"),
                *draft[2:]]
    assert stored(services, demo_visit_id) == expected
    assert ed.set_by_team and [(m.text, m.rag) for m in ed.messages] == expected
    report = build_report(services, demo_visit_id).key_messages
    assert report.set_by_team and [(m.text, m.rag) for m in report.messages] == expected


def test_editor__moves_removes_restores_adds_and_goes_back_to_the_draft(
        services: Services) -> None:
    vid = small_visit(services)
    set_key_messages(services.visits, vid, [("First.", "red"), ("Second.", None),
                                             ("Third.", "green")])
    ed = KeyMessagesEditor(services, vid)
    ed.move(2, -1)
    assert stored(services, vid) == [("First.", "red"), ("Third.", "green"), ("Second.", None)]
    ed.move(0, -1)  # already first: nothing stored
    assert ops_on_key_messages(services, vid) == 2
    gone = ed.remove(0)
    assert stored(services, vid) == [("Third.", "green"), ("Second.", None)]
    ed.restore(0, gone)
    assert stored(services, vid) == [("First.", "red"), ("Third.", "green"), ("Second.", None)]
    ed.save(None, "  Fourth,   added  at the end. ", None)
    ed.save(None, "Fifth.", "amber")
    assert [t for t, _ in stored(services, vid) or []] == [
        "First.", "Third.", "Second.", "Fourth, added at the end.", "Fifth."]
    assert not ed.can_add and ed.heading() == "Key messages (5 of 5)"
    ed.use_draft()
    assert stored(services, vid) is None and not ed.set_by_team


def test_editor__patient_data_is_refused_until_confirmed_and_confirming_one_covers_only_it(
        services: Services) -> None:
    vid = small_visit(services)
    ed = KeyMessagesEditor(services, vid)
    with pytest.raises(PatientDataWarning):
        ed.save(None, "Seen by the team at AB9 9ZZ.", "red")  # a made-up postcode
    assert stored(services, vid) is None  # nothing half-saved
    ed.save(None, "Seen by the team at AB9 9ZZ.", "red", confirmed=True)
    ed.save(None, "Corridor care every morning.", "amber")
    ed.move(1, -1)  # the confirmed message keeps its confirmation when moved
    assert stored(services, vid) == [("Corridor care every morning.", "amber"),
                                     ("Seen by the team at AB9 9ZZ.", "red")]
    with pytest.raises(PatientDataWarning):
        ed.save(0, "Also seen near AB9 9ZZ.", "amber")  # another one is still checked
    assert stored(services, vid)[0] == ("Corridor care every morning.", "amber")  # type: ignore[index]


def test_control_names__carry_the_message_s_words() -> None:
    long = "Ambulance handovers took over an hour on most afternoons and the corridor was full"
    assert short_text(long) == "Ambulance handovers took over an hour on most afternoons and…"
    assert short_text("Short.") == "Short."


def test_panel__arrows_edit_and_remove_on_the_feedback_screen_store_what_shows(
        app: App, services: Services, demo_visit_id: str) -> None:
    screen = build_screen(app, f"/visit/{demo_visit_id}/feedback")
    panel = screen.key_messages
    before = [m.text for m in panel.editor.messages]
    assert find(screen.view, "km-up-0").content.disabled
    up = find(screen.view, "km-up-1")
    assert up.label == f"Move up: {short_text(before[1])}"
    assert find(screen.view, "km-edit-0").label == f"Edit: {short_text(before[0])}"
    up.content.on_click(None)
    assert [t for t, _ in stored(services, demo_visit_id) or []] == [
        before[1], before[0], *before[2:]]
    assert words(find(screen.view, "km-text-0")) == f"1. {before[1]}"
    tap(find(screen.view, "km-edit-0"))
    dialog = app.page.dialogs[-1]  # type: ignore[attr-defined]
    find(dialog, "km-text").content.value = "Handovers over an hour most afternoons."
    find(dialog, "km-colour-red").content.on_click(None)  # the tile's box takes the tap
    tap(find(dialog, "km-save"))
    assert stored(services, demo_visit_id)[0] == (  # type: ignore[index]
        "Handovers over an hour most afternoons.", "red")
    assert words(find(screen.view, "km-text-0")) == "1. Handovers over an hour most afternoons."
    assert not app.page.dialogs  # type: ignore[attr-defined]
    count = len(before)
    tap(find(screen.view, f"km-remove-{count - 1}"))
    assert len(stored(services, demo_visit_id) or []) == count - 1
    assert find(screen.view, "km-draft").visible
