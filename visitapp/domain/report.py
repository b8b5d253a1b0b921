"""The same-day feedback report as plain data, in the running order of the feedback.

`services.report_model` builds a `ReportModel` from a visit; `visitapp.report` draws it.
Nothing here knows about PDF, fonts or the database, so the renderer depends on the
domain alone (tests/test_architecture.py says so).

Running order (domain brief, section C): cover; key messages (with the headline data and,
for a follow-up, what changed); what we did; what works well; areas for improvement by
pathway; recommendations (quick wins and longer term, each with an owner); offers of
support; next steps; factual accuracy and questions. Appendices, always with the same
letters (an empty one says so): A ratings, B data, C answers, D photos.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

REPORT_TITLE = "Same-day feedback"
NO_PID_MARKING = "Contains no patient-identifiable data"
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}
NO_OWNER = "Owner to be agreed"

# The headings, in order. The renderer prints these exact words; tests look for them.
SECTION_TITLES = (
    "Key messages",
    "What we did",
    "What works well",
    "Areas for improvement",
    "Recommendations",
    "Offers of support",
    "Next steps",
    "Factual accuracy and questions",
)
# Fixed letters: a reader told "see Appendix C" finds the answers in every report.
APPENDICES = (("A", "Ratings"), ("B", "Data"), ("C", "Answers"), ("D", "Photos"))
APPENDIX_RAG, APPENDIX_DATA, APPENDIX_ANSWERS, APPENDIX_PHOTOS = (t for _, t in APPENDICES)


def appendix_heading(letter: str) -> str:
    return f"Appendix {letter}: {dict(APPENDICES)[letter]}"


FRAMING = (
    "Thank you for welcoming us today. This is a critical-friend, non-attributable "
    "conversation: what we saw and heard on one day, offered to help the system improve "
    "urgent and emergency care, with no surprises. Nothing here identifies a patient, and "
    "comments from staff are not attributed to anyone."
)
FACTUAL_ACCURACY = (
    "This is what we saw and heard on the day, fed back within the hour. Please tell the "
    "visit lead within five working days about anything that is factually wrong or "
    "missing, and send any questions the same way; the written report that follows will "
    "take them into account. Nothing in it will be attributed to a named member of staff."
)


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

    def spread(self) -> str:
        """ "4 green, 1 amber, 1 red" (always all three, so spreads line up)."""
        return f"{self.green} green, {self.amber} amber, {self.red} red"


@dataclass(frozen=True)
class KeyMessage:
    text: str  # one sentence
    rag: str | None  # the colour it is shown in (None: neutral)
    kind: str  # "change", "critical", "concern", "strength" or "team" (set by the team)


@dataclass(frozen=True)
class HeadlineFigure:
    label: str
    value: str  # rounded so that it never crosses its standard ("0.58", not "0.6")
    standard: str  # in words, short: "95% within 4 hours"
    rag: str | None


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str  # with units
    after: str
    change: str  # "up 2.1 percentage points", "no change"
    verdict: str | None  # "better", "worse", "no change" or None (no direction)


@dataclass(frozen=True)
class FollowUp:
    earlier_date_text: str
    indicators: list[ChangeRow]
    areas: list[ChangeRow]
    problem: str | None = None  # why there is no comparison (the earlier visit is missing)

    @property
    def rows(self) -> list[ChangeRow]:
        return self.indicators + self.areas


@dataclass(frozen=True)
class KeyMessages:
    framing: str
    messages: list[KeyMessage]
    headline: list[HeadlineFigure]
    did: str  # "We visited 4 areas, met 17 people and reviewed 6 data sources."
    set_by_team: bool = False


@dataclass(frozen=True)
class ScopeArea:
    label: str
    kind: str
    answered: int
    visible: int
    overall: str | None
    set_by_team: bool
    counts: RagCounts


@dataclass(frozen=True)
class Scope:
    areas: list[ScopeArea]  # the areas walked: with answers (or marked done)
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
    set_by_team: bool = False
    critical_reds: list[str] = field(default_factory=list)  # critical Red answers, as sentences


@dataclass(frozen=True)
class AnswerRow:
    item_id: str
    prompt: str
    answer: str  # "" when not answered
    rag: str | None  # the rating that counts
    note: str | None
    suggested_rag: str | None = None
    rated_by_team: bool = False
    critical: bool = False


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
    title: str | None = None
    rag_column: int | None = None  # a column of rating words, drawn in colour
    verdict_column: int | None = None  # a column of better/worse words, drawn in colour


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: list[float | None]  # one per category; None where there is no figure


@dataclass(frozen=True)
class ChartSpec:
    """A chart as plain data; `visitapp.report.charts` draws it.

    kind "bars": grouped bars per category; "lines": one line per series over the
    categories. `reference` draws a labelled horizontal line (a standard, e.g. 95%).
    `summary` is the one line in words printed under the chart's heading.
    """

    kind: str
    title: str
    categories: list[str]
    series: list[ChartSeries]
    unit: str = ""
    reference: float | None = None
    reference_label: str | None = None
    summary: str = ""


@dataclass(frozen=True)
class ExtraSection:
    """A block of Appendix B (Data): `services.data_report` fills one."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # after the charts: definitions, sources


@dataclass(frozen=True)
class EarlierAction:
    text: str
    owner: str
    status: str  # not_started | in_progress | done | blocked
    status_label: str
    updated: str  # "4 March 2027", or "not yet updated"


@dataclass(frozen=True)
class EarlierActions:
    """A follow-up's view of the earlier visit's actions, as the office last recorded them."""

    summary: str  # "Since the last visit: 5 of 8 actions done"
    actions: list[EarlierAction]


@dataclass(frozen=True)
class ReportModel:
    meta: ReportMeta
    cover: Cover
    key_messages: KeyMessages
    follow_up: FollowUp | None
    scope: Scope
    strengths: list[FindingEntry]
    improvements: list[PathwayGroup]
    recommendations: list[RecommendationGroup]
    support: list[FindingEntry]
    next_steps: list[FindingEntry]
    factual_accuracy: str
    area_rule: str
    rag_grid: list[RagRow]
    extra_appendices: list[ExtraSection]  # Appendix B's contents
    area_answers: list[AreaAnswers]
    photos: list[Photo]
    earlier_actions: EarlierActions | None = None  # a follow-up visit's

    @property
    def findings_count(self) -> int:
        return (len(self.strengths) + sum(len(g.findings) for g in self.improvements)
                + sum(len(g.recommendations) for g in self.recommendations)
                + len(self.support) + len(self.next_steps))

    @property
    def answers_count(self) -> int:
        return sum(a.answered for a in self.area_answers)
