"""The feedback sections, one function each, in the running order of the domain brief:
cover; key messages; what we did; what works well; areas for improvement by pathway;
recommendations; offers of support; next steps; factual accuracy and questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from visitapp.domain.report import (
    NO_OWNER,
    SECTION_TITLES,
    EarlierActions,
    FindingEntry,
    ReportModel,
)
from visitapp.report.style import (
    BODY_W,
    LIGHT_GREY,
    MIN_PT,
    NHS_BLUE,
    F,
    Heading,
    P,
    S,
    empty,
    finding_list,
    rag_cmds,
    rag_word,
    table,
    text,
)

VERDICT_RAG = {"better": "green", "worse": "red", "no change": None}


def cover(m: ReportModel) -> list[Flowable]:
    c = m.cover
    out: list[Flowable] = [NextPageTemplate("body"), P(c.system, "cover_system")]
    for org in c.organisations:
        out.append(P(org, "cover_line"))
    out += [Spacer(1, 6), P(f"{c.visit_type}, {c.date_text}", "cover_line"), Spacer(1, 14)]
    if c.team:
        out.append(P("The visit team", "h3"))
        out.append(table([[P(n, "cell_bold"), P(r, "cell")] for n, r in c.team],
                         [BODY_W * 0.4, BODY_W * 0.6], header=False,
                         extra=[("LEFTPADDING", (0, 0), (0, -1), 0)]))
    out.append(Spacer(1, 16))
    box = Table([[P(m.key_messages.framing, "cell")]], colWidths=[BODY_W - 2], hAlign="RIGHT")
    box.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), F, MIN_PT),
                             ("BACKGROUND", (0, 0), (-1, -1), LIGHT_GREY),
                             ("LINEBEFORE", (0, 0), (0, -1), 4, NHS_BLUE),
                             ("LEFTPADDING", (0, 0), (-1, -1), 12),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                             ("TOPPADDING", (0, 0), (-1, -1), 8),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 10)]))
    out.append(box)
    return out


def _chip_rows(rows: list[tuple[str | None, Any]]) -> Table:
    """Rows of (rating, content): the rating as a coloured cell with its word."""
    cells = [[rag_word(rag) or "", content] for rag, content in rows]
    extra: list[tuple[Any, ...]] = [("ALIGN", (0, 0), (0, -1), "CENTER"),
                                    ("LINEBELOW", (0, 0), (-1, -1), 0, LIGHT_GREY)]
    for i, (rag, _) in enumerate(rows):
        extra += rag_cmds(0, i, rag)
    return table(cells, [22 * mm, BODY_W - 22 * mm], header=False, extra=extra)


def key_messages(m: ReportModel) -> list[Flowable]:
    k = m.key_messages
    out: list[Flowable] = [PageBreak(), Heading(SECTION_TITLES[0], 0, "h1")]
    if k.messages:
        rows = [(msg.rag, Paragraph(text(msg.text), S["message"], bulletText=f"{n}."))
                for n, msg in enumerate(k.messages, 1)]
        out.append(_chip_rows(rows))
        if not k.set_by_team:
            out.append(P("Drafted from the visit's ratings and findings, most serious first.",
                         "meta"))
    else:
        out.append(empty("No key messages yet: rate items or record findings first."))
    out.append(P("Headline figures", "h2"))
    if k.headline:
        rows_h: list[list[Any]] = [["Measure", "Value", "Standard", "Rating"]]
        extra: list[tuple[Any, ...]] = []
        for i, h in enumerate(k.headline, 1):
            rows_h.append([P(h.label, "cell"), P(h.value, "cell_bold"), P(h.standard, "cell"),
                           rag_word(h.rag) or "Not rated"])
            extra += rag_cmds(3, i, h.rag)
        out.append(table(rows_h, [BODY_W * 0.4, BODY_W * 0.17, BODY_W * 0.25, BODY_W * 0.18],
                         extra=extra))
    else:
        out.append(empty("No data was shared for this visit."))
    if m.follow_up is not None:
        # Only what moved, here; every measure is in Appendix B.
        moved = [r for r in m.follow_up.rows if r.verdict in ("better", "worse")]
        if moved:
            out += change_table(m.follow_up.earlier_date_text, moved[:8], "h2t")
            out.append(P("Measures that did not change, or have no better direction, are "
                         "in Appendix B.", "meta"))
    if m.earlier_actions is not None:
        out += earlier_actions(m.earlier_actions)
    out.append(Spacer(1, 6))
    out.append(P(k.did, "meta"))
    return out


ACTION_RAG = {"done": "green", "in_progress": "amber", "blocked": "red"}


def earlier_actions(e: EarlierActions) -> list[Flowable]:
    """A follow-up: the earlier visit's actions, with the status the office recorded."""
    head: list[list[Any]] = [["Action", "Owner", "Status", "Last updated"]]
    extra: list[tuple[Any, ...]] = []
    for i, a in enumerate(e.actions, 1):
        head.append([P(a.text, "cell"), P(a.owner, "cell"), a.status_label,
                     P(a.updated, "cell")])
        extra += rag_cmds(2, i, ACTION_RAG.get(a.status))
    widths = [BODY_W * 0.38, BODY_W * 0.21, BODY_W * 0.19, BODY_W * 0.22]
    return [CondPageBreak(40 * mm), P(e.summary, "h2t"),
            P("Status as the programme office last recorded it.", "meta"),
            table(head, widths, extra=extra)]


def change_table(earlier: str, rows: Sequence[Any], style: str) -> list[Flowable]:
    """What changed since the last visit: units, and better or worse in word and colour."""
    head: list[list[Any]] = [["Measure", "Then", "Now", "Change", "Better or worse"]]
    extra: list[tuple[Any, ...]] = []
    for i, r in enumerate(rows, 1):
        head.append([P(r.label, "cell"), P(r.before, "cell"), P(r.after, "cell"),
                     P(r.change, "cell"), (r.verdict or "no direction").capitalize()])
        extra += rag_cmds(4, i, VERDICT_RAG.get(r.verdict or ""))
    widths = [BODY_W * 0.3, BODY_W * 0.14, BODY_W * 0.14, BODY_W * 0.19, BODY_W * 0.23]
    return [CondPageBreak(40 * mm), P(f"Change since our visit on {earlier}", style),
            table(head, widths, extra=extra)]


def scope(m: ReportModel) -> list[Flowable]:
    sc = m.scope
    out: list[Flowable] = [PageBreak(), Heading(SECTION_TITLES[1], 0, "h1"),
                           P(m.key_messages.did), P("Areas we walked", "h2")]
    if sc.areas:
        rows: list[list[Any]] = [["Area", "Answered", "Rating", "Spread"]]
        extra: list[tuple[Any, ...]] = []
        for i, a in enumerate(sc.areas, 1):
            word = rag_word(a.overall) or "Not rated"
            rows.append([[P(a.label, "cell_bold"), P(a.kind, "note")],
                         f"{a.answered} of {a.visible}",
                         word + ("\n(team's)" if a.set_by_team else ""),
                         P(a.counts.spread(), "cell")])
            extra += rag_cmds(2, i, a.overall)
        out.append(table(rows, [BODY_W * 0.43, BODY_W * 0.17, BODY_W * 0.16, BODY_W * 0.24],
                         extra=extra))
        out.append(P(m.area_rule, "meta"))
    else:
        out.append(empty("No areas walked yet."))
    out.append(P("People we met", "h2"))
    if sc.people_met:
        rows = [["Role", "How many"]] + [[P(r, "cell"), str(n)] for r, n in sc.people_met]
        out.append(table(rows, [BODY_W * 0.75, BODY_W * 0.25]))
        out.append(Spacer(1, 4))
        out.append(P("Comments from staff are not attributed to anyone.", "meta"))
    else:
        out.append(empty())
    out.append(P("Data we reviewed", "h2"))
    if sc.data_reviewed:
        out += [Paragraph(text(d), S["item"], bulletText="•") for d in sc.data_reviewed]
    else:
        out.append(empty())
    return out


def strengths(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), Heading(SECTION_TITLES[2], 0, "h1")]
    return out + (finding_list(m.strengths) if m.strengths else [empty()])


def improvements(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), Heading(SECTION_TITLES[3], 0, "h1")]
    if not m.improvements:
        return out + [empty()]
    out.append(P("Grouped by pathway.", "meta"))
    n = 1
    for group in m.improvements:
        out.append(Heading(group.pathway, 1, "h2"))
        out += finding_list(group.findings, start=n, show_pathway=False)
        n += len(group.findings)
    return out


def recommendations(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), Heading(SECTION_TITLES[4], 0, "h1")]
    if not m.recommendations:
        return out + [empty()]
    n = 1
    for group in m.recommendations:
        rows: list[list[Any]] = [["", "Recommendation", "Owner"]]
        for e in group.recommendations:
            cell: list[Flowable] = [P(e.text, "cell")]
            bits = [b for b in (e.pathway, e.area) if b]
            if bits:
                cell.append(P(" · ".join(bits), "note"))
            owner = P(e.owner, "cell_bold") if e.owner else P(NO_OWNER, "note")
            rows.append([f"{n}.", cell, owner])
            n += 1
        grid = table(rows, [12 * mm, BODY_W * 0.66 - 12 * mm, BODY_W * 0.34])
        # The heading travels with the table's first rows (KeepTogether of a short table).
        heading = Heading(group.horizon, 1, "h2t")
        out += ([KeepTogether([heading, grid])] if len(rows) <= 6
                else [CondPageBreak(45 * mm), heading, grid])
    return out


def simple_section(title: str, entries: Sequence[FindingEntry]) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), Heading(title, 0, "h1")]
    return out + (finding_list(entries) if entries else [empty()])


def support(m: ReportModel) -> list[Flowable]:
    return simple_section(SECTION_TITLES[5], m.support)


def next_steps(m: ReportModel) -> list[Flowable]:
    return simple_section(SECTION_TITLES[6], m.next_steps)


def factual_accuracy(m: ReportModel) -> list[Flowable]:
    return [CondPageBreak(50 * mm), Heading(SECTION_TITLES[7], 0, "h1"),
            P(m.factual_accuracy)]
