"""Bank holidays in England, computed: the rules plus the one-off days since 1999.

Importing the `holidays` package loads every country it knows (about a quarter of a
second here), which `visitapp report` paid on every run for one country's calendar. The
rules are short and fixed by statute and royal proclamation; tests/domain/test_bank_holidays
checks this against the `holidays` package for every year from 1995 to 2040. A future
one-off (a jubilee, say) is added to ONE_OFF when it is proclaimed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

# Proclaimed extra days, and moved ones: (year, what the rule gives) -> the day used.
ONE_OFF = frozenset({
    date(1999, 12, 31),  # Millennium
    date(2002, 6, 3),  # Golden Jubilee (with the spring holiday moved to 4 June)
    date(2011, 4, 29),  # Royal wedding
    date(2012, 6, 5),  # Diamond Jubilee (with the spring holiday moved to 4 June)
    date(2022, 6, 3),  # Platinum Jubilee (with the spring holiday moved to 2 June)
    date(2022, 9, 19),  # State funeral of Queen Elizabeth II
    date(2023, 5, 8),  # Coronation of King Charles III
})
MOVED = {
    date(1995, 5, 1): date(1995, 5, 8),  # VE Day 50: early May moved
    date(2002, 5, 27): date(2002, 6, 4),
    date(2012, 5, 28): date(2012, 6, 4),
    date(2020, 5, 4): date(2020, 5, 8),  # VE Day 75: early May moved
    date(2022, 5, 30): date(2022, 6, 2),
}


def _easter(year: int) -> date:
    """Easter Sunday (Gregorian; the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def _monday(year: int, month: int, last: bool) -> date:
    if last:
        d = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        return d - timedelta(days=d.weekday())
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _substitute(day: date, taken: set[date]) -> date:
    """A holiday on a weekend moves to the next weekday not already a holiday."""
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def england(year: int) -> frozenset[date]:
    easter = _easter(year)
    days = {easter - timedelta(days=2), easter + timedelta(days=1)}
    for rule in (_monday(year, 5, last=False), _monday(year, 5, last=True),
                 _monday(year, 8, last=True)):
        days.add(MOVED.get(rule, rule))
    fixed = (date(year, 1, 1), date(year, 12, 25), date(year, 12, 26))
    taken = set(fixed)  # the day itself counts too, as in the published lists
    for day in fixed:
        if day.weekday() >= 5:
            taken.add(_substitute(day, taken))
    days |= taken
    days |= {d for d in ONE_OFF if d.year == year}
    return frozenset(days)
