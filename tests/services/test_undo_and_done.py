"""Undo and "area done" are ops like any other: a new write that every tablet applies."""

from __future__ import annotations

import pytest

from tests.services.test_visits import new_visit
from visitapp.errors import NotFound
from visitapp.services.visit_json import visit_to_json


def pending_ops(services, visit_id):
    with services.db.read() as conn:
        return conn.execute("SELECT entity, field, value FROM ops WHERE visit_id = ? "
                            "ORDER BY seq", (visit_id,)).fetchall()


def test_restore_finding__brings_a_deleted_finding_back_as_a_new_op(services):
    vid = new_visit(services)
    fid = services.visits.add_finding(vid, kind="concern", text="Corridor care at 09:00")
    services.visits.delete_finding(vid, fid)
    assert services.visits.load(vid).findings == []
    services.visits.restore_finding(vid, fid)
    [back] = services.visits.load(vid).findings
    assert (back.id, back.text) == (fid, "Corridor care at 09:00")
    assert pending_ops(services, vid)[-1] == ("finding", "deleted", "false")
    with pytest.raises(NotFound):  # only a deleted finding can be restored
        services.visits.restore_finding(vid, fid)


def test_restore_photo__brings_a_removed_photo_back(services):
    import io

    from PIL import Image

    vid = new_visit(services)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 94, 184)).save(buf, "JPEG")
    pid = services.attachments.attach_photo(vid, buf.getvalue(), caption="Empty bay")
    services.attachments.delete(vid, pid)
    assert services.visits.load(vid).attachments == []
    services.attachments.restore(vid, pid)
    assert [a.id for a in services.visits.load(vid).attachments] == [pid]


def test_area_done__is_an_op_and_shows_in_the_json(services):
    vid = new_visit(services)
    key = services.visits.load(vid).areas[0].key
    services.visits.set_area_done(vid, key, author="Alex")
    state = services.visits.load(vid)
    assert [a.done for a in state.areas] == [True, False, False]
    assert [a["done"] for a in visit_to_json(state)["areas"] if a["key"] == key] == [True]
    assert pending_ops(services, vid)[-1] == ("area", "done", "true")
    services.visits.set_area_done(vid, key, done=False)
    assert not services.visits.load(vid).areas[0].done
    with pytest.raises(NotFound):
        services.visits.set_area_done(vid, "no-such-area")
