"""Identifiers made on the device, unique without asking anyone."""

from __future__ import annotations

import re
import secrets
import uuid

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand
SUFFIX_LENGTH = 5


def new_id() -> str:
    return str(uuid.uuid4())


SHORT_KIND = {
    "emergency_department": "ed",
    "acute_medical_unit": "amu",
    "surgical_assessment_unit": "sau",
    "inpatient_ward": "ward",
    "support_services": "support",
    "site_management": "site",
    "discharge_hub": "discharge",
    "out_of_hospital": "ooh",
    "discussion": "discussion",
}


def area_key(kind: str, label: str | None = None) -> str:
    """A short key for an area instance, e.g. `ward-7-medical-k3m9` or `ed-x7q2`.

    The random suffix keeps keys unique when two tablets add the same area offline:
    31**5, about 28.6 million values per slug, so even a hundred tablets adding "Ward 7"
    offline clash with a chance of about 1 in 5,800.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", (label or "").lower()).strip("-")[:16].strip("-")
    if not slug:
        slug = SHORT_KIND.get(kind) or re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")[:16]
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{slug}-{suffix}"
