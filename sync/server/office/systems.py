"""The register of local systems: name, region, the trusts in it (ODS codes), a note.

A visit belongs to the system whose name matches the visit's own system name (case and
spacing aside), whenever either was registered; an office user can move a visit to
another system by hand (`link_visit`), and undo that (`link_visit(..., None)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, delete, insert, select, update

from sync.server.db import read, write
from sync.server.office import tables as t
from sync.server.office.read_models import fold_name
from sync.server.office.users import utc_iso
from sync.server.store import NotFound, OfficeError

ODS = re.compile(r"^[A-Z0-9]{3,10}$")


@dataclass
class System:
    id: int
    name: str
    region: str | None
    trusts: list[str] = field(default_factory=list)
    note: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "region": self.region,
                "trusts": self.trusts, "note": self.note}


def clean_trusts(codes: list[str]) -> list[str]:
    out = []
    for code in codes:
        for part in code.replace(",", " ").split():
            part = part.strip().upper()
            if not ODS.match(part):
                raise OfficeError(f"trust {part!r} is not an ODS code (3 to 10 letters and "
                                  "digits, like RXX)")
            if part not in out:
                out.append(part)
    return out


def _check_trusts(conn: Connection, trusts: list[str], system_id: int | None) -> None:
    taken = conn.execute(select(t.system_trusts.c.ods_code, t.systems.c.name)
                         .join(t.systems, t.systems.c.id == t.system_trusts.c.system_id)
                         .where(t.system_trusts.c.ods_code.in_(trusts),
                                t.system_trusts.c.system_id != (system_id or -1))).all()
    if taken:
        code, name = taken[0]
        raise OfficeError(f"trust {code} is already in the system {name}")


def add_system(engine: Engine, *, name: str, region: str | None = None,
               trusts: list[str] | None = None, now_ms: int) -> System:
    name = " ".join(name.split())
    if not name:
        raise OfficeError("a system needs a name")
    codes = clean_trusts(trusts or [])
    region = (region or "").strip() or None
    with write(engine) as conn:
        if conn.execute(select(t.systems.c.id).where(t.systems.c.name_key == fold_name(name))
                        ).first():
            raise OfficeError(f"there is already a system called {name}")
        _check_trusts(conn, codes, None)
        system_id = int(conn.execute(insert(t.systems).values(
            name=name, name_key=fold_name(name), region=region,
            created_at=utc_iso(now_ms))).inserted_primary_key[0])
        if codes:
            conn.execute(insert(t.system_trusts),
                         [{"ods_code": c, "system_id": system_id} for c in codes])
    return System(system_id, name, region, codes)


def update_system(engine: Engine, system_id: int, *, name: str, region: str | None,
                  trusts: list[str]) -> System:
    name = " ".join(name.split())
    if not name:
        raise OfficeError("a system needs a name")
    codes = clean_trusts(trusts)
    region = (region or "").strip() or None
    with write(engine) as conn:
        _require(conn, system_id)
        clash = conn.execute(select(t.systems.c.id).where(
            t.systems.c.name_key == fold_name(name), t.systems.c.id != system_id)).first()
        if clash:
            raise OfficeError(f"there is already a system called {name}")
        _check_trusts(conn, codes, system_id)
        conn.execute(update(t.systems).where(t.systems.c.id == system_id).values(
            name=name, name_key=fold_name(name), region=region))
        conn.execute(delete(t.system_trusts).where(t.system_trusts.c.system_id == system_id))
        if codes:
            conn.execute(insert(t.system_trusts),
                         [{"ods_code": c, "system_id": system_id} for c in codes])
    return System(system_id, name, region, codes)


def set_note(engine: Engine, system_id: int, note: str) -> None:
    with write(engine) as conn:
        _require(conn, system_id)
        conn.execute(update(t.systems).where(t.systems.c.id == system_id).values(
            note=note.strip() or None))


def _require(conn: Connection, system_id: int) -> None:
    if conn.execute(select(t.systems.c.id).where(t.systems.c.id == system_id)).first() is None:
        raise NotFound(f"no system {system_id}")


def list_systems(conn: Connection) -> list[System]:
    trusts: dict[int, list[str]] = {}
    for code, system_id in conn.execute(select(t.system_trusts.c.ods_code,
                                               t.system_trusts.c.system_id)
                                        .order_by(t.system_trusts.c.ods_code)):
        trusts.setdefault(system_id, []).append(code)
    return [System(r.id, r.name, r.region, trusts.get(r.id, []), r.note)
            for r in conn.execute(select(t.systems).order_by(t.systems.c.name))]


def all_systems(engine: Engine) -> list[System]:
    with read(engine) as conn:
        return list_systems(conn)


def get_system(conn: Connection, system_id: int) -> System:
    found = next((s for s in list_systems(conn) if s.id == system_id), None)
    if found is None:
        raise NotFound(f"no system {system_id}")
    return found


def visit_system_column():  # type: ignore[no-untyped-def]
    """The system id of each visit: a link made by hand, else the register's name match."""
    from sqlalchemy import func

    by_name = (select(t.systems.c.id).where(t.systems.c.name_key == t.read_visits.c.system_key)
               .scalar_subquery())
    by_hand = (select(t.visit_links.c.system_id)
               .where(t.visit_links.c.visit_id == t.read_visits.c.visit_id).scalar_subquery())
    return func.coalesce(by_hand, by_name)


def link_visit(engine: Engine, visit_id: str, system_id: int | None) -> None:
    """Move a visit to a system by hand, or (None) back to matching by its name."""
    with write(engine) as conn:
        if conn.execute(select(t.read_visits.c.visit_id).where(
                t.read_visits.c.visit_id == visit_id)).first() is None:
            raise NotFound(f"no visit {visit_id}")
        conn.execute(delete(t.visit_links).where(t.visit_links.c.visit_id == visit_id))
        if system_id is not None:
            _require(conn, system_id)
            conn.execute(insert(t.visit_links).values(visit_id=visit_id, system_id=system_id))
