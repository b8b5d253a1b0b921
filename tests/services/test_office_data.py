"""What the programme office sends, on one tablet, fed in as the office's signed ops:
an earlier visit's action status on its follow-up, the exemplar library, published
checklists; and the screens that show them build with them."""

from __future__ import annotations

import json

import pytest
import yaml

from sync.server.office_key import OfficeKey
from sync.server.office_ops import Change, seal_changes
from visitapp.domain import signing
from visitapp.domain.form_loading import default_forms_dir
from visitapp.domain.form_schema import validate_form
from visitapp.domain.forms import Form
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID
from visitapp.services.app import Services
from visitapp.services.visit_json import visit_to_json
from visitapp.store import oplog
from visitapp.store.oplog import OpRecord

ED = "emergency_department"
_seq = iter(range(1, 10_000))


@pytest.fixture
def office() -> OfficeKey:
    private = signing.new_private_key()
    return OfficeKey(private, signing.public_key_of(private))


def send(services: Services, key: OfficeKey, changes: list[Change]) -> None:
    n = next(_seq)  # each batch later than the one before, as the office stamps them
    ops = seal_changes(key, changes, first_seq=n * 100, first_hlc=(1 << 48) + n * 100)
    with services.db.write() as conn:
        oplog.apply_ops(services.db, conn, [OpRecord.from_dict(op) for op in ops])


def action(visit_id: str, finding_id: str, **fields: object) -> list[Change]:
    return [Change(visit_id, "action", finding_id, k, v) for k, v in fields.items()]


def earlier_visit(services: Services) -> tuple[str, list[str]]:
    v = services.visits
    vid = v.create_visit(system="Fictional North", date="2027-02-09", visit_type="diagnostic",
                         areas=[(ED, "ED")], author="Tester")
    ids = [v.add_finding(vid, kind="recommendation", text=text, pathway="discharge",
                         horizon="quick_win", owner=owner, author="Tester")
           for text, owner in (("Daily 11:00 discharge huddle.", "Director of operations"),
                               ("Open the discharge lounge at 08:00.", "Site director"),
                               ("Weekend therapy cover on the AMU.", None))]
    return vid, ids


def test_a_follow_up__carries_the_earlier_visits_actions_with_the_offices_status(
        services, office):
    earlier, (huddle, lounge, _therapy) = earlier_visit(services)
    send(services, office, action(earlier, huddle, status="done", updated="2027-03-01")
         + action(earlier, lounge, status="in_progress", updated="2027-03-20")
         + action(earlier, "rec-from-another-tablet", text="Publish the escalation plan.",
                  owner="Chief nurse", status="blocked", updated="2027-03-02"))
    later = services.visits.create_visit(
        system="Fictional North", date="2027-05-04", visit_type="follow_up",
        follows_visit_id=earlier, author="Tester")
    state = services.visits.load(later)
    assert visit_to_json(state)["previous_actions"] == [
        {"text": "Daily 11:00 discharge huddle.", "owner": "Director of operations",
         "status": "done", "updated": "2027-03-01"},
        {"text": "Open the discharge lounge at 08:00.", "owner": "Site director",
         "status": "in_progress", "updated": "2027-03-20"},
        {"text": "Weekend therapy cover on the AMU.", "owner": None,
         "status": "not_started", "updated": None},
        {"text": "Publish the escalation plan.", "owner": "Chief nurse",
         "status": "blocked", "updated": "2027-03-02"}]
    assert services.visits.load(earlier).previous_actions == []  # follows nothing
    # A later update wins; the state survives a rebuild from the op-log alone.
    send(services, office, action(earlier, lounge, status="done", updated="2027-04-01"))
    with services.db.write() as conn:
        oplog.rebuild(conn)
    done = [a.status for a in services.visits.load(later).previous_actions]
    assert done == ["done", "done", "not_started", "blocked"]


def test_exemplars__are_listed_by_area_kind_and_a_deleted_one_is_not(services, office):
    entry = {"title": "GP referrals straight to SDEC", "what_they_do": "Direct booking.",
             "system": "Fictional North", "area_kind": ED, "pathway": "front_door",
             "tags": ["flow", "front-door"], "contact_role": "SDEC lead nurse"}
    send(services, office, [Change(PROGRAMME_VISIT_ID, "exemplar", "e-1", k, v)
                            for k, v in entry.items()]
         + [Change(PROGRAMME_VISIT_ID, "exemplar", "e-2", k, v) for k, v in
            {"title": "Ward huddles", "area_kind": "inpatient_ward"}.items()])
    (found,) = services.visits.exemplars(ED)
    assert {k: found[k] for k in ("id", "title", "tags", "system")} == {
        "id": "e-1", "title": "GP referrals straight to SDEC",
        "tags": ["flow", "front-door"], "system": "Fictional North"}
    assert [e["id"] for e in services.visits.exemplars()] == ["e-1", "e-2"]
    send(services, office, [Change(PROGRAMME_VISIT_ID, "exemplar", "e-1", "deleted", True)])
    assert services.visits.exemplars(ED) == []


def _form(version: int) -> Form:
    data = yaml.safe_load((default_forms_dir() / f"{ED}.yaml").read_text())
    data["version"] = version
    return validate_form(data)


def publish(services: Services, key: OfficeKey, form: Form) -> None:
    send(services, key, [
        Change(PROGRAMME_VISIT_ID, "form", form.content_hash, "content",
               json.loads(form.canonical_json())),
        Change(PROGRAMME_VISIT_ID, "published_form", form.area_kind, "form_hash",
               form.content_hash),
        Change(PROGRAMME_VISIT_ID, "published_form", form.area_kind, "version",
               form.version)])


def test_a_published_form__is_used_for_new_areas_unless_the_app_ships_a_newer_one(
        services, office):
    shipped = services.catalogue.for_kind(ED)
    publish(services, office, _form(shipped.version + 1))
    assert services.catalogue.for_kind(ED).version == shipped.version + 1
    publish(services, office, _form(shipped.version - 1))  # older than the app's own
    assert services.catalogue.for_kind(ED).content_hash == shipped.content_hash


def test_office_entities_from_a_tablet_device__are_kept_in_the_log_but_not_shown(services):
    forged = OpRecord(op_id="forged-1", visit_id=PROGRAMME_VISIT_ID, device_id="k-" + "b" * 32,
                      seq=1, hlc=1 << 48, entity="published_form", entity_id=ED,
                      field="form_hash", value=json.dumps("0" * 64))
    with services.db.write() as conn:
        oplog.apply_ops(services.db, conn, [forged])
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE op_id = 'forged-1'").fetchone() \
            == (1,)
        assert conn.execute("SELECT COUNT(*) FROM published_forms").fetchone() == (0,)


def test_overview_and_checklist__show_the_offices_actions_and_ideas(services, office,
                                                                    db_path):
    from tests.ui.test_screens_build import FakePage
    from visitapp.services.walkthrough import TabletPrefs
    from visitapp.ui.main import App
    from visitapp.ui.routes import build_screen

    earlier, (huddle, *_rest) = earlier_visit(services)
    send(services, office, action(earlier, huddle, status="done", updated="2027-03-01")
         + [Change(PROGRAMME_VISIT_ID, "exemplar", "e-1", k, v) for k, v in
            {"title": "GP referrals straight to SDEC", "area_kind": ED,
             "system": "Fictional North"}.items()])
    later = services.visits.create_visit(
        system="Fictional North", date="2027-05-04", visit_type="follow_up",
        follows_visit_id=earlier, areas=[(ED, "ED")], author="Tester")
    app = App(FakePage(), services, TabletPrefs(db_path))  # type: ignore[arg-type]
    overview = build_screen(app, f"/visit/{later}")
    key = services.visits.load(later).areas[0].key
    checklist = build_screen(app, f"/visit/{later}/area/{key}")
    assert "Since the last visit: 1 of 3 actions done" in _texts(overview.view)
    assert "Ideas to look for" in _texts(checklist.view)
    assert "GP referrals straight to SDEC" in _texts(checklist.view)
    assert "Ideas to look for" not in _texts(build_screen(app, f"/visit/{earlier}").view)
    assert not any(t.startswith("Since the last visit") for t in _texts(
        build_screen(app, f"/visit/{earlier}").view))  # it follows no visit


def _texts(control: object) -> list[str]:
    found: list[str] = []
    stack = [control]
    while stack:
        c = stack.pop()
        value = getattr(c, "value", None)
        if isinstance(value, str):
            found.append(value)
        for name in ("controls", "content", "actions"):
            child = getattr(c, name, None)
            if isinstance(child, list):
                stack.extend(child)
            elif child is not None and not isinstance(child, str):
                stack.append(child)
    return found


def test_the_follow_up_report__shows_the_earlier_actions_status(services, office, tmp_path):
    from pypdf import PdfReader

    from visitapp.services.feedback import write_report_pdf

    earlier, (huddle, lounge, _therapy) = earlier_visit(services)
    send(services, office, action(earlier, huddle, status="done", updated="2027-03-01")
         + action(earlier, lounge, status="blocked", updated="2027-03-20"))
    later = services.visits.create_visit(
        system="Fictional North", date="2027-05-04", visit_type="follow_up",
        follows_visit_id=earlier, areas=[(ED, "ED")], author="Tester")
    out = tmp_path / "follow-up.pdf"
    write_report_pdf(services, later, out)
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(out).pages]
    (page,) = [p for p in pages if "Since the last visit" in p]
    assert "Since the last visit: 1 of 3 actions done" in page
    at = [page.index(t) for t in (
        "Daily 11:00 discharge huddle.", "Director of operations", "Done", "1 March 2027",
        "Open the discharge lounge at 08:00.", "Site director", "Blocked", "20 March 2027",
        "Weekend therapy cover on the AMU.", "Not started", "Not yet updated")]
    assert at == sorted(at)
    plain = tmp_path / "plain.pdf"
    write_report_pdf(services, earlier, plain)  # not a follow-up: no such section
    assert not any("Since the last visit" in (p.extract_text() or "")
                   for p in PdfReader(plain).pages)
