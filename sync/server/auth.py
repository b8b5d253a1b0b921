"""Tokens: made once, shown once, stored only as a hash.

A token is 256 random bits, so a plain SHA-256 of it is enough to store (a slow password
hash protects guessable secrets; nobody guesses 256 bits) and lets the service find the
token's row with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

DEVICE_PREFIX = "vd_"
OFFICE_PREFIX = "vo_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tablet of one team, or the programme office (reads every team)."""

    kind: Literal["device", "office"]
    id: str
    name: str
    team: str | None  # None for the office: it sees every team and writes nothing
    last_seen: str | None = None

    @property
    def is_office(self) -> bool:
        return self.kind == "office"
