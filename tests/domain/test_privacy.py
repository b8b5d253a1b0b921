"""The privacy guard catches NHS numbers, labelled dates of birth and postcodes, and
leaves ordinary visit notes alone."""

from __future__ import annotations

import pytest

from visitapp.domain.privacy import find_patient_data, nhs_number_is_valid


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919"])
def test_nhs_number__valid_check_digit_is_caught(number):
    assert nhs_number_is_valid(number)
    hits = find_patient_data(f"seen in bay 4, {number}, awaiting bed")
    assert [h.kind for h in hits] == ["NHS number"]


@pytest.mark.parametrize("number", ["943 476 5918", "9434765910", "123 456 7890"])
def test_nhs_number__invalid_check_digit_is_not_flagged(number):
    assert not nhs_number_is_valid(number)
    assert find_patient_data(f"reference {number}") == []


def test_nhs_number__check_digit_of_ten_is_never_valid():
    # 100000010: 10*1 + 3*1 = 13 -> 13 % 11 = 2 -> 11 - 2 = 9; 100000100: 10 + 4 = 14 -> 8;
    # 100000001: 10 + 2 = 12 -> 1 -> check 10, which is never issued.
    assert not any(nhs_number_is_valid(f"100000001{d}") for d in range(10))


def test_nhs_number__inside_a_longer_number_is_not_flagged():
    assert find_patient_data("batch 194347659190") == []


@pytest.mark.parametrize("text", ["DOB 12/03/1941", "d.o.b. 1941-03-12", "born 3 March 1950",
                                  "Date of birth: 03.12.41"])
def test_labelled_date_of_birth__is_caught(text):
    assert [h.kind for h in find_patient_data(text)] == ["date of birth"]


@pytest.mark.parametrize("text", ["SW1A 1AA", "sw1a1aa", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT"])
def test_full_postcode__is_caught(text):
    assert [h.kind for h in find_patient_data(f"lives at {text}")] == ["postcode"]


@pytest.mark.parametrize("text", [
    "80s, LOS 34 d, awaiting pathway 3",
    "Board round at 10:00 on 12/03/2026 with 14 patients",
    "Ward 7 had 3 stranded patients; 2 over 21 days",
    "Handover 45 min; call 020 7946 0000 for the site team",
    "SW1A is the outward code only",
    "",
])
def test_ordinary_visit_notes__are_not_flagged(text):
    assert find_patient_data(text) == []
