"""A visit as plain Python: its areas, answers and findings, and the rules over them.

Built by the services from the store; used by the CLI, the screens and the report. The
rules that matter to a visit team live here as methods: what is visible, how far an area
has got, and what its RAG roll-up is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from visitapp.domain.forms import RAG_ORDER, Form, Item


class VisitType(StrEnum):
    DIAGNOSTIC = "diagnostic"
    EXEMPLAR = "exemplar"
    FOLLOW_UP = "follow_up"


VISIT_TYPE_LABELS = {
    VisitType.DIAGNOSTIC: "Diagnostic deep dive",
    VisitType.EXEMPLAR: "Exemplar site visit",
    VisitType.FOLLOW_UP: "Follow-up visit",
}


class VisitStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    FEEDBACK_GIVEN = "feedback_given"
    CLOSED = "closed"


class FindingKind(StrEnum):
    STRENGTH = "strength"
    CONCERN = "concern"
    RECOMMENDATION = "recommendation"
    SUPPORT = "support"  # an offer of support
    NEXT_STEP = "next_step"


FINDING_KIND_LABELS = {
    FindingKind.STRENGTH: "What works well",
    FindingKind.CONCERN: "Area for improvement",
    FindingKind.RECOMMENDATION: "Recommendation",
    FindingKind.SUPPORT: "Offer of support",
    FindingKind.NEXT_STEP: "Next step",
}


class Pathway(StrEnum):
    FRONT_DOOR = "front_door"
    FLOW = "flow"
    DISCHARGE = "discharge"
    OUT_OF_HOSPITAL = "out_of_hospital"
    MENTAL_HEALTH = "mental_health"
    WEEKENDS = "weekends"


PATHWAY_LABELS = {
    Pathway.FRONT_DOOR: "Front door",
    Pathway.FLOW: "Flow",
    Pathway.DISCHARGE: "Discharge",
    Pathway.OUT_OF_HOSPITAL: "Out of hospital",
    Pathway.MENTAL_HEALTH: "Mental health",
    Pathway.WEEKENDS: "Weekends",
}


class Horizon(StrEnum):
    QUICK_WIN = "quick_win"
    LONGER_TERM = "longer_term"


@dataclass(frozen=True)
class TeamMember:
    name: str
    role: str


@dataclass(frozen=True)
class PeopleMet:
    role: str
    count: int


@dataclass
class AnswerState:
    value: Any = None
    note: str | None = None
    note_confirmed: bool = False
    answered_by: str | None = None
    answered_at: str | None = None
    value_confirmed: bool = False  # a free-text answer confirmed as not patient data
    team_rag: str | None = None  # the rating the team set, overriding the suggestion


@dataclass(frozen=True)
class Progress:
    answered: int
    visible: int
    required_missing: int

    @property
    def complete(self) -> bool:
        return self.visible > 0 and self.answered == self.visible


AREA_RULE = (
    "An area is rated Red when any safety-critical item is Red or at least a third of its "
    "rated items are Red; Green when at least two thirds are Green and none is Red; Amber "
    "otherwise. The team can set an area's rating themselves; theirs is shown as the team's."
)


def area_rule(ratings: list[tuple[str, bool]]) -> str | None:
    """The computed rating of an area from its items' (rating, critical) pairs (AREA_RULE).

    The worst single rating would make nearly every area Red; a third Red (or one
    critical Red) is a pattern, two thirds Green with no Red is an area that works.
    """
    rated = len(ratings)
    if not rated:
        return None
    reds = sum(1 for rag, _ in ratings if rag == "red")
    greens = sum(1 for rag, _ in ratings if rag == "green")
    if any(rag == "red" and critical for rag, critical in ratings) or reds * 3 >= rated:
        return "red"
    if reds == 0 and greens * 3 >= rated * 2:
        return "green"
    return "amber"


@dataclass(frozen=True)
class AreaRating:
    """An area's rating: the team's if they set one, else `area_rule` over its items.

    `counts` are counted from each visible item's rating that counts (the team's, else
    the suggestion); `critical_reds` are the critical items rated Red.
    """

    overall: str | None
    counts: dict[str, int]
    set_by_team: bool
    computed: str | None
    critical_reds: tuple[str, ...] = ()


@dataclass
class AreaState:
    key: str
    kind: str
    label: str
    form: Form
    position: int = 0
    answers: dict[str, AnswerState] = field(default_factory=dict)
    done: bool = False  # marked as walked and done by the team
    team_rag: str | None = None  # the area rating the team set, if any

    def values(self) -> dict[str, Any]:
        return {item_id: a.value for item_id, a in self.answers.items() if a.value is not None}

    def visible_items(self) -> list[Item]:
        return self.form.visible_items(self.values())

    def progress(self, visible: list[Item] | None = None) -> Progress:
        """Answered, visible and required-but-missing items; pass `visible_items()` when
        already at hand (show_if is worked out over every item)."""
        values = self.values()
        visible = self.form.visible_items(values) if visible is None else visible
        answered = sum(1 for item in visible if item.id in values)
        missing = sum(1 for item in visible if item.required and item.id not in values)
        return Progress(answered=answered, visible=len(visible), required_missing=missing)

    def suggested_rag(self, item: Item) -> str | None:
        answer = self.answers.get(item.id)
        return item.suggested_rag(answer.value) if answer is not None else None

    def item_rag(self, item: Item) -> str | None:
        """The rating that counts: the team's if they set one, else the suggestion."""
        answer = self.answers.get(item.id)
        if answer is None:
            return None
        return answer.team_rag or item.suggested_rag(answer.value)

    def rag(self, visible: list[Item] | None = None) -> AreaRating:
        counts: Counter[str] = Counter()
        ratings: list[tuple[str, bool]] = []
        critical_reds: list[str] = []
        for item in self.visible_items() if visible is None else visible:
            rating = self.item_rag(item)
            if rating is not None:
                counts[rating] += 1
                ratings.append((rating, item.critical))
                if rating == "red" and item.critical:
                    critical_reds.append(item.id)
        computed = area_rule(ratings)
        return AreaRating(overall=self.team_rag or computed,
                          counts={r: counts[r] for r in RAG_ORDER},
                          set_by_team=self.team_rag is not None, computed=computed,
                          critical_reds=tuple(critical_reds))


@dataclass
class FindingState:
    id: str
    kind: str
    text: str
    pathway: str | None = None
    area_key: str | None = None
    item_ids: list[str] = field(default_factory=list)
    horizon: str | None = None
    owner: str | None = None
    position: int = 0
    text_confirmed: bool = False
    created_by: str | None = None
    created_at: str | None = None


@dataclass
class AttachmentState:
    id: str
    sha256: str
    report_sha256: str | None
    caption: str | None
    area_key: str | None = None
    item_id: str | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    caption_confirmed: bool = False
    created_by: str | None = None
    created_at: str | None = None


ACTION_STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress",
                        "done": "Done", "blocked": "Blocked"}


@dataclass(frozen=True)
class PreviousAction:
    """A recommendation of the visit this one follows, with the status the programme
    office keeps for it (read-only on the tablet)."""

    id: str
    text: str
    owner: str | None
    status: str  # not_started | in_progress | done | blocked
    updated: str | None  # ISO date of the office's latest update, None before any

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS.get(self.status, self.status)


def actions_summary(actions: list[PreviousAction]) -> str | None:
    """"Since the last visit: 5 of 8 actions done", or None with no earlier actions."""
    if not actions:
        return None
    done = sum(1 for a in actions if a.status == "done")
    noun = "action" if len(actions) == 1 else "actions"
    return f"Since the last visit: {done} of {len(actions)} {noun} done"


@dataclass
class VisitState:
    id: str
    system: str | None = None
    trust: str | None = None
    site: str | None = None
    date: str | None = None
    visit_type: str | None = None
    follows_visit_id: str | None = None
    status: str | None = None
    team: list[TeamMember] = field(default_factory=list)
    people_met: list[PeopleMet] = field(default_factory=list)
    data_reviewed: list[str] = field(default_factory=list)
    created_at: str | None = None
    areas: list[AreaState] = field(default_factory=list)  # walk order
    findings: list[FindingState] = field(default_factory=list)
    attachments: list[AttachmentState] = field(default_factory=list)
    previous_actions: list[PreviousAction] = field(default_factory=list)  # of a follow-up

    def area(self, key: str) -> AreaState | None:
        return next((a for a in self.areas if a.key == key), None)

    def progress(self) -> Progress:
        parts = [a.progress() for a in self.areas]
        return Progress(
            answered=sum(p.answered for p in parts),
            visible=sum(p.visible for p in parts),
            required_missing=sum(p.required_missing for p in parts),
        )

    def findings_for_area(self, key: str) -> list[FindingState]:
        return [f for f in self.findings if f.area_key == key]

    @property
    def title(self) -> str:
        return self.system or self.trust or self.site or "Untitled visit"
