"""Retention set at the office reaches tablets by sync: `visitapp-office settings set
retention-days N` is a programme-wide op signed with the office's key; after each sync a
tablet removes the finished, presented, synced visits older than that (they stay at the
office); a tablet cannot pass off a setting of its own."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import time_machine

from sync.server.office import settings
from tests.conftest import REPO
from tests.sync.conftest import BASE_URL, NO_WAIT, SharedTransport
from tests.sync.test_retention import presented_visit
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID
from visitapp.services.retention import DEFAULT_RETENTION_DAYS
from visitapp.services.sync import SyncService


def sync_service(office, tablet, today: date) -> SyncService:
    def factory(url: str, token: str) -> httpx.Client:
        return httpx.Client(transport=SharedTransport(office.transport), base_url=url,
                            headers={"Authorization": f"Bearer {token}"})

    service = SyncService(tablet.db, tablet.services.blobs, http_factory=factory,
                          client_options={"retry": NO_WAIT}, today=lambda: today)
    service.enrol(BASE_URL, tablet.token)
    return service


def test_the_offices_retention_period__reaches_tablets_and_is_applied_after_sync(
        office, make_tablet, tmp_path):
    tablet = make_tablet()
    s = tablet.services
    today = datetime.now(UTC).date()
    # Presented 40 days ago (the clock moved back while it was made), and presented now.
    with time_machine.travel(datetime.now(UTC) - timedelta(days=40), tick=True):
        old = presented_visit(s, tmp_path, (today - timedelta(days=41)).isoformat(), 1)
    recent = presented_visit(s, tmp_path, (today - timedelta(days=41)).isoformat(), 2)
    service = sync_service(office, tablet, today)

    first = service.sync_now()  # the office's default: 90 days; nothing is old enough
    assert (first.retention_days, first.released) == (DEFAULT_RETENTION_DAYS, [])
    assert settings.retention_days(office.engine) == DEFAULT_RETENTION_DAYS

    assert settings.set_retention_days(office.engine, " 30 ", now_ms=office.clock()) == 30
    assert settings.retention_days(office.engine) == 30
    second = service.sync_now()
    assert (second.retention_days, second.released) == (30, [old])
    assert {v["id"] for v in s.visits.list_visits()} == {recent}  # presented too lately
    with s.db.read() as conn:  # the setting came as the office's signed op
        (device_id, sig) = conn.execute(
            "SELECT device_id, sig FROM ops WHERE visit_id = ? AND entity = 'setting'",
            (PROGRAMME_VISIT_ID,)).fetchone()
    assert device_id.startswith("office-") and sig
    # It stays at the office: the team can fetch it back.
    assert old in {v["id"] for v in tablet.client().available()}


@pytest.mark.parametrize("typed, words", [("x", "is not a whole number"),
                                          ("0", "is not between 1 and 3650"),
                                          ("9999", "is not between 1 and 3650")])
def test_a_bad_period__is_refused_and_nothing_is_sent(office, typed, words):
    with pytest.raises(settings.BadSetting, match=words):
        settings.set_retention_days(office.engine, typed, now_ms=office.clock())
    assert office.count("SELECT COUNT(*) FROM ops") == 0
    assert settings.retention_days(office.engine) == DEFAULT_RETENTION_DAYS


def test_a_tablet_cannot_push_a_setting_of_its_own(office, make_tablet):
    tablet = make_tablet()
    s = tablet.services
    from visitapp.store import oplog

    with s.db.write() as conn:  # as a tampered app would
        oplog.record(s.db, conn, visit_id=PROGRAMME_VISIT_ID, entity="setting",
                     entity_id="retention", field="days", value=1, author="Someone")
    report = tablet.sync()
    assert [reason for _, reason in report.rejected] and office.count(
        "SELECT COUNT(*) FROM ops WHERE entity = 'setting'") == 0
    assert settings.retention_days(office.engine) == DEFAULT_RETENTION_DAYS


def test_settings_cli__set_and_show_and_a_bad_value_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'office.db'}"

    def office_cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sync.cli", *args, "--database-url", url],
                              capture_output=True, text=True, cwd=REPO, timeout=120)

    assert office_cli("settings", "show").stdout == "retention-days\t90\n"
    done = office_cli("settings", "set", "retention-days", "45")
    assert done.returncode == 0 and "retention-days set to 45" in done.stderr
    assert office_cli("settings", "show").stdout == "retention-days\t45\n"
    bad = office_cli("settings", "set", "retention-days", "soon")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "not a whole number" in bad.stderr
    other = office_cli("settings", "set", "idle-lock", "5")
    assert other.returncode == 1 and "no setting 'idle-lock'" in other.stderr
