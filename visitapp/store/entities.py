"""Reading entities that have no state table of their own (metrics, settings).

Their current value per field is the winning op in `field_clock`: the same merge rule as
everything else, with no new table to migrate or rebuild.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def winning_values(conn: sqlite3.Connection, visit_id: str, entity: str) -> dict[str, dict[str, Any]]:
    """{entity_id: {field: value}} for one entity kind of a visit (None values kept)."""
    rows = conn.execute(
        "SELECT fc.entity_id, fc.field, o.value FROM field_clock fc "
        "JOIN ops o ON o.op_id = fc.op_id "
        "WHERE fc.visit_id = ? AND fc.entity = ?", (visit_id, entity)).fetchall()
    result: dict[str, dict[str, Any]] = {}
    for entity_id, field, value in rows:
        result.setdefault(entity_id, {})[field] = json.loads(value)
    return result
