"""Indicators against hand-worked examples, and the CSV contract's bad cases."""

from __future__ import annotations

from datetime import date

import pytest

from visitapp.domain.daily_csv import UnreadableExtract, parse_extract
from visitapp.domain.indicators import (
    DailyRow,
    Definitions,
    compute,
    day_of_week_profile,
    four_hour_by_week,
)


def row(day: str, **counts: int) -> DailyRow:
    return DailyRow(day=date.fromisoformat(day), counts=counts)


def by_id(indicators):
    return {i.id: i for i in indicators}


# A hand-worked week: Mon 2 Nov 2026 to Sun 8 Nov 2026 (no bank holidays).
WEEK = [
    row("2026-11-02", attendances=300, within_4h=270, emergency_admissions=80, discharges=70,
        discharges_before_noon=14, occupied_beds=570, available_beds=600, stranded_7d=120,
        stranded_21d=40, ambulance_handovers_over_30=3, ambulance_handovers_over_60=1,
        delayed_transfer_days=20),
    row("2026-11-03", attendances=310, within_4h=300, emergency_admissions=85, discharges=75,
        discharges_before_noon=20, occupied_beds=580, available_beds=600, stranded_7d=118,
        stranded_21d=38, ambulance_handovers_over_30=1, ambulance_handovers_over_60=0,
        delayed_transfer_days=22),
    row("2026-11-04", attendances=290, within_4h=280, emergency_admissions=78, discharges=80,
        discharges_before_noon=25, occupied_beds=560, available_beds=600),
    row("2026-11-05", attendances=305, within_4h=290, emergency_admissions=82, discharges=85),
    row("2026-11-06", attendances=320, within_4h=300, emergency_admissions=90, discharges=90),
    row("2026-11-07", attendances=250, within_4h=240, emergency_admissions=60, discharges=40),
    row("2026-11-08", attendances=240, within_4h=232, emergency_admissions=55, discharges=35),
]


def test_four_hour_percentage__is_within_over_attendances():
    # (270+300+280+290+300+240+232) / (300+310+290+305+320+250+240) = 1912 / 2015
    assert by_id(compute(WEEK))["four_hour_pct"].value == pytest.approx(94.8883, abs=1e-3)
    assert by_id(compute(WEEK))["four_hour_pct"].rag == "amber"


def test_occupancy__uses_only_days_with_both_bed_counts():
    # (570 + 580 + 560) / (600 * 3) = 1710 / 1800 = 95%
    occupancy = by_id(compute(WEEK))["occupancy_pct"]
    assert occupancy.value == pytest.approx(95.0)
    assert occupancy.rag == "red"


def test_discharges_before_noon__pairs_days_with_both_columns():
    # (14 + 20 + 25) / (70 + 75 + 80) = 59 / 225
    assert by_id(compute(WEEK))["discharges_before_noon_pct"].value == pytest.approx(26.2222, abs=1e-3)


def test_weekend_weekday_ratio__per_day_rates():
    # weekend: (40 + 35) / 2 = 37.5 a day; weekdays: (70+75+80+85+90) / 5 = 80 a day
    ratio = by_id(compute(WEEK))["weekend_weekday_ratio"]
    assert ratio.value == pytest.approx(37.5 / 80, abs=1e-4)
    assert ratio.detail == {"weekend_days": 2, "weekdays": 5, "weekend_discharges_per_day": 37.5,
                            "weekday_discharges_per_day": 80.0}
    assert ratio.rag == "amber"


def test_weekend_ratio__counts_bank_holidays_as_chosen():
    # Mon 25 Aug 2025 is the summer bank holiday in England.
    rows = [row("2025-08-23", discharges=40), row("2025-08-24", discharges=40),
            row("2025-08-25", discharges=40), row("2025-08-26", discharges=100),
            row("2025-08-27", discharges=100)]
    as_weekend = by_id(compute(rows, Definitions(bank_holidays_as_weekend=True)))
    as_weekday = by_id(compute(rows, Definitions(bank_holidays_as_weekend=False)))
    assert as_weekend["weekend_weekday_ratio"].value == pytest.approx(40 / 100)
    assert as_weekday["weekend_weekday_ratio"].value == pytest.approx(40 / 80)
    assert "bank holidays counted as weekend days" in as_weekend["weekend_weekday_ratio"].definition


def test_stranded_means_and_definition_travel_together():
    result = by_id(compute(WEEK, Definitions(stranded="gt7")))
    assert result["stranded_mean"].value == pytest.approx(119.0)
    assert result["super_stranded_mean"].value == pytest.approx(39.0)
    assert "more than 7 days" in result["stranded_mean"].definition


def test_dtoc__is_delayed_days_per_day_over_mean_occupied_beds():
    # DTOC beds = (20 + 22) / 2 = 21; mean occupied = 570 -> 21 / 570 = 3.684%
    dtoc = by_id(compute(WEEK))["dtoc_pct_occupied"]
    assert dtoc.value == pytest.approx(3.6842, abs=1e-3)
    assert dtoc.rag == "amber"


def test_missing_columns__leave_their_indicators_uncomputed():
    result = by_id(compute([row("2026-11-02", attendances=10, within_4h=9)]))
    assert result["four_hour_pct"].value == pytest.approx(90.0)
    assert result["occupancy_pct"].value is None
    assert result["occupancy_pct"].formatted() == "not computed"
    assert result["weekend_weekday_ratio"].value is None


def test_day_of_week_profile__means_by_weekday():
    profile = day_of_week_profile(WEEK + [row("2026-11-09", emergency_admissions=90, discharges=60)])
    assert profile["Mon"] == {"admissions": 85.0, "discharges": 65.0}
    assert profile["Sun"] == {"admissions": 55.0, "discharges": 35.0}


def test_four_hour_by_week__groups_iso_weeks():
    series = four_hour_by_week(WEEK + [row("2026-11-09", attendances=100, within_4h=50)])
    assert series == [("2026-11-02", pytest.approx(94.89, abs=0.01)), ("2026-11-09", 50.0)]


HEADER = "date,attendances,within_4h,discharges"


@pytest.mark.parametrize(("body", "expected"), [
    (f"{HEADER}\nnot-a-date,1,1,1\n", "line 2: date 'not-a-date' is not a date"),
    (f"{HEADER}\n2026-11-02,-4,1,1\n", "line 2: attendances is negative (-4)"),
    (f"{HEADER}\n2026-11-02,10,11,1\n", "line 2: within_4h (11) is above attendances (10)"),
    (f"{HEADER}\n2026-11-02,10,9,1\n02/11/2026,10,9,1\n", "line 3: date 2026-11-02 repeats line 2"),
    (f"{HEADER}\n2026-11-02,ten,9,1\n", "line 2: attendances 'ten' is not a number"),
    (f"{HEADER}\n2026-11-02,10.5,9,1\n", "line 2: attendances '10.5' is not a whole number"),
    (f"{HEADER}\n2026-11-02,10,9,1,7\n", "line 2: 5 cells but 4 columns"),
])
def test_bad_rows__are_skipped_and_named_by_line(body, expected):
    parsed = parse_extract((body + "2026-11-20,5,4,3\n").encode())
    assert "2026-11-20" in [r.day.isoformat() for r in parsed.rows]  # good rows still taken
    assert len(parsed.skipped) == 1
    assert parsed.skipped[0].startswith(expected), parsed.skipped


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_extract__reads_bom_semicolons_and_crlf(encoding, delimiter, newline):
    lines = ["date,attendances,within_4h", "2026-11-02,300,270", "03/11/2026,310,300"]
    text = newline.join(line.replace(",", delimiter) for line in lines) + newline
    parsed = parse_extract(text.encode(encoding))
    assert parsed.skipped == []
    assert [(r.day.isoformat(), r.counts) for r in parsed.rows] == [
        ("2026-11-02", {"attendances": 300, "within_4h": 270}),
        ("2026-11-03", {"attendances": 310, "within_4h": 300})]


def test_extract__notes_unknown_and_missing_columns():
    parsed = parse_extract(b"date,attendances,ward_colour\n2026-11-02,3,blue\n")
    assert parsed.notes[0] == "ignored unknown column(s): ward_colour"
    assert parsed.notes[1].startswith("missing column(s), their indicators are not computed: within_4h")
    assert parsed.rows[0].counts == {"attendances": 3}


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"\xff\xfe\x00d\x00a", "not UTF-8 text"),
    (b"day,attendances\n2026-11-02,3\n", "line 1: no `date` column"),
    (b"date,attendances,attendances\n2026-11-02,3,3\n", "line 1: column(s) repeated: attendances"),
])
def test_unreadable_extract__imports_nothing(data, message):
    with pytest.raises(UnreadableExtract, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_extract(data)
