"""The programme office's own signing key, made once and kept in the office database.

The office makes some ops itself (actions, exemplars, published forms, scheduled visits)
and signs them with this key; tablets pin its public key at enrolment and check those ops
against it, so a team token cannot pass its own ops off as the office's. The key lives in
the database so every worker of one office signs with the same key; whoever can read the
office database can sign as the office (see sync/README.md, threat model).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from sync.server import db
from sync.server import tables as t
from visitapp.domain import signing


@dataclass(frozen=True)
class OfficeKey:
    private_key: bytes
    public_key: str

    @property
    def device_id(self) -> str:
        """The `device_id` of the ops the office makes."""
        return signing.device_id_for(self.public_key, signing.OFFICE_PREFIX)


def office_key(engine: Engine, *, now: str) -> OfficeKey:
    """The office's key pair, made on first use (two workers racing keep the first)."""
    with db.read(engine) as conn:
        row = conn.execute(select(t.office_key.c.private_key, t.office_key.c.public_key)).first()
    if row is not None:
        return OfficeKey(bytes(row[0]), row[1])
    private = signing.new_private_key()
    try:
        with db.write(engine) as conn:
            conn.execute(t.office_key.insert().values(
                id=1, private_key=private, public_key=signing.public_key_of(private),
                created_at=now))
    except IntegrityError:
        pass  # another worker made it first: use theirs
    return office_key(engine, now=now)
