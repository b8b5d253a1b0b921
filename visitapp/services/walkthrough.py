"""What the walk-through app needs beyond the visit services: first-run set-up and the
tablet's own preferences (who is using it for each visit).

"I am" is a fact about this tablet, not about the visit: two team members' tablets hold
the same visit with different users. So it is kept in a small file beside the database,
never synced, rather than as an op.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from datetime import date
from pathlib import Path

from visitapp.services.app import Services
from visitapp.services.demo import create_demo_visit


def ensure_demo_visit(services: Services, on: date) -> str | None:
    """On first run (no visit on this tablet yet) create the demo visit, dated `on`;
    return its id."""
    if services.visits.list_visits():
        return None
    return create_demo_visit(services, on)


class TabletPrefs:
    """Per-tablet choices kept in `<database stem>-ui.json` beside the database."""

    def __init__(self, db_path: Path | str) -> None:
        db_path = Path(db_path)
        self.path = db_path.parent / f"{db_path.stem}-ui.json"
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, str]] = self._read()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"i_am": {}}
        if not isinstance(data, dict) or not isinstance(data.get("i_am"), dict):
            return {"i_am": {}}
        return data

    def i_am(self, visit_id: str) -> str | None:
        return self._data["i_am"].get(visit_id)

    def set_i_am(self, visit_id: str, name: str | None) -> None:
        with self._lock:
            if name:
                self._data["i_am"][visit_id] = name
            else:
                self._data["i_am"].pop(visit_id, None)
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ui-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._data, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def pending_by_visit(services: Services) -> dict[str, int]:
    """Changes not yet acknowledged by the programme office, per visit (for the visit list).

    Refused changes are left out, as in `SyncService.status`.
    """
    with services.db.read() as conn:
        rows = conn.execute(
            "SELECT visit_id, COUNT(*) FROM ops WHERE pushed = 0 "
            "AND op_id NOT IN (SELECT op_id FROM sync_rejections) GROUP BY visit_id").fetchall()
    return {visit_id: int(n) for visit_id, n in rows if visit_id}
