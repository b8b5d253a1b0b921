from visitapp.domain.timefmt import london


def test_utc_is_shown_in_london_time__gmt_in_winter_bst_in_summer():
    assert london("2026-11-27T14:05:00.000Z") == "27 Nov 2026 14:05"
    assert london("2026-07-01T14:05:00.000Z") == "01 Jul 2026 15:05"
    assert london(None) == ""
