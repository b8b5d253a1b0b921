"""Build everything once: database -> catalogue -> services. Handed down, never global."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from visitapp.services.attachments import AttachmentService, BlobStore
from visitapp.services.catalogue import FormCatalogue
from visitapp.services.metrics import MetricsService
from visitapp.services.sync import SyncService
from visitapp.services.visits import VisitService
from visitapp.store.db import Database


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
        self.db.close()


def open_services(db_path: Path | str, forms_paths: Sequence[Path] | None = None) -> Services:
    db = Database(db_path)
    catalogue = FormCatalogue(db, forms_paths)
    visits = VisitService(db, catalogue)
    blobs = BlobStore(db)
    return Services(db=db, catalogue=catalogue, visits=visits, blobs=blobs,
                    attachments=AttachmentService(visits, blobs), metrics=MetricsService(visits),
                    sync=SyncService(db, blobs))
