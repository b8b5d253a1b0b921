"""The conflicts section of the overview: each conflict's place and values in words."""

from __future__ import annotations

from typing import Any

from visitapp.domain.forms import Item
from visitapp.domain.values import format_value
from visitapp.domain.visit import (
    VisitState,
)


def conflict_value_text(value: Any, item: Item | None) -> str:
    if value is None:
        return "(cleared)"
    if item is not None:
        try:
            return format_value(item, value)
        except Exception:  # noqa: BLE001 - a value from another form version: show it raw
            pass
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def conflict_where(state: VisitState, conflict: dict[str, Any]) -> tuple[str, Item | None]:
    """(area and item in words, the item) for a conflict from `SyncService.conflicts`."""
    area = state.area(conflict["area_key"]) if conflict.get("area_key") else None
    item = area.form.item(conflict["item_id"]) if area and conflict.get("item_id") else None
    field_words = {"value": "answer", "note": "note"}.get(conflict["field"], conflict["field"])
    if area is not None and item is not None:
        return f"{area.label}: {item.prompt} ({field_words})", item
    if area is not None:
        return f"{area.label} ({field_words})", None
    return f"{conflict['entity'].replace('_', ' ').capitalize()} ({field_words})", None
