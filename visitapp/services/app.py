"""Build everything once: database -> catalogue -> services. Handed down, never global."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from visitapp.services.attachments import AttachmentService, BlobStore
from visitapp.services.catalogue import FormCatalogue
from visitapp.services.metrics import MetricsService
from visitapp.services.sync import SyncService
from visitapp.services.unsynced_hint import write_hint
from visitapp.services.visits import VisitService
from visitapp.store.at_rest import open_database
from visitapp.store.db import Database
from visitapp.store.keys import DEFAULT_KDF, KdfParams


@dataclass
class Services:
    db: Database
    catalogue: FormCatalogue
    visits: VisitService
    blobs: BlobStore
    attachments: AttachmentService
    metrics: MetricsService
    sync: SyncService

    def close(self) -> None:
        # What a forgotten-PIN screen can tell without the PIN: the unsynced count, and
        # when it was taken (the wall clock, read here on purpose).
        with contextlib.suppress(OSError):
            write_hint(self.db.path, self.sync.status().pending, time.time())
        self.blobs.close()
        self.db.close()


def open_services(db_path: Path | str, forms_paths: Sequence[Path] | None = None, *,
                  pin: str, now: Callable[[], float] = time.time,
                  kdf: KdfParams = DEFAULT_KDF) -> Services:
    """Unlock the tablet's data with `pin` (a new tablet's data is made under it) and build
    the services. `now` is the wall clock the waits after wrong PINs are timed by; `kdf`
    the cost of a new key (tests pass a cheap one: the real one is ~0.3 s a start)."""
    return services_for(open_database(db_path, pin, now=now, kdf=kdf), forms_paths)


def services_for(db: Database, forms_paths: Sequence[Path] | None = None) -> Services:
    """The services over an open database (the benchmark's plain baseline uses this)."""
    catalogue = FormCatalogue(db, forms_paths)
    visits = VisitService(db, catalogue)
    blobs = BlobStore(db)
    return Services(db=db, catalogue=catalogue, visits=visits, blobs=blobs,
                    attachments=AttachmentService(visits, blobs), metrics=MetricsService(visits),
                    sync=SyncService(db, blobs))
