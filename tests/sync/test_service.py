"""The sync service the UI calls: enrol, sync now, status in words, background sync."""

from __future__ import annotations

import threading

import httpx
import pytest

from sync.client import NotEnrolled, Unreachable
from tests.sync.conftest import BASE_URL, NO_WAIT, SharedTransport, small_visit
from visitapp.errors import BadValue
from visitapp.services.sync import BackgroundSync, SyncService, token_path


class Switch(httpx.BaseTransport):
    """A network that can be cut and restored."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.online = inner, True

    def handle_request(self, request):
        if not self.online:
            raise httpx.ConnectError("no signal (injected)", request=request)
        return self.inner.handle_request(request)


@pytest.fixture
def wired(office, services):
    switch = Switch(SharedTransport(office.transport))

    def factory(url: str, token: str) -> httpx.Client:
        assert url == BASE_URL
        return httpx.Client(transport=switch, base_url=url,
                            headers={"Authorization": f"Bearer {token}"})

    service = SyncService(services.db, services.blobs, http_factory=factory,
                          client_options={"retry": NO_WAIT})
    return service, switch


def test_not_enrolled__sync_says_so_in_words(wired):
    service, _ = wired
    assert not service.status().enrolled
    assert "not enrolled" in service.status().lines()[0]
    with pytest.raises(NotEnrolled, match="visitapp enrol"):
        service.sync_now()


def test_enrol__keeps_the_token_inside_the_encrypted_database(wired, office, services,
                                                             db_path):
    service, _ = wired
    _, token = office.device()
    with pytest.raises(BadValue):
        service.enrol("office.example", token)
    with pytest.raises(BadValue):
        service.enrol(BASE_URL, "two words")
    service.enrol(BASE_URL + "/", token)
    assert sorted(p.name for p in db_path.parent.iterdir() if "token" in p.name) == []
    assert service.status().enrolled and service.status().server_url == BASE_URL
    services.db.close()
    on_disk = b"".join(p.read_bytes() for p in db_path.parent.rglob("*") if p.is_file())
    assert token.encode() not in on_disk  # encrypted with everything else


def test_a_token_file_left_by_an_older_version__moves_into_the_database(wired, office,
                                                                        services, db_path):
    service, _ = wired
    _, token = office.device()
    service.enrol(BASE_URL, token)
    with services.db.write() as conn:  # as an older version left it: a file, none inside
        conn.execute("UPDATE sync_state SET token = NULL")
    old = token_path(db_path)
    old.write_text(token + "\n")
    assert service.status().enrolled
    assert not old.exists()
    service.sync_now()  # the moved token is the one the office knows
    services.db.close()
    on_disk = b"".join(p.read_bytes() for p in db_path.parent.rglob("*") if p.is_file())
    assert token.encode() not in on_disk


def test_status__pending_count_last_sync_and_errors_in_words(wired, office, services):
    service, switch = wired
    service.enrol(BASE_URL, office.device()[1])
    small_visit(services)
    pending = service.status().pending
    assert pending > 0 and service.status().last_sync_at is None
    switch.online = False
    with pytest.raises(Unreachable, match="cannot reach the programme office"):
        service.sync_now()
    status = service.status()
    assert status.pending == pending and "cannot reach" in status.last_error
    switch.online = True
    report = service.sync_now()
    assert report.complete
    status = service.status()
    assert status.pending == 0 and status.last_sync_at and status.last_error is None
    assert any(line.startswith("last sync:") for line in status.lines())


def test_a_clock_more_than_five_minutes_off__is_warned_about(wired, office, services):
    service, _ = wired
    service.enrol(BASE_URL, office.device()[1])
    office.clock.offset_ms = 7 * 60 * 1000  # the office is 7 minutes ahead of the tablet
    report = service.sync_now()
    assert report.clock_warning and "7 minutes behind" in report.clock_warning
    assert "warning:" in "\n".join(service.status().lines())
    office.clock.offset_ms = 60 * 1000
    service.sync_now()
    assert service.status().clock_warning is None


def test_background_sync__catches_the_network_coming_back(wired, office, services):
    service, switch = wired
    service.enrol(BASE_URL, office.device()[1])
    small_visit(services)
    switch.online = False
    outcomes: list[str] = []
    synced = threading.Event()

    def done(report, error):
        outcomes.append("ok" if report else type(error).__name__)
        if report:
            synced.set()

    background = BackgroundSync(service, interval_s=60, offline_s=0.05, on_done=done)
    background.start()
    try:
        for _ in range(100):
            if outcomes:
                break
            synced.wait(0.02)
        switch.online = True
        assert synced.wait(10)
    finally:
        background.stop()
    assert outcomes[0] == "Unreachable" and outcomes[-1] == "ok"
    assert service.status().pending == 0
