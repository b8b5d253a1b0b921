"""The collaborative's cycle: events, the system action periods between them, momentum.

The programme runs in cycles: a launch and collaborative events about three months apart,
and between them "system action periods" in which each system takes its action plan
forward. A period starts on the day of an event and runs to the day before the next; the
days before the first event make a period of their own, and so do the days after the last
one (still open). With no events at all there is one open period. So every date, and every
visit by its date, falls in exactly one period.

Momentum is the collaborative's own measure of success: mass × velocity, taken as people
reached (people met on visits, plus the attendees recorded for events and learning
sessions) times interactions (visits, events, learning sessions and action updates).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Gathering:
    """A collaborative event or a learning session: a name, a date, who came."""

    name: str
    day: date
    attendees: int = 0


@dataclass(frozen=True)
class Period:
    """A system action period: `start` and `end` inclusive; None where it is open."""

    index: int
    start: date | None
    end: date | None
    opened_by: str | None  # the event that starts it, None for the days before the first

    def contains(self, day: date) -> bool:
        return ((self.start is None or self.start <= day)
                and (self.end is None or day <= self.end))

    @property
    def label(self) -> str:
        if self.opened_by is None:
            return "Before the first event" if self.end is not None else "The whole programme"
        return f"After {self.opened_by}"


def action_periods(events: Iterable[Gathering]) -> list[Period]:
    """The periods the events divide time into, in order (see the module docstring)."""
    ordered = sorted(events, key=lambda e: (e.day, e.name))
    starts: list[tuple[date, str]] = []
    for event in ordered:
        if starts and starts[-1][0] == event.day:
            # Two events on one day open one period, named after both.
            starts[-1] = (event.day, f"{starts[-1][1]} and {event.name}")
        else:
            starts.append((event.day, event.name))
    if not starts:
        return [Period(0, None, None, None)]
    periods = [Period(0, None, starts[0][0] - timedelta(days=1), None)]
    for n, (start, name) in enumerate(starts):
        end = starts[n + 1][0] - timedelta(days=1) if n + 1 < len(starts) else None
        periods.append(Period(n + 1, start, end, name))
    return periods


def period_of(day: date, periods: Sequence[Period]) -> Period:
    """The one period holding `day` (periods as `action_periods` returns them)."""
    starts = [p.start for p in periods[1:]]
    return periods[bisect_right(starts, day)] if starts else periods[0]


@dataclass(frozen=True)
class Momentum:
    period: Period
    people_reached: int
    interactions: int

    @property
    def momentum(self) -> int:
        return self.people_reached * self.interactions


@dataclass(frozen=True)
class VisitReach:
    """What a visit adds: its date and how many people the team met."""

    day: date
    people_met: int


def momentum_by_period(*, events: Sequence[Gathering], learning: Sequence[Gathering],
                       visits: Sequence[VisitReach], action_updates: Sequence[date]
                       ) -> list[Momentum]:
    """People reached × interactions for each action period, in order."""
    periods = action_periods(events)
    people = [0] * len(periods)
    interactions = [0] * len(periods)
    for gathering in [*events, *learning]:
        n = period_of(gathering.day, periods).index
        people[n] += gathering.attendees
        interactions[n] += 1
    for visit in visits:
        n = period_of(visit.day, periods).index
        people[n] += visit.people_met
        interactions[n] += 1
    for day in action_updates:
        interactions[period_of(day, periods).index] += 1
    return [Momentum(p, people[p.index], interactions[p.index]) for p in periods]
