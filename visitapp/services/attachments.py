"""Photos: stored by SHA-256 with EXIF and location removed, plus a copy sized for reports.

On attach the image is decoded, turned upright (EXIF orientation), and saved again
without any metadata: that is what removes GPS position, camera serial and time. A second
copy, at most 1600 px on its long side, is what the report embeds. Files are written
(and fsynced) before the op that references them commits, so an op never points at a
missing file; a crash in between leaves only an unreferenced file.

On disk every file is sealed (visitapp.store.sealed_files: AES-GCM, a key per file) and
named by the SHA-256 of its plain content, so sync and dedupe work as before; `read`
gives the plain bytes. The report renderer reads photos by path, so `plain_copies()`
lends decrypted copies in a private temporary folder for as long as a render takes.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from visitapp.domain.ids import new_id
from visitapp.errors import BadValue, NotFound
from visitapp.services.visits import VisitService, guard_text
from visitapp.store import oplog, sealed_files
from visitapp.store.db import Database, utc_now

if TYPE_CHECKING:
    from PIL import Image

REPORT_LONG_SIDE = 1600
MAX_PIXELS = 60_000_000  # refuse decompression bombs rather than fill a tablet's memory
MAX_BYTES = 40 * 1024 * 1024


class BlobStore:
    """Files addressed by SHA-256 in a folder beside the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.root = db.blob_dir
        self._key = db.files_key  # None only for a plain benchmark baseline
        self._plain_dir: Path | None = None
        if self.root.is_dir():
            os.chmod(self.root, 0o700)  # photos are the team's: owner only

    def path(self, sha256: str) -> Path:
        """Where the (sealed) file is on disk: not readable as the photo or PDF itself."""
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read(self, sha256: str) -> bytes:
        """The plain content."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"file {sha256[:12]} is not on this tablet") from None
        return data if self._key is None else sealed_files.unseal(data, self._key, sha256)

    def plain_path(self, sha256: str) -> Path | None:
        """Where `plain_copies()` puts the plain copy of a stored file (None if the file
        is not on this tablet). The same path for the life of this store, so a report
        model naming it compares equal from one build to the next."""
        if not self.has(sha256):
            return None
        if self._key is None:
            return self.path(sha256)
        if self._plain_dir is None:
            self._plain_dir = Path(tempfile.mkdtemp(prefix="visitapp-plain-", dir=_memory_dir()))
        return self._plain_dir / sha256

    @contextmanager
    def plain_copies(self, shas: list[str]) -> Iterator[None]:
        """Decrypted copies of these files at `plain_path(sha)` while the block runs (the
        report renderer reads files by name); removed afterwards, whatever happens."""
        made: list[Path] = []
        try:
            for sha in shas:
                target = self.plain_path(sha)
                if target is None or self._key is None or target.exists():
                    continue
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                made.append(target)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(self.read(sha))
            yield
        finally:
            for target in made:
                target.unlink(missing_ok=True)

    def close(self) -> None:
        if self._plain_dir is not None:
            shutil.rmtree(self._plain_dir, ignore_errors=True)
            self._plain_dir = None

    def put(self, data: bytes, content_type: str) -> str:
        """Store bytes (idempotently) and record them; returns their SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.is_file():
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            target.parent.mkdir(mode=0o700, exist_ok=True)
            stored = data if self._key is None else sealed_files.seal(data, self._key, sha)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(stored)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO blobs (sha256, size, content_type, created_at) "
                "VALUES (?, ?, ?, ?)", (sha, len(data), content_type, utc_now()))
        return sha


def _memory_dir() -> str | None:
    """A memory-backed folder for plain copies where the system has one (Linux /dev/shm),
    so a decrypted photo need never reach the flash; else the system's temporary folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def clean_image(data: bytes, name: str = "image") -> tuple[bytes, bytes, str, int, int]:
    """Decode, strip metadata and downscale: (clean, report copy, content type, w, h)."""
    # Imported here: a command that only reads photos (`visitapp report`) has no use for
    # the image library, which costs a start ~8 ms.
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            source_format = opened.format
            image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as err:
        raise BadValue(f"{name} is not an image that can be read ({err})") from None
    # Screenshots and diagrams stay PNG (lossless); photographs become JPEG.
    if source_format == "PNG":
        content_type, fmt = "image/png", "PNG"
        image = image.convert("RGBA")
    else:
        content_type, fmt = "image/jpeg", "JPEG"
        image = image.convert("RGB")
    clean = _encode(image, fmt)
    copy = image.copy()
    copy.thumbnail((REPORT_LONG_SIDE, REPORT_LONG_SIDE), Image.Resampling.LANCZOS)
    report = _encode(copy, fmt)
    return clean, report, content_type, image.width, image.height


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    # No exif=, no pnginfo=: nothing from the original's metadata is written.
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=88, optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


class AttachmentService:
    def __init__(self, visits: VisitService, blobs: BlobStore) -> None:
        self.visits = visits
        self.blobs = blobs

    def attach_photo(self, visit_id: str, data: bytes, *, name: str = "photo",
                     caption: str | None = None, area_key: str | None = None,
                     item_id: str | None = None, author: str | None = None,
                     confirmed: bool = False) -> str:
        if len(data) > MAX_BYTES:
            raise BadValue(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB")
        caption = (caption or "").strip() or None
        guard_text("the caption", caption, confirmed)
        if item_id is not None and area_key is None:
            raise BadValue("a photo of an item needs the item's area too")
        if item_id is not None:
            self.visits.item_of(visit_id, area_key, item_id)
        clean, report, content_type, width, height = clean_image(data, name)
        sha = self.blobs.put(clean, content_type)
        report_sha = self.blobs.put(report, content_type)
        attachment_id = new_id()
        db = self.visits.db
        with db.write() as conn:
            self.visits.require_visit(conn, visit_id)
            if area_key is not None:
                self.visits.require_area(conn, visit_id, area_key)
            fields = {"sha256": sha, "report_sha256": report_sha, "area_key": area_key,
                      "item_id": item_id, "caption": caption, "content_type": content_type,
                      "width": width, "height": height, "created_by": author,
                      "created_at": utc_now()}
            for field, value in fields.items():
                oplog.record(db, conn, visit_id=visit_id, entity="attachment",
                             entity_id=attachment_id, field=field, value=value, author=author,
                             confirmed=confirmed and field == "caption" and bool(caption))
        return attachment_id

    def set_caption(self, visit_id: str, attachment_id: str, caption: str | None,
                    author: str | None = None, confirmed: bool = False) -> None:
        caption = (caption or "").strip() or None
        guard_text("the caption", caption, confirmed)
        db = self.visits.db
        with db.write() as conn:
            self._require(conn, visit_id, attachment_id)
            oplog.record(db, conn, visit_id=visit_id, entity="attachment",
                         entity_id=attachment_id, field="caption", value=caption,
                         author=author, confirmed=confirmed and bool(caption))

    def delete(self, visit_id: str, attachment_id: str, author: str | None = None) -> None:
        db = self.visits.db
        with db.write() as conn:
            self._require(conn, visit_id, attachment_id)
            oplog.record(db, conn, visit_id=visit_id, entity="attachment",
                         entity_id=attachment_id, field="deleted", value=True, author=author)

    def restore(self, visit_id: str, attachment_id: str, author: str | None = None) -> None:
        """Undo a removal: a new op (`deleted` false); the files were kept by hash."""
        db = self.visits.db
        with db.write() as conn:
            if conn.execute("SELECT 1 FROM attachments WHERE visit_id = ? AND id = ? AND "
                            "deleted = 1", (visit_id, attachment_id)).fetchone() is None:
                raise NotFound(f"no removed photo {attachment_id!r} in visit {visit_id}")
            oplog.record(db, conn, visit_id=visit_id, entity="attachment",
                         entity_id=attachment_id, field="deleted", value=False, author=author)

    @staticmethod
    def _require(conn, visit_id: str, attachment_id: str) -> None:  # type: ignore[no-untyped-def]
        if conn.execute("SELECT 1 FROM attachments WHERE visit_id = ? AND id = ? "
                        "AND COALESCE(deleted, 0) = 0", (visit_id, attachment_id)).fetchone() is None:
            raise NotFound(f"no photo {attachment_id!r} in visit {visit_id}")
