"""Build everything once: database -> catalogue -> services. Handed down, never global."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from visitapp.services.attachments import AttachmentService, BlobStore
from visitapp.services.catalogue import FormCatalogue
from visitapp.services.metrics import MetricsService
from visitapp.services.visits import VisitService
from visitapp.store.db import Database

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
        self.db.close()


def open_services(db_path: Path | str, forms_paths: Sequence[Path] | None = None) -> Services:
    db = Database(db_path)
    catalogue = FormCatalogue(db, forms_paths)
    visits = VisitService(db, catalogue)
    blobs = BlobStore(db)
    return Services(db=db, catalogue=catalogue, visits=visits, blobs=blobs,
                    attachments=AttachmentService(visits, blobs), metrics=MetricsService(visits))
