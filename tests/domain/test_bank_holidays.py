"""England's bank holidays, computed, agree with the `holidays` package year by year."""

from __future__ import annotations

import holidays
import pytest

from visitapp.domain.bank_holidays import england


@pytest.mark.parametrize("year", range(1995, 2041))
def test_england__matches_the_holidays_package(year):
    expected = {d for d, name in holidays.country_holidays("GB", subdiv="ENG",
                                                          years=[year]).items()}
    assert set(england(year)) == expected
