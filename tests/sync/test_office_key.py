"""The office's own signing key: made once, the same for every reader, usable to sign."""

from __future__ import annotations

from pathlib import Path

from sync.server import db
from sync.server.office_key import office_key
from visitapp.domain import signing

NOW = "2026-11-27T09:00:00+00:00"


def test_the_office_key__is_made_once_and_signs_ops_tablets_can_check(tmp_path: Path):
    engine = db.open_database(f"sqlite:///{tmp_path / 'office.db'}")
    first = office_key(engine, now=NOW)
    again = office_key(db.open_database(f"sqlite:///{tmp_path / 'office.db'}"), now=NOW)
    assert again == first
    assert first.device_id.startswith(signing.OFFICE_PREFIX)
    op = signing.seal(first.private_key, {
        "op_id": "", "visit_id": "v1", "device_id": first.device_id, "seq": 1, "hlc": 1 << 16,
        "entity": "visit", "entity_id": "v1", "field": "system", "value": '"North"'})
    assert signing.verify(op, first.public_key, signing.OFFICE_PREFIX) is None
    assert signing.verify(op, first.public_key) is not None  # not a tablet's id
