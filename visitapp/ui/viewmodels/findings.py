"""The findings screen: findings grouped by kind, and where each comes from."""

from __future__ import annotations

from collections.abc import Iterable

from visitapp.domain.visit import (
    FINDING_KIND_LABELS,
    FindingKind,
    FindingState,
    VisitState,
)


def findings_by_kind(findings: Iterable[FindingState]) -> list[tuple[str, str, list[FindingState]]]:
    """Findings grouped by kind in the order of a feedback session (every kind listed)."""
    groups: dict[str, list[FindingState]] = {k.value: [] for k in FindingKind}
    for f in findings:
        groups.setdefault(f.kind, []).append(f)
    return [(k, FINDING_KIND_LABELS.get(FindingKind(k), k) if k in groups else k, fs)
            for k, fs in groups.items()]


def finding_links(state: VisitState, finding: FindingState) -> str:
    """Where a finding comes from, in words: its area and the items it is linked to."""
    if finding.area_key is None:
        return "Whole visit"
    area = state.area(finding.area_key)
    if area is None:
        return "An area no longer in the visit"
    prompts = [area.form.item(i).prompt for i in finding.item_ids if area.form.item(i)]
    if not prompts:
        return area.label
    return f"{area.label}: " + "; ".join(prompts)
