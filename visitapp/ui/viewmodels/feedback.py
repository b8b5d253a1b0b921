"""The feedback screen: curating the findings, the preview of the report and the created PDFs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from visitapp.domain.visit import (
    FindingState,
)
from visitapp.ui.viewmodels.common import (
    HORIZON_CHOICES,
    count_words,
    pathway_label,
)

HORIZON_LABELS = {c.value: c.label for c in HORIZON_CHOICES}


FEEDBACK_GROUPS = (
    ("strength", "What works well", "Add a strength"),
    ("concern", "Areas for improvement", "Add an area for improvement"),
    ("recommendation", "Recommendations", "Add a recommendation"),
    ("support", "Offers of support", "Add an offer of support"),
    ("next_step", "Next steps", "Add a next step"),
)


def finding_details(f: FindingState) -> str:
    """Pathway, quick win or longer term, and owner, in words."""
    parts = [pathway_label(f.pathway)]
    if f.horizon:
        parts.append(HORIZON_LABELS.get(f.horizon, f.horizon))
    if f.kind == "recommendation" and not f.horizon:
        parts.append("Quick win or longer term not chosen")
    if f.owner:
        parts.append(f"Owner: {f.owner}")
    return " · ".join(parts)


def moved(ids: list[str], finding_id: str, step: int) -> list[str]:
    """`ids` with `finding_id` moved one place up (-1) or down (+1); unchanged at an end."""
    out = list(ids)
    i = out.index(finding_id)
    j = i + step
    if 0 <= j < len(out):
        out[i], out[j] = out[j], out[i]
    return out


def feedback_order(groups: dict[str, list[FindingState]], kind: str | None = None,
                   finding_id: str | None = None, step: int = 0) -> list[str]:
    """Every finding id in presentation order, optionally with one moved within its kind."""
    order: list[str] = []
    for k, fs in groups.items():
        ids = [f.id for f in fs]
        if k == kind and finding_id in ids:
            ids = moved(ids, finding_id, step)
        order.extend(ids)
    return order


def preview_lines(model: Any) -> list[tuple[str, str]]:
    """The report's sections, in order, each with what it holds (from a ReportModel)."""
    def n(count: int, word: str) -> str:
        return count_words(count, word)

    cover = model.cover
    lines = [("Cover", f"{cover.system}, {cover.date_text}, {cover.visit_type}; "
                       f"team of {len(cover.team)}"),
             ("Key messages", n(len(model.key_messages.messages), "message") + "; "
                              + n(len(model.key_messages.headline), "headline figure")),
             ("Scope", f"{n(len(model.scope.areas), 'area')} walked; "
                       f"{n(len(model.scope.people_met), 'group')} of people met; "
                       f"{n(len(model.scope.data_reviewed), 'data source')} reviewed"),
             ("What works well", n(len(model.strengths), "strength"))]
    improvements = sum(len(g.findings) for g in model.improvements)
    by_pathway = ", ".join(f"{g.pathway} {len(g.findings)}" for g in model.improvements)
    lines.append(("Areas for improvement", n(improvements, "area") +
                  (f" ({by_pathway})" if by_pathway else "")))
    recs = sum(len(g.recommendations) for g in model.recommendations)
    by_horizon = ", ".join(f"{g.horizon} {len(g.recommendations)}" for g in model.recommendations)
    lines.append(("Recommendations", n(recs, "recommendation") +
                  (f" ({by_horizon})" if by_horizon else "")))
    lines.append(("Offers of support", n(len(model.support), "offer")))
    lines.append(("Next steps", n(len(model.next_steps), "step")))
    lines.append(("Factual accuracy and questions", "how to send corrections"))
    appendices = [f"A Ratings ({n(len(model.rag_grid), 'area')})",
                  "B Data" + (f" ({', '.join(e.title for e in model.extra_appendices)})"
                              if model.extra_appendices else " (none shared)"),
                  f"C Answers ({n(model.answers_count, 'answer')})",
                  f"D Photos ({len(model.photos)})"]
    lines.append(("Appendices", "; ".join(appendices)))
    return lines


def short_hash(sha256: str) -> str:
    return sha256[:12]


def size_text(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n_bytes / 1024))} KB"


def presented_text(number: int, at_london: str, by: str | None, n_bytes: int,
                   sha256: str) -> str:
    who = f" by {by}" if by else ""
    return (f"Version {number}: presented {at_london}{who} · {size_text(n_bytes)} · "
            f"fingerprint {short_hash(sha256)}")


def pdf_file_name(system: str, date: str | None) -> str:
    """A safe download name: feedback-riverside-health-2026-11-27.pdf."""
    words = "".join(c.lower() if c.isalnum() else " " for c in system).split()
    slug = "-".join(words)[:40].strip("-") or "visit"
    return f"feedback-{slug}-{date or 'undated'}.pdf"


def patient_data_problems(problems: Iterable[tuple[str, list[str]]]) -> list[str]:
    """Each place the report guard stopped at, in words."""
    return [f"{where[:1].upper()}{where[1:]}: looks like {'; '.join(reasons)}"
            for where, reasons in problems]
