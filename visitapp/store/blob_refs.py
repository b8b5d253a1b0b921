"""Which stored files (by SHA-256) ops refer to: photos and their report copies, and the
feedback PDFs. Bundles and sync both carry exactly these files with the ops."""

from __future__ import annotations

import json
import sqlite3

from visitapp.store.oplog import OpRecord

PHOTO_FIELDS = ("sha256", "report_sha256")
# Feedback PDFs: every version presented, and the latest one created on a tablet.
REPORT_FIELDS = ("presented_report", "created_report")


def _is_sha(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64


def refs_of_op(op: OpRecord) -> list[str]:
    """The files one op refers to (none for most ops)."""
    if op.value == "null":
        return []
    if op.entity == "attachment" and op.field in PHOTO_FIELDS:
        value = json.loads(op.value)
        return [value] if _is_sha(value) else []
    if op.entity == "visit" and op.field in REPORT_FIELDS:
        value = json.loads(op.value)
        sha = value.get("sha256") if isinstance(value, dict) else None
        return [sha] if _is_sha(sha) else []
    return []


def referenced_blobs(conn: sqlite3.Connection, visit_id: str | None = None) -> set[str]:
    """Files the current state needs: photos not deleted, and the feedback PDFs."""
    where, params = ("AND visit_id = ?", (visit_id,)) if visit_id else ("", ())
    shas = {sha for row in conn.execute(
        f"SELECT sha256, report_sha256 FROM attachments WHERE COALESCE(deleted, 0) = 0 {where}",
        params) for sha in row if _is_sha(sha)}
    marks = ", ".join("?" * len(REPORT_FIELDS))
    for (value,) in conn.execute(
            f"SELECT value FROM ops WHERE entity = 'visit' AND field IN ({marks}) {where}",
            (*REPORT_FIELDS, *params)):
        data = json.loads(value)
        if isinstance(data, dict) and _is_sha(data.get("sha256")):
            shas.add(data["sha256"])
    return shas
