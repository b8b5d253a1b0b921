"""Which checklist applies: the current forms for new areas, the stored ones for old areas.

New areas take the current form for their kind: the version the programme office
published for it (received by sync), or the one shipped in `forms/` when that is newer
or nothing was published. Once an area exists it is bound to the exact form content (by
hash) it started with, stored in the database, so neither editing `forms/` nor a new
publication changes an existing visit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from visitapp.domain.forms import Form
from visitapp.errors import NotFound, StoreError
from visitapp.store import office_data
from visitapp.store.db import Database


class FormCatalogue:
    def __init__(self, db: Database, forms_paths: Sequence[Path] | None = None) -> None:
        self._db = db
        self._paths = forms_paths
        self._current: dict[str, Form] | None = None
        self._by_hash: dict[str, Form] = {}
        self._lock = threading.Lock()

    def current(self) -> dict[str, Form]:
        """The current form for each area kind, loaded once from `forms/`."""
        with self._lock:
            if self._current is None:
                # Imported here: the YAML parser is not needed to read a stored visit.
                from visitapp.domain.form_loading import load_forms

                self._current = {f.area_kind: f for f in load_forms(self._paths)}
                for form in self._current.values():
                    self._by_hash[form.content_hash] = form
            return self._current

    def for_new_areas(self) -> dict[str, Form]:
        """The form a new area of each kind starts with (published or shipped)."""
        forms = dict(self.current())
        with self._db.read() as conn:
            published = office_data.published_forms(conn)
            for kind, (form_hash, version) in published.items():
                shipped = forms.get(kind)
                if shipped is None or version >= shipped.version:
                    forms[kind] = self.by_hash(form_hash, conn)
        return forms

    def for_kind(self, kind: str) -> Form:
        forms = self.for_new_areas()
        if kind not in forms:
            raise NotFound(f"no checklist for area kind {kind!r}; known: {', '.join(sorted(forms))}")
        return forms[kind]

    def by_hash(self, form_hash: str, conn: sqlite3.Connection | None = None) -> Form:
        """The stored form version; pass `conn` when already inside a transaction."""
        form = self._by_hash.get(form_hash)
        if form is not None:
            return form
        if conn is None:
            with self._db.read() as own:
                row = own.execute("SELECT content FROM form_versions WHERE hash = ?",
                                  (form_hash,)).fetchone()
        else:
            row = conn.execute("SELECT content FROM form_versions WHERE hash = ?",
                               (form_hash,)).fetchone()
        if row is None:
            raise StoreError(f"form version {form_hash[:12]} is missing from the database")
        form = Form.from_canonical_json(row[0])
        self._by_hash[form_hash] = form
        return form
