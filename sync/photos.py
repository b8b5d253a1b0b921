"""Photos (and feedback PDFs) down from the programme office: a few at a time, the report
copies first, for the visits this tablet holds only.

A tablet holds only its visits (issue 15), so the files its state refers to are exactly
those of the visits it holds. `DOWNLOADS_AT_ONCE` requests run side by side on threads
(the office answers each from its database; more would only queue there). Each file is
checked against its SHA-256 and stored whole (`BlobStore.put` writes a temporary file
and renames it), so a download cut off leaves no partial file, and the next sync fetches
what is still missing: that is how it resumes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

from sync.office_api import Reply

if TYPE_CHECKING:
    from sync.client import BlobSource, Outbox, SyncReport

DOWNLOADS_AT_ONCE = 4


def download(shas: Sequence[str], *, blobs: BlobSource, outbox: Outbox,
             get: Callable[[str], Reply], report: SyncReport,
             at_once: int = DOWNLOADS_AT_ONCE, progress: Callable[[str], None] | None = None,
             ) -> None:
    """Fetch the files of `shas` this tablet lacks, in that order, `at_once` at a time.

    `get` is the engine's retried call for one file. The threads only fetch; checking and
    storing happen here, one at a time, so the database sees one writer."""
    from sync.client import Unreachable

    missing = [sha for sha in dict.fromkeys(shas) if not blobs.has(sha)]
    if not missing:
        return
    cut_off: list[str] = []
    why = ""
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="visitapp-photos") as pool:
        pending: dict[Future[Reply], str] = {pool.submit(get, sha): sha for sha in missing}
        try:
            for future in as_completed(list(pending)):
                sha = pending.pop(future)  # dropped at once: a photo is held only till stored
                if future.cancelled():
                    cut_off.append(sha)
                    continue
                try:
                    reply = future.result()
                except Unreachable as err:
                    # The office went away: finish what is under way, start nothing more.
                    cut_off.append(sha)
                    why = str(err)
                    for other in pending:
                        other.cancel()
                    continue
                _store(sha, reply, blobs, outbox, report)
                if progress is not None:
                    progress(f"received photo {sha[:8]}")
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    if cut_off:
        report.blob_problems.append(f"{len(cut_off)} photo(s) not received yet ({why}); "
                                    "the next sync fetches them")


def _store(sha: str, reply: Reply, blobs: BlobSource, outbox: Any, report: SyncReport) -> None:
    if reply.status >= 400:
        report.blob_problems.append(
            f"photo {sha[:8]} not on the programme office yet ({reply.detail()})")
        return
    if hashlib.sha256(reply.content).hexdigest() != sha:
        report.blob_problems.append(f"photo {sha[:8]} arrived damaged; will retry")
        return
    blobs.put(reply.content, reply.headers.get("content-type", "application/octet-stream"))
    outbox.mark_blob(sha, "uploaded")  # the server has it: never send it back
    report.blobs_downloaded += 1
