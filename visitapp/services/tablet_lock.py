"""The app's lock: unlock the tablet's data with the PIN once, check it again after idle
time, and start afresh when the PIN is forgotten (naming the unsynced changes lost, from
visitapp.services.unsynced_hint, since the store itself cannot be read without the PIN).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from visitapp.errors import UserError
from visitapp.services.app import Services, open_services
from visitapp.services.sync import token_path
from visitapp.services.unsynced_hint import UnsyncedHint, hint_path, read_hint, write_hint
from visitapp.store import keys
from visitapp.store.at_rest import blob_dir_of
from visitapp.store.keys import DEFAULT_KDF, KdfParams


class TabletLock:
    def __init__(self, db_path: Path, *, now: Callable[[], float] = time.time,
                 kdf: KdfParams = DEFAULT_KDF,
                 on_open: Callable[[Services], None] | None = None) -> None:
        self.db_path = Path(db_path)
        self.now = now
        self.kdf = kdf
        self.on_open = on_open  # first unlock: demo visit, background sync
        self.services: Services | None = None
        self._lock = threading.Lock()

    @property
    def key_file(self) -> Path:
        return keys.key_path(self.db_path)

    @property
    def hint_file(self) -> Path:
        return hint_path(self.db_path)

    def is_new(self) -> bool:
        """No data locked yet: the PIN given first will lock it (a plain tablet from
        before encryption counts as new: its data is encrypted under that PIN)."""
        return not self.key_file.exists()

    def unlock(self, pin: str) -> Services:
        """The services, opened on the first right PIN; later a PIN (after idle time, or
        in another tab) is checked against the key file, with the same waits."""
        with self._lock:
            if self.services is None:
                services = open_services(self.db_path, pin=pin, now=self.now, kdf=self.kdf)
                self.services = services
                self.record_unsynced()
                if self.on_open is not None:
                    self.on_open(services)
            else:
                keys.unlock(self.key_file, pin, now=self.now())
            return self.services

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Rewrap the data key under `new_pin` (nothing is re-encrypted); the old PIN is
        checked with the same waits as any try."""
        keys.change_pin(self.key_file, old_pin, new_pin, now=self.now(), kdf=self.kdf)

    def record_unsynced(self) -> None:
        services = self.services
        if services is not None:
            write_hint(self.db_path, services.sync.status().pending, self.now())

    def unsynced_hint(self) -> UnsyncedHint | None:
        return read_hint(self.db_path)

    def start_afresh(self, losing: int | None) -> None:
        """Remove every file of this tablet's data (database, key, files, sync token), so
        the next PIN starts a new store. `losing` must repeat the count of unsynced
        changes the user was shown (None: not known), so a stale screen cannot confirm a
        bigger loss."""
        with self._lock:
            if self.services is not None:
                raise UserError("the data is open: lock the app first")
            hint = self.unsynced_hint()
            known = hint.count if hint else None
            if losing != known:
                raise UserError(f"{known} unsynced changes would be lost, not {losing}: "
                                "nothing was removed")
            path = self.db_path
            for file in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm",
                                                                              ".lock")),
                         self.key_file, self.hint_file, token_path(path),
                         path.parent / f"{path.stem}-ui.json"):
                file.unlink(missing_ok=True)
            shutil.rmtree(blob_dir_of(path), ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            if self.services is not None:
                self.record_unsynced()
                self.services.close()
                self.services = None


