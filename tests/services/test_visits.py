"""Visit use cases: what a team member does on the tablet, checked through the services."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO, open_test_services
from visitapp.domain.visit import PeopleMet, TeamMember
from visitapp.errors import BadValue, NotFound, PatientDataWarning
from visitapp.services.visit_json import visit_to_json


def new_visit(services, areas=(("emergency_department", ""), ("inpatient_ward", "Ward 7 (medical)"),
                                ("inpatient_ward", "Ward 12 (surgical)"))):
    return services.visits.create_visit(
        system="Test system", trust="Test trust", site="Test site", date="2026-11-27",
        visit_type="diagnostic", team=[TeamMember("Alex", "Lead")],
        people_met=[PeopleMet("Ward managers", 3)], data_reviewed=["SitRep"], areas=areas,
        author="Alex")


def test_create_visit__records_fields_team_and_repeated_area_kinds(services):
    vid = new_visit(services)
    state = services.visits.load(vid)
    assert (state.system, state.date, state.visit_type, state.status) == (
        "Test system", "2026-11-27", "diagnostic", "in_progress")
    assert state.team == [TeamMember("Alex", "Lead")]
    assert state.people_met == [PeopleMet("Ward managers", 3)]
    assert [a.label for a in state.areas] == ["Emergency Department", "Ward 7 (medical)",
                                              "Ward 12 (surgical)"]
    keys = [a.key for a in state.areas]
    assert len(set(keys)) == 3
    assert keys[1].startswith("ward-7-medical-")


def test_area_keys__stay_unique_when_many_tablets_add_the_same_area():
    from visitapp.domain.ids import _ALPHABET, SUFFIX_LENGTH, area_key

    # 100 tablets adding "Ward 7" offline: a clash has a chance of about 1 in 5,800.
    assert len(_ALPHABET) ** SUFFIX_LENGTH > 25_000_000
    keys = {area_key("inpatient_ward", "Ward 7") for _ in range(100)}
    assert len(keys) == 100
    assert all(k.startswith("ward-7-") and len(k) == len("ward-7-") + SUFFIX_LENGTH for k in keys)


@pytest.mark.parametrize(("raw", "message"), [
    ("purple", "item ed.handover_within_15: expected yes, no or partial, got 'purple'"),
    ("", "item ed.handover_within_15: expected yes, no or partial, got ''"),
])
def test_answer__refuses_a_wrong_value_naming_item_and_form(services, raw, message):
    vid = new_visit(services)
    key = services.visits.load(vid).areas[0].key
    with pytest.raises(BadValue, match=message):
        services.visits.answer(vid, key, "ed.handover_within_15", raw)
    assert services.visits.load(vid).areas[0].answers == {}


def test_answer__unknown_visit_area_or_item_is_not_found(services):
    vid = new_visit(services)
    key = services.visits.load(vid).areas[0].key
    with pytest.raises(NotFound, match="no visit"):
        services.visits.answer("nope", key, "ed.handover_within_15", "yes")
    with pytest.raises(NotFound, match="no area 'nope'"):
        services.visits.answer(vid, "nope", "ed.handover_within_15", "yes")
    with pytest.raises(NotFound, match="no item 'ed.nope'"):
        services.visits.answer(vid, key, "ed.nope", "yes")


def test_progress__counts_visible_items_and_required_missing_apart(services):
    vid = new_visit(services, areas=(("emergency_department", ""),))
    area = services.visits.load(vid).areas[0]
    start = area.progress()
    assert start.answered == 0
    assert start.visible == len(area.visible_items())
    assert start.required_missing == sum(1 for i in area.visible_items() if i.required)
    required = next(i for i in area.visible_items() if i.required)
    sample = {"yes_no": "yes", "yes_no_partial": "yes", "rag": "green", "count": "1",
              "percent": "50", "duration": "10", "time_of_day": "09:00", "text": "ok"}
    services.visits.answer(vid, area.key, required.id,
                           sample.get(required.type.value) or required.option_ids[0])
    after = services.visits.load(vid).areas[0].progress()
    assert after.answered == 1
    assert after.required_missing == start.required_missing - 1


def test_show_if__shows_and_hides_items_and_progress_follows(services):
    vid = new_visit(services, areas=(("emergency_department", ""),))
    area = services.visits.load(vid).areas[0]
    form = area.form
    dependent = next(i for i in form.items if i.show_if and form.item(i.show_if.item).type.value == "yes_no")
    trigger = dependent.show_if
    other = "no" if trigger.matches("yes") else "yes"
    services.visits.answer(vid, area.key, trigger.item, other)
    assert dependent.id not in {i.id for i in services.visits.load(vid).areas[0].visible_items()}
    services.visits.answer(vid, area.key, trigger.item, trigger.expected_values()[0])
    visible = services.visits.load(vid).areas[0].visible_items()
    assert dependent.id in {i.id for i in visible}


def test_area_rating__follows_the_rule_with_counts(services):
    from visitapp.domain.forms import AREA_KINDS

    vid = new_visit(services, areas=[(kind, "") for kind in AREA_KINDS])

    def unconditional(area, test):
        return [i for i in area.form.items if test(i) and not i.show_if]

    area = next(a for a in services.visits.load(vid).areas
                if len(unconditional(a, lambda i: i.type.value == "rag")) >= 2
                and unconditional(a, lambda i: i.thresholds))
    rag_items = unconditional(area, lambda i: i.type.value == "rag")[:2]
    numeric = unconditional(area, lambda i: i.thresholds)[0]
    services.visits.answer(vid, area.key, rag_items[0].id, "green")
    services.visits.answer(vid, area.key, rag_items[1].id, "amber")
    rollup = services.visits.load(vid).area(area.key).rag()
    assert rollup.overall == "amber" and not rollup.set_by_team
    assert rollup.counts == {"green": 1, "amber": 1, "red": 0}
    th = numeric.thresholds
    bad = th.amber - 1 if th.better == "higher" else th.amber + 1
    if numeric.type.value == "percent":
        bad = min(100, max(0, bad))
    services.visits.answer(vid, area.key, numeric.id, str(int(bad)))
    assert services.visits.load(vid).area(area.key).rag().overall == "red"  # a third red


def test_note_that_looks_like_patient_data__is_refused_unless_confirmed(services):
    vid = new_visit(services, areas=(("emergency_department", ""),))
    key = services.visits.load(vid).areas[0].key
    with pytest.raises(PatientDataWarning, match="NHS number '943 476 5919'"):
        services.visits.set_note(vid, key, "ed.handover_within_15", "Patient 943 476 5919 waited")
    assert services.visits.load(vid).areas[0].answers == {}
    services.visits.set_note(vid, key, "ed.handover_within_15", "Ref 943 476 5919 is a phone extension",
                             confirmed=True)
    answer = services.visits.load(vid).areas[0].answers["ed.handover_within_15"]
    assert answer.note_confirmed is True


def test_findings__add_edit_delete_with_kind_pathway_horizon_owner(services):
    vid = new_visit(services)
    key = services.visits.load(vid).areas[0].key
    fid = services.visits.add_finding(vid, kind="recommendation", text="Cohort handovers",
                                      pathway="front_door", area_key=key,
                                      item_ids=["ed.handover_within_15"], horizon="quick_win",
                                      owner="ED lead")
    services.visits.edit_finding(vid, fid, text="Cohort ambulance handovers", horizon="longer_term")
    (finding,) = services.visits.load(vid).findings
    assert (finding.text, finding.horizon, finding.owner, finding.item_ids) == (
        "Cohort ambulance handovers", "longer_term", "ED lead", ["ed.handover_within_15"])
    with pytest.raises(BadValue, match="only a recommendation has a horizon"):
        services.visits.add_finding(vid, kind="strength", text="x", horizon="quick_win")
    with pytest.raises(BadValue, match="pathway 'nowhere' is not one of"):
        services.visits.add_finding(vid, kind="strength", text="x", pathway="nowhere")
    services.visits.delete_finding(vid, fid)
    assert services.visits.load(vid).findings == []


def test_editing_forms__never_changes_an_existing_visit(tmp_path):
    forms = tmp_path / "forms"
    shutil.copytree(REPO / "forms", forms)
    s = open_test_services(tmp_path / "t.db", forms_paths=[forms])
    vid = new_visit(s, areas=(("emergency_department", ""),))
    before = s.visits.load(vid).areas[0].form
    s.close()
    path = forms / "emergency_department.yaml"
    path.write_text(path.read_text().replace("version: 2", "version: 3", 1)
                    .replace("id: ed.handover_within_15", "id: ed.renamed_item", 1))
    s = open_test_services(tmp_path / "t.db", forms_paths=[forms])
    try:
        area = s.visits.load(vid).areas[0]
        assert area.form == before and area.form.version == 2
        assert area.form.item("ed.handover_within_15") is not None
        new_area = s.visits.add_area(vid, "emergency_department", "Second ED")
        assert s.visits.load(vid).area(new_area).form.version == 3
    finally:
        s.close()


def test_photo__is_stored_by_sha256_without_exif_and_with_a_report_copy(services):
    import hashlib
    import io

    from PIL import Image

    vid = new_visit(services)
    image = Image.new("RGB", (3200, 2000), (0, 94, 184))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)  # latitude
    raw = io.BytesIO()
    image.save(raw, "JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(raw.getvalue())) as check:
        assert check.getexif().get_ifd(0x8825)  # the input really carries a GPS position
    aid = services.attachments.attach_photo(vid, raw.getvalue(), caption="Signage")
    (photo,) = services.visits.load(vid).attachments
    assert photo.id == aid
    stored = services.blobs.read(photo.sha256)
    assert hashlib.sha256(stored).hexdigest() == photo.sha256
    with Image.open(io.BytesIO(stored)) as clean:
        assert not clean.getexif()
        assert clean.size == (3200, 2000)
    with Image.open(io.BytesIO(services.blobs.read(photo.report_sha256))) as copy:
        assert max(copy.size) == 1600
        assert not copy.getexif()


def test_photo__that_is_not_an_image_is_refused(services):
    vid = new_visit(services)
    with pytest.raises(BadValue, match="notes.txt is not an image"):
        services.attachments.attach_photo(vid, b"hello", name="notes.txt")
    assert services.visits.load(vid).attachments == []


def test_visit_json__has_the_documented_shape(services, demo_visit_id):
    data = visit_to_json(services.visits.load(demo_visit_id))
    for key in ("id", "system", "site", "date", "visit_type", "team", "areas", "answers", "findings"):
        assert key in data
    area = data["areas"][0]
    assert set(area) >= {"key", "kind", "label", "form_id", "form_version", "progress", "rag"}
    assert set(area["progress"]) == {"answered", "visible", "required_missing"}
    assert [a["key"] for a in data["areas"]] == sorted(a["key"] for a in data["areas"])
    pairs = [(a["area_key"], a["item_id"]) for a in data["answers"]]
    assert pairs == sorted(pairs)
    assert set(data["answers"][0]) >= {"area_key", "item_id", "value", "note"}


def test_demo_visit__is_realistic_and_free_of_patient_data(services, demo_visit_id):
    from visitapp.domain.privacy import find_patient_data

    state = services.visits.load(demo_visit_id)
    labels = [a.label for a in state.areas]
    assert sum(1 for a in state.areas if a.kind == "inpatient_ward") == 2
    progress = state.progress()
    assert progress.answered / progress.visible > 0.7
    assert {f.kind for f in state.findings} == {"strength", "concern", "recommendation",
                                                "support", "next_step"}
    assert len(state.attachments) >= 3
    texts = [f.text for f in state.findings] + labels + [
        a.note for area in state.areas for a in area.answers.values() if a.note] + [
        str(a.value) for area in state.areas for a in area.answers.values()]
    assert [t for t in texts if find_patient_data(t)] == []


def test_text_answer_that_looks_like_patient_data__is_refused_unless_confirmed(services):
    from visitapp.services.feedback import build_report

    vid = new_visit(services, areas=(("emergency_department", ""),))
    area = services.visits.load(vid).areas[0]
    text_item = next(i for i in area.form.items if i.type.value == "text" and not i.show_if)
    with pytest.raises(PatientDataWarning, match="the answer to item"):
        services.visits.answer(vid, area.key, text_item.id, "Seen: SW1A 1AA")
    assert services.visits.load(vid).areas[0].answers == {}
    services.visits.answer(vid, area.key, text_item.id, "Site office is at SW1A 1AA",
                           confirmed=True)
    assert services.visits.load(vid).areas[0].answers[text_item.id].value_confirmed
    build_report(services, vid)  # the confirmed answer passes the report's guard


def test_editing_a_confirmed_finding_without_its_text__needs_no_new_confirmation(services):
    vid = new_visit(services)
    fid = services.visits.add_finding(vid, kind="strength", text="Extension 943 476 5919 works",
                                      confirmed=True)
    services.visits.edit_finding(vid, fid, position=5, pathway="flow")
    (finding,) = services.visits.load(vid).findings
    assert (finding.position, finding.pathway, finding.text_confirmed) == (5, "flow", True)
    with pytest.raises(PatientDataWarning):
        services.visits.edit_finding(vid, fid, text="Now 943 476 5919 again")
