"""Build the same-day feedback report (`visitapp.domain.report`) from a visit.

`build_report_model` turns a `VisitState` (and the figures the data service computed
once) into a `ReportModel`: nothing here knows about PDF, fonts or reportlab (that is
`visitapp.report`). Every piece of text that will be printed passes the privacy guard on
the way in: text a user confirmed passes; anything else that looks like patient data
stops the build with `ReportHasPatientData`, naming where it is, so no report is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from visitapp.domain import privacy
from visitapp.domain.forms import AREA_KINDS
from visitapp.domain.indicators import Indicator
from visitapp.domain.key_messages import draft_key_messages, headline_figures
from visitapp.domain.report import (
    APPENDIX_ANSWERS,
    APPENDIX_DATA,
    APPENDIX_PHOTOS,
    APPENDIX_RAG,
    FACTUAL_ACCURACY,
    FRAMING,
    NO_OWNER,
    NO_PID_MARKING,
    RAG_WORDS,
    REPORT_TITLE,
    SECTION_TITLES,
    AnswerRow,
    AnswerSection,
    AreaAnswers,
    ChartSeries,
    ChartSpec,
    Cover,
    DataTable,
    EarlierAction,
    EarlierActions,
    ExtraSection,
    FindingEntry,
    FollowUp,
    KeyMessage,
    KeyMessages,
    PathwayGroup,
    Photo,
    RagCounts,
    RagRow,
    RecommendationGroup,
    ReportMeta,
    ReportModel,
    Scope,
    ScopeArea,
)
from visitapp.domain.values import format_value
from visitapp.domain.visit import (
    AREA_RULE,
    FINDING_KIND_LABELS,
    PATHWAY_LABELS,
    VISIT_TYPE_LABELS,
    FindingKind,
    FindingState,
    Horizon,
    Pathway,
    VisitState,
    actions_summary,
)
from visitapp.domain.wording import answer_sentence, format_date, plural
from visitapp.errors import UserError

__all__ = [
    "APPENDIX_ANSWERS", "APPENDIX_DATA", "APPENDIX_PHOTOS", "APPENDIX_RAG", "NO_OWNER",
    "NO_PID_MARKING", "RAG_WORDS", "REPORT_TITLE", "SECTION_TITLES", "ChartSeries",
    "ChartSpec", "DataTable", "ExtraSection", "ReportHasPatientData", "ReportModel",
    "build_report_model", "format_date",
]

HORIZON_LABELS = {Horizon.QUICK_WIN: "Quick wins", Horizon.LONGER_TERM: "Longer term"}
UNSET_HORIZON_LABEL = "Not yet classed as quick win or longer term"
OTHER_PATHWAY_LABEL = "Across pathways"


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


PhotoPath = Callable[[str], Path | None]


def build_report_model(
    state: VisitState,
    photo_path: PhotoPath | None = None,
    extra_appendices: list[ExtraSection] | None = None,
    *,
    indicators: Sequence[Indicator] = (),
    follow_up: FollowUp | None = None,
    team_messages: Sequence[tuple[KeyMessage, bool]] | None = None,
) -> ReportModel:
    """The report for `state`; `photo_path(sha256)` finds a stored file (None if missing).

    `indicators` and `follow_up` are the figures computed once by the data service;
    `team_messages` are the key messages the team set (with whether each was confirmed),
    None to use the draft. Raises `ReportHasPatientData` (a `UserError`) before anything
    is rendered when some unconfirmed text looks like patient data.
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
    for area in state.areas:
        label = guard(f"the name of area {area.key}", area.label)
        area_labels[area.key] = label
        visible = area.visible_items()
        rating = area.rag()
        sections: list[AnswerSection] = []
        answered = not_rated = 0
        for section in area.form.sections:
            rows: list[AnswerRow] = []
            for item in section.items:
                ans = area.answers.get(item.id)
                if item not in visible or ans is None or (ans.value is None and not ans.note):
                    continue  # hidden, or neither answered nor noted
                where = f"area {label!r}, item {item.id}"
                answer_text = ""
                if ans.value is not None:
                    answered += 1
                    answer_text = guard(f"the answer to {where}", format_value(item, ans.value),
                                        ans.value_confirmed)
                rag = area.item_rag(item) if ans.value is not None else None
                not_rated += ans.value is not None and rag is None
                note = guard(f"the note on {where}", ans.note, ans.note_confirmed) or None
                rows.append(AnswerRow(
                    item_id=item.id, prompt=item.prompt, answer=answer_text, rag=rag,
                    note=note, suggested_rag=area.suggested_rag(item),
                    rated_by_team=ans.team_rag is not None and ans.value is not None,
                    critical=item.critical))
            if rows:
                sections.append(AnswerSection(title=section.title, rows=rows))
        counts = RagCounts(**rating.counts, not_rated=not_rated)
        # Walked: answered, or marked done; an area with neither was planned but not visited.
        if answered or area.done:
            scope_areas.append(ScopeArea(
                label=label, kind=AREA_KINDS.get(area.kind, area.kind), answered=answered,
                visible=len(visible), overall=rating.overall, set_by_team=rating.set_by_team,
                counts=counts))
        values = area.values()
        critical = [guard(f"area {label!r}, item {i}", answer_sentence(
            label, area.form.item(i), values[i], "red"),  # type: ignore[arg-type]
            area.answers[i].value_confirmed) for i in rating.critical_reds if i in values]
        rag_grid.append(RagRow(area=label, counts=counts, overall=rating.overall,
                               set_by_team=rating.set_by_team, critical_reds=critical))
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
        _guard_extra(guard, x)

    if team_messages is not None:
        messages = [m for m, _ in team_messages]
        for n, (m, confirmed) in enumerate(team_messages, 1):
            guard(f"key message {n}", m.text, confirmed)
    else:
        messages = draft_key_messages(state, follow_up)
        for n, m in enumerate(messages, 1):
            guard(f"key message {n} (drafted)", m.text)
    guard.check()

    key = KeyMessages(framing=FRAMING, messages=messages,
                      headline=headline_figures(indicators),
                      did=_did(len(scope_areas), sum(c for _, c in people), len(data_reviewed)),
                      set_by_team=team_messages is not None)
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
        key_messages=key,
        follow_up=follow_up,
        scope=Scope(areas=scope_areas, people_met=people, data_reviewed=data_reviewed,
                    team=team),
        strengths=entries[FindingKind.STRENGTH.value],
        improvements=improvements,
        recommendations=recommendations,
        support=entries[FindingKind.SUPPORT.value],
        next_steps=entries[FindingKind.NEXT_STEP.value],
        factual_accuracy=FACTUAL_ACCURACY,
        area_rule=AREA_RULE,
        rag_grid=rag_grid,
        extra_appendices=extras,
        area_answers=area_answers,
        photos=photos,
        earlier_actions=_earlier_actions(state),
    )


def _earlier_actions(state: VisitState) -> EarlierActions | None:
    """The earlier visit's actions with the office's status (a follow-up only)."""
    summary = actions_summary(state.previous_actions)
    if summary is None:
        return None
    return EarlierActions(summary, [
        EarlierAction(a.text, a.owner or NO_OWNER, a.status, a.status_label,
                      format_date(a.updated) if a.updated else "Not yet updated")
        for a in state.previous_actions])


def _guard_extra(guard: _Guard, x: ExtraSection) -> None:
    guard(f"the heading of appendix {x.title!r}", x.title)
    for note in x.notes:
        guard(f"appendix {x.title!r}", note)
    for chart in x.charts:
        for label in [chart.title, chart.summary, *chart.categories,
                      *(c.name for c in chart.series)]:
            guard(f"a chart in appendix {x.title!r}", label)
    for p in x.paragraphs:
        guard(f"appendix {x.title!r}", p)
    for t in x.tables:
        for cell in [t.title or "", *t.header, *(c for row in t.rows for c in row)]:
            guard(f"a table in appendix {x.title!r}", cell)


def _did(areas: int, people: int, data: int) -> str:
    """One sentence of what the team did; an empty visit says so instead."""
    did = [part for n, part in (
        (areas, f"visited {plural(areas, 'area')}"),
        (people, f"met {plural(people, 'person', 'people')}"),
        (data, f"reviewed {plural(data, 'data source')}")) if n]
    if not did:
        return "No areas visited, people met or data reviewed have been recorded."
    return "We " + (", ".join(did[:-1]) + " and " + did[-1] if len(did) > 1 else did[0]) + "."


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
