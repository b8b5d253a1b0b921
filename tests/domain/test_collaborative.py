from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from visitapp.domain.collaborative import (
    Gathering,
    VisitReach,
    action_periods,
    momentum_by_period,
    period_of,
)

LAUNCH = Gathering("Launch", date(2027, 1, 12), 120)
SECOND = Gathering("Collaborative event 2", date(2027, 4, 13), 95)


def test_periods__with_no_events__are_one_open_period():
    (only,) = action_periods([])
    assert (only.start, only.end, only.label) == (None, None, "The whole programme")
    assert period_of(date(1999, 1, 1), [only]) is only


def test_periods__run_from_each_event_to_the_day_before_the_next():
    before, first, last = action_periods([SECOND, LAUNCH])
    assert (before.start, before.end, before.label) == (None, date(2027, 1, 11),
                                                         "Before the first event")
    assert (first.start, first.end, first.label) == (date(2027, 1, 12), date(2027, 4, 12),
                                                      "After Launch")
    assert (last.start, last.end) == (date(2027, 4, 13), None)
    periods = [before, first, last]
    assert period_of(date(2027, 1, 11), periods) is before
    assert period_of(date(2027, 1, 12), periods) is first
    assert period_of(date(2027, 4, 12), periods) is first
    assert period_of(date(2027, 4, 13), periods) is last


def test_periods__two_events_on_one_day_open_one_period():
    periods = action_periods([LAUNCH, Gathering("Regional launch", LAUNCH.day)])
    assert len(periods) == 2
    assert periods[1].opened_by == "Launch and Regional launch"


@given(st.lists(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), max_size=8),
       st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 1, 1)))
def test_periods__every_date_falls_in_exactly_one(event_days, day):
    periods = action_periods([Gathering(f"E{n}", d) for n, d in enumerate(event_days)])
    holding = [p for p in periods if p.contains(day)]
    assert holding == [period_of(day, periods)]
    for a, b in zip(periods, periods[1:], strict=False):
        assert a.end + timedelta(days=1) == b.start  # no gap, no overlap


def test_momentum__is_people_reached_times_interactions_per_period__worked_by_hand():
    result = momentum_by_period(
        events=[LAUNCH, SECOND],
        learning=[Gathering("Weekend discharge webinar", date(2027, 2, 3), 40)],
        visits=[VisitReach(date(2027, 1, 5), 17),   # before the launch
                VisitReach(date(2027, 2, 9), 21), VisitReach(date(2027, 3, 30), 12)],
        action_updates=[date(2027, 2, 20), date(2027, 3, 1), date(2027, 4, 20)])
    before, first, last = result
    # Before: one visit meeting 17 people: 17 x 1.
    assert (before.people_reached, before.interactions, before.momentum) == (17, 1, 17)
    # After the launch: launch 120 + webinar 40 + visits 21 + 12 = 193 people;
    # launch, webinar, two visits, two action updates = 6 interactions.
    assert (first.people_reached, first.interactions, first.momentum) == (193, 6, 1158)
    # After event 2: its 95 attendees; the event and one update.
    assert (last.people_reached, last.interactions, last.momentum) == (95, 2, 190)
