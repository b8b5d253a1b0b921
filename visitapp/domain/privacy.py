"""The privacy guard: spot free text that may identify a patient before it is stored.

Peer visit records must hold no patient-identifiable data (Caldicott; domain brief D).
We look for the three things most often typed by mistake: an NHS number (10 digits that
pass the Modulus 11 check, with or without spaces or dashes), a labelled date of birth and
a full UK postcode. About 1 in 11 random 10-digit strings passes the check (phone numbers
too), so the guard warns and asks; it never silently blocks or silently stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NHS_CANDIDATE = re.compile(r"(?<![\d-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d-])")
_DOB = re.compile(
    r"(?:\bdob\b|\bd\.o\.b\b\.?|\bdate of birth\b|\bborn\b)\s*[:\-]?\s*(?:on\s+)?"
    r"(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{2,4})",
    re.IGNORECASE,
)
# Full UK postcode: outward code (A9, A99, A9A, AA9, AA99, AA9A) then inward code (9AA).
_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])\s?[0-9][ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class PiiHit:
    kind: str  # "NHS number", "date of birth", "postcode"
    text: str

    def __str__(self) -> str:
        return f"{self.kind} {self.text!r}"


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check on a 10-digit NHS number (spaces and dashes allowed)."""
    digits = re.sub(r"[ -]", "", digits)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def find_patient_data(text: str | None) -> list[PiiHit]:
    """Everything in `text` that looks like patient-identifiable data."""
    if not text:
        return []
    hits: list[PiiHit] = []
    for m in _NHS_CANDIDATE.finditer(text):
        if nhs_number_is_valid("".join(m.groups())):
            hits.append(PiiHit("NHS number", m.group(0)))
    hits.extend(PiiHit("date of birth", m.group(0)) for m in _DOB.finditer(text))
    hits.extend(PiiHit("postcode", m.group(0)) for m in _POSTCODE.finditer(text))
    return hits


def looks_like_patient_data(text: str | None) -> bool:
    return bool(find_patient_data(text))
