"""Retention: a visit that is synced, presented and finished long enough ago leaves the
tablet (it stays at the office); nothing unsent is ever removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from visitapp.errors import UserError
from visitapp.services.demo import generated_photo
from visitapp.services.feedback import mark_presented, write_report_pdf
from visitapp.services.retention import apply_retention, release_visit, unsent


def days_ago(n: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


def presented_days_ago(services, tmp_path, n: int, photo_seed: int) -> str:
    """A visit dated n days ago and presented then (the clock moved back while made)."""
    with time_machine.travel(datetime.now(UTC) - timedelta(days=n), tick=True):
        return presented_visit(services, tmp_path, days_ago(n), photo_seed)


def presented_visit(services, tmp_path, on: str, photo_seed: int) -> str:
    vid = services.visits.create_visit(system=f"Retention {on} (fictional)", date=on,
                                       visit_type="diagnostic",
                                       areas=[("emergency_department", "ED")])
    services.attachments.attach_photo(vid, generated_photo(photo_seed, (640, 480)),
                                      caption="Corridor")
    services.attachments.attach_photo(vid, generated_photo(99, (640, 480)), caption="Shared")
    pdf = tmp_path / f"{vid}.pdf"
    write_report_pdf(services, vid, pdf)
    mark_presented(services, vid, pdf, by="Lead")
    return vid


def test_retention__removes_only_what_is_synced_presented_and_old(make_tablet, tmp_path):
    tablet = make_tablet()
    s = tablet.services
    today = datetime.now(UTC).date()
    old = presented_days_ago(s, tmp_path, 120, 1)
    recent = presented_days_ago(s, tmp_path, 11, 2)
    old_unsent = presented_days_ago(s, tmp_path, 150, 3)
    late = presented_visit(s, tmp_path, days_ago(200), 4)  # old, but presented only now
    old_unpresented = s.visits.create_visit(system="Old, not presented (fictional)",
                                            date=days_ago(180), visit_type="diagnostic")
    # Before any sync everything is unsent: neither retention nor release removes anything.
    assert apply_retention(s, 90, today) == []
    with pytest.raises(UserError, match="not at the programme office: sync first"):
        release_visit(s, old)
    assert tablet.sync().complete
    area = s.visits.load(old_unsent).areas[0]
    s.visits.answer(old_unsent, area.key, "ed.handovers_over_30", "3")  # made after sync
    assert unsent(s, old_unsent).changes == 1 and not unsent(s, old)

    old_files = {a.sha256 for a in s.visits.load(old).attachments}
    shared = {a.sha256 for a in s.visits.load(recent).attachments} & old_files
    assert apply_retention(s, 90, today) == [old]
    assert {v["id"] for v in s.visits.list_visits()} == {recent, old_unsent, old_unpresented,
                                                          late}
    with s.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?", (old,)).fetchone()[0] == 0
    assert shared and all(s.blobs.has(sha) for sha in shared)  # still needed by `recent`
    assert not any(s.blobs.has(sha) for sha in old_files - shared)
    assert s.visits.load(recent).attachments  # untouched

    # It stays at the office: a fresh tablet of the team (which holds only the visits in
    # progress) lists it as available and gets it back on demand.
    other = make_tablet()
    assert other.sync().complete
    assert old not in {v["id"] for v in other.services.visits.list_visits()}
    assert old in {v["id"] for v in other.client().available()}
    assert other.client().fetch(old).complete
    assert old in {v["id"] for v in other.services.visits.list_visits()}


def test_release__by_hand_refuses_while_a_change_is_unsent_then_removes(make_tablet, tmp_path):
    tablet = make_tablet()
    s = tablet.services
    vid = presented_visit(s, tmp_path, "2026-11-27", 5)
    assert tablet.sync().complete
    s.visits.set_note(vid, s.visits.load(vid).areas[0].key, "ed.handovers_over_30", "Later")
    with pytest.raises(UserError, match="1 change\\(s\\) and 0 file\\(s\\) not at the"):
        release_visit(s, vid)
    assert s.visits.load(vid)  # nothing removed
    assert tablet.sync().complete
    assert release_visit(s, vid).startswith(f"visit {vid[:8]} removed from this tablet")
    assert s.visits.list_visits() == []
