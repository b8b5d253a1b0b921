"""The unsynced counts come from totals the `ops` triggers keep (migration 0009), not a
scan: here they are checked against the scan after every kind of step that adds, settles,
renumbers, refuses or removes ops, through a real office (in process)."""

from __future__ import annotations

from tests.sync.conftest import small_visit
from visitapp.services.retention import release_visit
from visitapp.services.sync import SyncService
from visitapp.services.walkthrough import pending_by_visit
from visitapp.store import sync_state
from visitapp.store.outbox import TabletOutbox


def scanned(tablet) -> tuple[int, int, dict[str, int]]:
    """The counts the slow way: every pending op looked at."""
    with tablet.db.read() as conn:
        pending = conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0").fetchone()[0]
        unsent = dict(conn.execute(
            "SELECT visit_id, COUNT(*) FROM ops WHERE pushed = 0 "
            "AND op_id NOT IN (SELECT op_id FROM sync_rejections) GROUP BY visit_id"))
    return pending, sum(unsent.values()), unsent


def kept(tablet) -> tuple[int, int, dict[str, int]]:
    with tablet.db.read() as conn:
        pending = sync_state.pending_count(conn)
    status = SyncService(tablet.db, tablet.services.blobs).status()
    by_visit = pending_by_visit(tablet.services)
    # The visits screen reads its page's counts in its own statement: the same figures.
    page = tablet.services.visits.summaries_page(1000)
    assert page.unsent == {v.id: by_visit[v.id] for v in page.visits if v.id in by_visit}
    return pending, status.pending, by_visit


def check(tablet) -> tuple[int, int, dict[str, int]]:
    counts = scanned(tablet)
    assert kept(tablet) == counts
    return counts


def test_unsent_counts__stay_exact_through_write_push_pull_refusal_renewal_and_release(
        office, make_tablet):
    a, b = make_tablet(), make_tablet()
    vid, key, items = small_visit(a.services)
    for n, item in enumerate(items[:5]):
        a.services.visits.answer(vid, key, item, ("y", "n", "partial")[n % 3], author="A")
    assert check(a)[0] > 5  # written: the visit, its area, its form and the answers

    a.sync()  # push settled
    assert check(a) == (0, 0, {})
    b.sync()  # pulled: the office holds them all, nothing for b to send
    assert check(b) == (0, 0, {})

    b.services.visits.answer(vid, key, items[0], "n", author="B")
    other = b.services.visits.create_visit(system="Second visit (fictional)",
                                           date="2026-11-28", visit_type="exemplar")
    pending, _, by_visit = check(b)
    assert set(by_visit) == {vid, other} and pending == sum(by_visit.values())

    # Refused by the office (the tablet 26 h ahead): pending still, but not "waiting".
    office.clock.offset_ms = -26 * 3600 * 1000
    report = b.sync()
    assert report.rejected
    pending, unsent, _ = check(b)
    assert pending > 0 and unsent == 0
    office.clock.offset_ms = 0

    # Renewing the identity renumbers unsent ops and forgets their refusals.
    renewed = TabletOutbox(b.db).renew_identity("test: restored from a backup")[1]
    assert renewed == pending and check(b) == (pending, pending, by_visit)

    b.sync()
    assert check(b) == (0, 0, {})
    a.sync()  # pulls b's work and has nothing of its own left
    assert check(a) == (0, 0, {})

    a.services.visits.answer(vid, key, items[1], "y", author="A")
    assert check(a)[2] == {vid: 1}
    a.sync()
    release_visit(a.services, other)  # b's visit, wholly at the office
    assert check(a) == (0, 0, {})
