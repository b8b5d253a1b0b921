"""The app's lock: the first right PIN opens the services once, a later PIN is checked
with the same waits, and starting afresh removes everything only when the loss named
matches the unsynced count kept outside the encrypted store."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_KDF, TEST_PIN, open_test_services
from visitapp.errors import UserError, WrongPin
from visitapp.services.sync import token_path
from visitapp.services.tablet_lock import TabletLock
from visitapp.store import keys


def tablet_with_changes(db_path) -> int:
    s = open_test_services(db_path)
    s.visits.create_visit(system="Lock test (fictional)", date="2026-11-27",
                          visit_type="diagnostic", areas=[("emergency_department", "")])
    pending = s.sync.status().pending
    s.close()  # keeps the unsynced count beside the database
    return pending


def test_unlock__opens_once_and_checks_a_later_pin_against_the_key(db_path):
    tablet_with_changes(db_path)
    opened = []
    lock = TabletLock(db_path, kdf=TEST_KDF, on_open=opened.append)
    with pytest.raises(WrongPin):
        lock.unlock("111111")
    assert lock.services is None and opened == []
    services = lock.unlock(TEST_PIN)
    assert opened == [services] and services.visits.list_visits()
    with pytest.raises(WrongPin):  # after idle time: a wrong PIN still counts
        lock.unlock("111111")
    assert keys.read_key_file(lock.key_file).failures == 1
    assert lock.unlock(TEST_PIN) is services and opened == [services]
    lock.close()


def test_start_afresh__names_the_loss_and_removes_only_when_it_matches(db_path):
    pending = tablet_with_changes(db_path)
    token_path(db_path).write_text("secret-token\n")
    lock = TabletLock(db_path, kdf=TEST_KDF)
    hint = lock.unsynced_hint()
    assert hint is not None and hint.count == pending > 0
    with pytest.raises(UserError, match=f"{pending} unsynced changes would be lost, not 0"):
        lock.start_afresh(0)
    assert db_path.exists() and lock.key_file.exists()
    lock.start_afresh(pending)
    left = sorted(p.name for p in db_path.parent.iterdir())
    assert left == [], left
    assert lock.is_new()
    # The next PIN starts a new, empty store.
    services = lock.unlock("864202")
    assert services.visits.list_visits() == []
    with pytest.raises(UserError, match="the data is open"):
        lock.start_afresh(0)
    lock.close()
