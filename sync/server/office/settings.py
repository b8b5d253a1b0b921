"""Programme-wide settings the office sets for every tablet: today, how long a tablet keeps
a finished visit (`retention_days`, default 90).

A setting travels to every team's tablets as one programme-wide op signed with the
office's key (entity `setting`, `sync.server.office_ops`), so a tablet takes it at its next
sync and can tell it from a forgery; the office reads its current value back from
`field_state`, the same merged state the tablets hold.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from sync.server import office_ops
from sync.server import tables as t
from sync.server.db import read
from sync.server.office.users import utc_iso
from sync.server.store import OfficeError
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID, RETENTION_DAYS_RANGE

RETENTION_DAYS_DEFAULT = 90
SETTING = ("setting", "retention", "days")  # entity, entity id, field


class BadSetting(OfficeError):
    status = 422


def retention_days(engine: Engine) -> int:
    """The period tablets keep a finished, synced visit: the office's setting, or 90."""
    fs = t.field_state.c
    with read(engine) as conn:
        value = conn.execute(select(fs.value).where(
            fs.visit_id == PROGRAMME_VISIT_ID, fs.entity == SETTING[0],
            fs.entity_id == SETTING[1], fs.field == SETTING[2])).scalar()
    return RETENTION_DAYS_DEFAULT if value is None else int(json.loads(value))


def set_retention_days(engine: Engine, text: str, *, now_ms: int) -> int:
    """Set the period from what was typed; refused (nothing sent) unless a whole number
    of days in range."""
    low, high = RETENTION_DAYS_RANGE
    try:
        days = int(text.strip())
    except ValueError:
        raise BadSetting(f"retention-days: {text!r} is not a whole number of days") from None
    if not low <= days <= high:
        raise BadSetting(f"retention-days: {days} is not between {low} and {high} days")
    office_ops.send(engine, [office_ops.Change(PROGRAMME_VISIT_ID, *SETTING, days)],
                    team=None, now_ms=now_ms, now_iso=utc_iso(now_ms))
    return days
