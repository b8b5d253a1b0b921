"""What the walk-through app needs beyond the visit services: first-run set-up and the
tablet's own preferences (who is using it for each visit).

"I am" is a fact about this tablet, not about the visit: two team members' tablets hold
the same visit with different users. So it is kept in a small file beside the database,
never synced, rather than as an op. So is where the user was in each area (to continue
there): two people walking one visit are at different items.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from visitapp.services.app import Services
from visitapp.services.demo import create_demo_visit
from visitapp.store import sync_state


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
        self._data: dict[str, dict[str, Any]] = self._read()

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        for part in ("i_am", "positions", "photo_reminder"):
            if not isinstance(data.get(part), dict):
                data[part] = {}
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

    # --- the no-patient reminder before a visit's first photo -------------------------

    def photo_reminder_seen(self, visit_id: str) -> bool:
        return visit_id in self._data.get("photo_reminder", {})

    def set_photo_reminder_seen(self, visit_id: str) -> None:
        with self._lock:
            self._data.setdefault("photo_reminder", {})[visit_id] = True
            self._write()

    # --- where the user was ---------------------------------------------------------

    def set_position(self, visit_id: str, area_key: str, item_id: str) -> None:
        """The item last touched in an area (and so in the visit) on this tablet."""
        with self._lock:
            place = self._data["positions"].setdefault(visit_id, {})
            areas = place.setdefault("areas", {})
            if place.get("last") == [area_key, item_id] and areas.get(area_key) == item_id:
                return  # the same item again: nothing to write
            place["last"] = [area_key, item_id]
            areas[area_key] = item_id
            self._write(durable=False)

    def last_position(self, visit_id: str) -> tuple[str, str] | None:
        """(area key, item id) last touched in the visit on this tablet, if any."""
        last = self._data["positions"].get(visit_id, {}).get("last")
        if isinstance(last, list) and len(last) == 2 and all(isinstance(x, str) for x in last):
            return last[0], last[1]
        return None

    def area_position(self, visit_id: str, area_key: str) -> str | None:
        """The item last touched in this area on this tablet, if any."""
        item = self._data["positions"].get(visit_id, {}).get("areas", {}).get(area_key)
        return item if isinstance(item, str) else None

    def _write(self, durable: bool = True) -> None:
        """Replace the file whole (never half-written); `durable` waits for the disk.

        The place in an area is written on the tap path and losing the last one in a
        power cut costs nothing, so it skips the fsync; "I am" does not."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ui-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._data, fh, indent=1, sort_keys=True)
                fh.flush()
                if durable:
                    os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def pending_by_visit(services: Services, visit_ids: Iterable[str] | None = None
                     ) -> dict[str, int]:
    """Changes not yet acknowledged by the programme office, per visit (for the visit list;
    `visit_ids`: those only, a page of the list).

    Refused changes are left out, as in `SyncService.status`.
    """
    with services.db.read() as conn:
        counts = sync_state.unsent_by_visit(conn, visit_ids)
    return {visit_id: n for visit_id, n in counts.items() if visit_id}
