"""Build everything once: database -> catalogue -> services. Handed down, never global."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from visitapp.services.attachments import AttachmentService, BlobStore
from visitapp.services.catalogue import FormCatalogue
from visitapp.services.metrics import MetricsService
from visitapp.services.unsynced_hint import pending_count, write_hint
from visitapp.services.visits import VisitService
from visitapp.store.at_rest import open_database
from visitapp.store.db import Database
from visitapp.store.keys import DEFAULT_KDF, KdfParams

if TYPE_CHECKING:
    from visitapp.services.sync import SyncService


@dataclass
class Services:
    db: Database
    catalogue: FormCatalogue
    visits: VisitService
    blobs: BlobStore
    attachments: AttachmentService
    metrics: MetricsService

    @cached_property
    def sync(self) -> SyncService:
        """Made on first use: the HTTP client it brings costs a command like `visitapp
        report`, which never syncs, a fifth of a second to import."""
        from visitapp.services.sync import SyncService

        return SyncService(self.db, self.blobs)

    def close(self) -> None:
        # What a forgotten-PIN screen can tell without the PIN: the unsynced count, and
        # when it was taken (the wall clock, read here on purpose).
        # (Counted here, not through `sync` or `store.sync_state`: they import the HTTP
        # client and SQLAlchemy, which every command, `visitapp report` too, would pay.)
        with contextlib.suppress(OSError), self.db.read() as conn:
            write_hint(self.db.path, pending_count(conn), time.time())
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
                    attachments=AttachmentService(visits, blobs), metrics=MetricsService(visits))
