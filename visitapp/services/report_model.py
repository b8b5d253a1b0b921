"""The same-day feedback report as plain data, in the running order of the feedback.

`build_report_model` turns a `VisitState` into a `ReportModel`: nothing here knows about
PDF, fonts or reportlab (that is `visitapp.report`). Every piece of text that will be
printed passes the privacy guard on the way in: text a user confirmed passes; anything
else that looks like patient data stops the build with `ReportHasPatientData`, naming
where it is, so no report is written at all.

Running order (domain brief, section C): cover; one-page summary; scope (what we did);
what works well; areas for improvement by pathway; key recommendations (quick wins and
longer term, each with an owner); offers of support; next steps. Appendices: RAG summary
across areas; the data deep dive (filled by a later issue through `extra_appendices`);
each area's answers with RAG and notes; photos with captions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date as date_cls
from pathlib import Path

from visitapp.domain import privacy
from visitapp.domain.forms import AREA_KINDS, RAG_ORDER
from visitapp.domain.values import format_value
from visitapp.domain.visit import (
    FINDING_KIND_LABELS,
    PATHWAY_LABELS,
    VISIT_TYPE_LABELS,
    FindingKind,
    FindingState,
    Horizon,
    Pathway,
    VisitState,
)
from visitapp.errors import UserError

REPORT_TITLE = "Same-day feedback"
NO_PID_MARKING = "Contains no patient-identifiable data"
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}
HORIZON_LABELS = {Horizon.QUICK_WIN: "Quick wins", Horizon.LONGER_TERM: "Longer term"}
UNSET_HORIZON_LABEL = "Not yet classed as quick win or longer term"
OTHER_PATHWAY_LABEL = "Across pathways"
NO_OWNER = "Owner to be agreed"
SUMMARY_ITEMS = 3  # findings of each kind on the one-page summary
SUMMARY_CHARS = 150  # longer findings are shortened on the summary (never elsewhere), so
# that three of each kind (at most two lines each) fit the one-page summary

# The headings, in order. The renderer prints these exact words; tests look for them.
SECTION_TITLES = (
    "Summary",
    "What we did",
    "What works well",
    "Areas for improvement",
    "Key recommendations",
    "Offers of support",
    "Next steps",
)
APPENDIX_RAG = "RAG summary across areas"
APPENDIX_ANSWERS = "Answers by area"
APPENDIX_PHOTOS = "Photos"

FRAMING = (
    "Thank you for welcoming us today. This is a critical-friend, non-attributable "
    "conversation: what we saw and heard on one day, offered to help the system improve "
    "urgent and emergency care, with no surprises. Nothing here identifies a patient, and "
    "comments from staff are not attributed to anyone. Please tell us about anything that "
    "is factually wrong; a written report follows."
)


class ReportHasPatientData(UserError):
    """Some unconfirmed text going into the report looks like patient data.

    `problems` lists every (where, reasons); the message names the first one.
    """

    def __init__(self, problems: list[tuple[str, list[str]]]) -> None:
        self.problems = problems
        where, reasons = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{where} looks like patient data ({'; '.join(reasons)}){more}: no report was "
            "written; remove it, or confirm it is not patient data, then create the report again"
        )


# --- the model ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportMeta:
    title: str  # PDF title
    author: str
    subject: str
    keywords: str
    system: str
    date_text: str  # "27 November 2026"


@dataclass(frozen=True)
class Cover:
    system: str
    organisations: list[str]  # trust, site (those given)
    date_text: str
    visit_type: str
    team: list[tuple[str, str]]  # (name, role)


@dataclass(frozen=True)
class RagCounts:
    green: int = 0
    amber: int = 0
    red: int = 0
    not_rated: int = 0

    @property
    def rated(self) -> int:
        return self.green + self.amber + self.red

    def get(self, rag: str) -> int:
        return int(getattr(self, rag))

    @property
    def worst(self) -> str | None:
        return next((r for r in reversed(RAG_ORDER) if self.get(r)), None)


@dataclass(frozen=True)
class Summary:
    framing: str
    headline: list[str]  # short sentences with the counts
    rag_totals: RagCounts
    strengths: list[str]
    improvements: list[str]
    recommendations: list[str]
    more: dict[str, int]  # kind -> how many more are in the full sections


@dataclass(frozen=True)
class ScopeArea:
    label: str
    kind: str
    answered: int
    visible: int
    worst_rag: str | None


@dataclass(frozen=True)
class Scope:
    areas: list[ScopeArea]
    people_met: list[tuple[str, int]]
    data_reviewed: list[str]
    team: list[tuple[str, str]]


@dataclass(frozen=True)
class FindingEntry:
    id: str
    text: str
    pathway: str | None  # label
    area: str | None  # label
    owner: str | None = None
    horizon: str | None = None  # label


@dataclass(frozen=True)
class PathwayGroup:
    pathway: str  # label
    findings: list[FindingEntry]


@dataclass(frozen=True)
class RecommendationGroup:
    horizon: str  # label
    recommendations: list[FindingEntry]


@dataclass(frozen=True)
class RagRow:
    area: str
    counts: RagCounts
    overall: str | None = None


@dataclass(frozen=True)
class AnswerRow:
    item_id: str
    prompt: str
    answer: str  # "" when not answered
    rag: str | None
    note: str | None


@dataclass(frozen=True)
class AnswerSection:
    title: str
    rows: list[AnswerRow]


@dataclass(frozen=True)
class AreaAnswers:
    area: str
    answered: int
    visible: int
    sections: list[AnswerSection]


@dataclass(frozen=True)
class Photo:
    path: Path | None  # the report copy on this tablet; None when the file is missing
    caption: str
    area: str | None
    width: int | None
    height: int | None


@dataclass(frozen=True)
class DataTable:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: list[float | None]  # one per category; None where there is no figure


@dataclass(frozen=True)
class ChartSpec:
    """A chart as plain data; `visitapp.report.charts` draws it.

    kind "bars": grouped bars per category; "lines": one line per series over the
    categories. `reference` draws a labelled horizontal line (a standard, e.g. 95%).
    """

    kind: str
    title: str
    categories: list[str]
    series: list[ChartSeries]
    unit: str = ""
    reference: float | None = None
    reference_label: str | None = None


@dataclass(frozen=True)
class ExtraSection:
    """A generic appendix block: the data deep dive fills one (`services.data_report`)."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # after the charts: definitions, sources


@dataclass(frozen=True)
class ReportModel:
    meta: ReportMeta
    cover: Cover
    summary: Summary
    scope: Scope
    strengths: list[FindingEntry]
    improvements: list[PathwayGroup]
    recommendations: list[RecommendationGroup]
    support: list[FindingEntry]
    next_steps: list[FindingEntry]
    rag_grid: list[RagRow]
    extra_appendices: list[ExtraSection]
    area_answers: list[AreaAnswers]
    photos: list[Photo]

    @property
    def findings_count(self) -> int:
        return (len(self.strengths) + sum(len(g.findings) for g in self.improvements)
                + sum(len(g.recommendations) for g in self.recommendations)
                + len(self.support) + len(self.next_steps))

    @property
    def answers_count(self) -> int:
        return sum(a.answered for a in self.area_answers)


# --- building it -------------------------------------------------------------------------

class _Guard:
    """Collects every unconfirmed text that looks like patient data."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, list[str]]] = []

    def __call__(self, where: str, text: str | None, confirmed: bool = False) -> str:
        if text and not confirmed:
            hits = privacy.find_patient_data(text)
            if hits:
                self.problems.append((where, [str(h) for h in hits]))
        return text or ""

    def check(self) -> None:
        if self.problems:
            raise ReportHasPatientData(self.problems)


def format_date(iso: str | None) -> str:
    if not iso:
        return "Date not recorded"
    try:
        d = date_cls.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.day} {d.strftime('%B %Y')}"


def _shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",;:.") + "…"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


PhotoPath = Callable[[str], Path | None]


def build_report_model(
    state: VisitState,
    photo_path: PhotoPath | None = None,
    extra_appendices: list[ExtraSection] | None = None,
) -> ReportModel:
    """The report for `state`; `photo_path(sha256)` finds a stored file (None if missing).

    Raises `ReportHasPatientData` (a `UserError`) before anything is rendered when some
    unconfirmed text looks like patient data.
    """
    guard = _Guard()
    system = guard("the system name", state.title)
    trust = guard("the trust name", state.trust)
    site = guard("the site name", state.site)
    team = [(guard(f"the name of team member {i + 1}", m.name),
             guard(f"the role of team member {i + 1}", m.role))
            for i, m in enumerate(state.team)]
    people = [(guard(f"people met, line {i + 1}", p.role), p.count)
              for i, p in enumerate(state.people_met)]
    data_reviewed = [guard(f"data reviewed, line {i + 1}", d)
                     for i, d in enumerate(state.data_reviewed) if d]
    date_text = format_date(state.date)
    visit_type = VISIT_TYPE_LABELS.get(state.visit_type, state.visit_type or "Peer visit")  # type: ignore[call-overload]

    area_labels: dict[str, str] = {}
    scope_areas: list[ScopeArea] = []
    rag_grid: list[RagRow] = []
    area_answers: list[AreaAnswers] = []
    totals = {"green": 0, "amber": 0, "red": 0, "not_rated": 0}
    for area in state.areas:
        label = guard(f"the name of area {area.key}", area.label)
        area_labels[area.key] = label
        values = area.values()
        visible = area.form.visible_items(values)
        visible_ids = {i.id for i in visible}
        counts = {"green": 0, "amber": 0, "red": 0, "not_rated": 0}
        sections: list[AnswerSection] = []
        answered = 0
        for section in area.form.sections:
            rows: list[AnswerRow] = []
            for item in section.items:
                ans = area.answers.get(item.id)
                if item.id not in visible_ids or ans is None:
                    continue  # hidden, or neither answered nor noted
                where = f"area {label!r}, item {item.id}"
                answer_text = ""
                rag = None
                if ans.value is not None:
                    answered += 1
                    answer_text = guard(f"the answer to {where}", format_value(item, ans.value),
                                        ans.value_confirmed)
                    rag = area.item_rag(item)
                    counts[rag or "not_rated"] += 1
                note = guard(f"the note on {where}", ans.note, ans.note_confirmed) or None
                rows.append(AnswerRow(item_id=item.id, prompt=item.prompt, answer=answer_text,
                                      rag=rag, note=note))
            if rows:
                sections.append(AnswerSection(title=section.title, rows=rows))
        rc = RagCounts(**counts)
        for k in totals:
            totals[k] += counts[k]
        scope_areas.append(ScopeArea(label=label, kind=AREA_KINDS.get(area.kind, area.kind),
                                     answered=answered, visible=len(visible),
                                     worst_rag=area.rag().overall))
        rag_grid.append(RagRow(area=label, counts=rc, overall=area.rag().overall))
        if sections:
            area_answers.append(AreaAnswers(area=label, answered=answered,
                                            visible=len(visible), sections=sections))

    entries: dict[str, list[FindingEntry]] = {k.value: [] for k in FindingKind}
    horizons: dict[str | None, list[FindingEntry]] = {}
    by_pathway: dict[str | None, list[FindingEntry]] = {}
    for n, f in enumerate(sorted(state.findings, key=_finding_order)):
        entry = _finding_entry(f, n, area_labels, guard)
        kind = f.kind if f.kind in entries else FindingKind.CONCERN.value
        entries[kind].append(entry)
        if kind == FindingKind.CONCERN:
            by_pathway.setdefault(f.pathway if f.pathway in PATHWAY_LABELS else None,
                                  []).append(entry)
        elif kind == FindingKind.RECOMMENDATION:
            horizons.setdefault(f.horizon if f.horizon in HORIZON_LABELS else None,
                                []).append(entry)
    improvements = [PathwayGroup(PATHWAY_LABELS[p], by_pathway[p.value])
                    for p in Pathway if p.value in by_pathway]
    if None in by_pathway:
        improvements.append(PathwayGroup(OTHER_PATHWAY_LABEL, by_pathway[None]))
    recommendations = [RecommendationGroup(HORIZON_LABELS[h], horizons[h.value])
                       for h in Horizon if h.value in horizons]
    if None in horizons:
        recommendations.append(RecommendationGroup(UNSET_HORIZON_LABEL, horizons[None]))

    photos: list[Photo] = []
    for i, a in enumerate(state.attachments):
        caption = guard(f"the caption of photo {i + 1}", a.caption, a.caption_confirmed)
        path = None
        if photo_path is not None:
            path = photo_path(a.report_sha256 or a.sha256)
        photos.append(Photo(path=path, caption=caption or f"Photo {i + 1}",
                            area=area_labels.get(a.area_key or ""), width=a.width,
                            height=a.height))

    extras = list(extra_appendices or [])
    for x in extras:
        guard(f"the heading of appendix {x.title!r}", x.title)
        for note in x.notes:
            guard(f"appendix {x.title!r}", note)
        for chart in x.charts:
            for label in [chart.title, *chart.categories, *(c.name for c in chart.series)]:
                guard(f"a chart in appendix {x.title!r}", label)
        for p in x.paragraphs:
            guard(f"appendix {x.title!r}", p)
        for t in x.tables:
            for cell in [*t.header, *(c for row in t.rows for c in row)]:
                guard(f"a table in appendix {x.title!r}", cell)

    guard.check()

    rag_totals = RagCounts(**totals)
    strengths = entries[FindingKind.STRENGTH.value]
    concerns = entries[FindingKind.CONCERN.value]
    recs = [e for g in recommendations for e in g.recommendations]
    answered_total = sum(a.answered for a in scope_areas)
    headline = _headline(len(scope_areas), sum(c for _, c in people), len(data_reviewed),
                         answered_total, rag_totals, len(strengths), len(concerns), len(recs))
    summary = Summary(
        framing=FRAMING,
        headline=headline,
        rag_totals=rag_totals,
        strengths=[_shorten(e.text) for e in strengths[:SUMMARY_ITEMS]],
        improvements=[_shorten(e.text) for e in concerns[:SUMMARY_ITEMS]],
        recommendations=[
            _shorten(e.text, SUMMARY_CHARS - min(len(e.owner or ""), 40) - 3)
            + (f" ({_shorten(e.owner, 40)})" if e.owner else "") for e in recs[:SUMMARY_ITEMS]],
        more={"strength": max(0, len(strengths) - SUMMARY_ITEMS),
              "concern": max(0, len(concerns) - SUMMARY_ITEMS),
              "recommendation": max(0, len(recs) - SUMMARY_ITEMS)},
    )
    lead = team[0][0] if team else "Peer visit team"
    meta = ReportMeta(
        title=f"{REPORT_TITLE}: {system}, {date_text}",
        author=lead if not team else f"{lead} and the peer visit team",
        subject=f"{visit_type}: urgent and emergency care peer visit, same-day feedback",
        keywords="urgent and emergency care; peer visit; feedback; " + NO_PID_MARKING,
        system=system,
        date_text=date_text,
    )
    return ReportModel(
        meta=meta,
        cover=Cover(system=system, organisations=[o for o in (trust, site) if o],
                    date_text=date_text, visit_type=visit_type, team=team),
        summary=summary,
        scope=Scope(areas=scope_areas, people_met=people, data_reviewed=data_reviewed,
                    team=team),
        strengths=strengths,
        improvements=improvements,
        recommendations=recommendations,
        support=entries[FindingKind.SUPPORT.value],
        next_steps=entries[FindingKind.NEXT_STEP.value],
        rag_grid=rag_grid,
        extra_appendices=extras,
        area_answers=area_answers,
        photos=photos,
    )


def _headline(areas: int, people: int, data: int, answered: int, rag: RagCounts,
              strengths: int, concerns: int, recs: int) -> list[str]:
    """Three plain sentences with the counts; an empty visit says so instead."""
    did = [part for n, part in (
        (areas, f"visited {_plural(areas, 'area')}"),
        (people, f"met {_plural(people, 'person', 'people')}"),
        (data, f"reviewed {_plural(data, 'data source')}")) if n]
    lines = [("We " + (", ".join(did[:-1]) + " and " + did[-1] if len(did) > 1 else did[0]) + "."
              ) if did else "No areas visited, people met or data reviewed have been recorded."]
    if answered:
        lines.append(f"We recorded {_plural(answered, 'answer')}: {rag.green} rated green, "
                     f"{rag.amber} amber and {rag.red} red.")
    else:
        lines.append("No answers have been recorded.")
    if strengths or concerns or recs:
        lines.append(f"We found {_plural(strengths, 'thing', 'things')} that "
                     f"{'works' if strengths == 1 else 'work'} well and "
                     f"{_plural(concerns, 'area')} for improvement, and make "
                     f"{_plural(recs, 'recommendation')}.")
    else:
        lines.append("No findings have been recorded yet.")
    return lines


def _finding_order(f: FindingState) -> tuple[int, str, str]:
    return (f.position or 0, f.created_at or "", f.id)


def _finding_entry(f: FindingState, n: int, area_labels: dict[str, str],
                   guard: _Guard) -> FindingEntry:
    kind_label = FINDING_KIND_LABELS.get(f.kind, "finding").lower()  # type: ignore[call-overload]
    area = area_labels.get(f.area_key or "")
    where = f"finding {n + 1} ({kind_label}{', area ' + repr(area) if area else ''})"
    text = guard(where, f.text, f.text_confirmed)
    owner = guard(f"the owner of {where}", f.owner) or None
    return FindingEntry(
        id=f.id, text=text,
        pathway=PATHWAY_LABELS.get(f.pathway) if f.pathway else None,  # type: ignore[call-overload]
        area=area,
        owner=owner if f.kind == FindingKind.RECOMMENDATION else None,
        horizon=HORIZON_LABELS.get(f.horizon) if f.horizon else None,  # type: ignore[call-overload]
    )
