"""People who sign in to the office pages: accounts, Argon2 passwords, sessions, lockout.

A session is a random token in an HttpOnly cookie; only its SHA-256 is stored (as for
device tokens: 256 random bits need no slow hash), with an expiry and the CSRF token every
form of that session must send back. Five failed sign-ins for one email address within 15
minutes refuse that address for 15 minutes from the fifth, whether or not it has an
account, so the answer never tells anyone which addresses exist. Every time comes from the
clock handed in (`now_ms`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, insert, select, update

from sync.server.auth import hash_token
from sync.server.db import read, write
from sync.server.office import tables as t
from sync.server.store import NotFound, OfficeError

Role = Literal["admin", "analyst"]
ROLES: tuple[Role, ...] = ("admin", "analyst")
MAX_FAILURES = 5
FAILURE_WINDOW_MS = 15 * 60 * 1000
LOCK_MS = 15 * 60 * 1000
SESSION_MS = 8 * 60 * 60 * 1000  # a working day
MIN_PASSWORD = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the address is unknown, so a wrong address costs as long as a
# wrong password and timing does not reveal which addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class SignInRefused(OfficeError):
    status = 401


class Locked(SignInRefused):
    status = 429


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: Role
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    token: str  # only in the cookie; the database holds its hash
    user: User
    csrf_token: str
    expires_ms: int


def _fold(email: str) -> str:
    return email.strip().casefold()


def utc_iso(now_ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def add_user(engine: Engine, *, email: str, name: str, role: str, password: str,
             now_ms: int) -> User:
    email, name = _fold(email), name.strip()
    if not EMAIL.match(email):
        raise OfficeError(f"{email!r} is not an email address")
    if not name:
        raise OfficeError("a user needs a name")
    if role not in ROLES:
        raise OfficeError(f"role must be admin or analyst, not {role!r}")
    if len(password) < MIN_PASSWORD:
        raise OfficeError(f"the password must have at least {MIN_PASSWORD} characters")
    with write(engine) as conn:
        if conn.execute(select(t.users.c.id).where(t.users.c.email == email)).first():
            raise OfficeError(f"there is already a user {email}")
        user_id = conn.execute(insert(t.users).values(
            email=email, name=name, role=role, password_hash=_hasher.hash(password),
            created_at=utc_iso(now_ms))).inserted_primary_key[0]
    return User(int(user_id), email, name, role)  # type: ignore[arg-type]


def list_users(engine: Engine) -> list[User]:
    with read(engine) as conn:
        rows = conn.execute(select(t.users).order_by(t.users.c.email)).all()
    return [User(r.id, r.email, r.name, r.role, r.disabled_at is not None) for r in rows]


def disable_user(engine: Engine, email: str, *, now_ms: int) -> None:
    """Refuse the account from now on and end its sessions."""
    with write(engine) as conn:
        row = conn.execute(select(t.users.c.id).where(t.users.c.email == _fold(email))).first()
        if row is None:
            raise NotFound(f"no user {email}")
        conn.execute(update(t.users).where(t.users.c.id == row.id).values(
            disabled_at=func.coalesce(t.users.c.disabled_at, utc_iso(now_ms))))
        conn.execute(delete(t.sessions).where(t.sessions.c.user_id == row.id))


def sign_in(engine: Engine, email: str, password: str, *, now_ms: int,
            session_ms: int = SESSION_MS) -> Session:
    """A new session, or SignInRefused / Locked with words for the sign-in page."""
    email = _fold(email)
    with write(engine) as conn:
        since = now_ms - FAILURE_WINDOW_MS
        recent = [r[0] for r in conn.execute(
            select(t.sign_in_failures.c.at_ms).where(
                t.sign_in_failures.c.email == email, t.sign_in_failures.c.at_ms > since - LOCK_MS)
            .order_by(t.sign_in_failures.c.at_ms))]
        locked_until = _locked_until(recent, now_ms)
        if locked_until is not None:
            minutes = max(1, -(-(locked_until - now_ms) // 60000))
            raise Locked(f"Too many failed sign-ins for this email address. Try again in "
                         f"{minutes} minute{'s' if minutes != 1 else ''}.")
        row = conn.execute(select(t.users).where(t.users.c.email == email)).first()
        ok = _verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
        if not ok or row.disabled_at is not None:
            conn.execute(insert(t.sign_in_failures).values(email=email, at_ms=now_ms))
            row = None  # refused below, once the failure is committed
    if row is None:
        raise SignInRefused("Enter a correct email address and password.")
    with write(engine) as conn:
        conn.execute(delete(t.sign_in_failures).where(t.sign_in_failures.c.email == email))
        if _hasher.check_needs_rehash(row.password_hash):
            conn.execute(update(t.users).where(t.users.c.id == row.id).values(
                password_hash=_hasher.hash(password)))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now_ms + session_ms
        conn.execute(delete(t.sessions).where(t.sessions.c.expires_ms <= now_ms))
        conn.execute(insert(t.sessions).values(token_hash=hash_token(token), user_id=row.id,
                                               csrf_token=csrf, created_ms=now_ms,
                                               expires_ms=expires))
    return Session(token, User(row.id, row.email, row.name, row.role), csrf, expires)


def _locked_until(failures: list[int], now_ms: int) -> int | None:
    """When a run of MAX_FAILURES failures within the window ends its lock, if it is on."""
    for i in range(len(failures) - MAX_FAILURES + 1):
        first, fifth = failures[i], failures[i + MAX_FAILURES - 1]
        if fifth - first < FAILURE_WINDOW_MS and fifth + LOCK_MS > now_ms:
            return fifth + LOCK_MS
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_for(engine: Engine, token: str | None, *, now_ms: int) -> Session | None:
    """The live session of a cookie, or None (unknown, expired, or its user disabled)."""
    if not token:
        return None
    with read(engine) as conn:
        row = conn.execute(select(t.sessions, t.users.c.email, t.users.c.name, t.users.c.role,
                                  t.users.c.disabled_at)
                           .join(t.users, t.users.c.id == t.sessions.c.user_id)
                           .where(t.sessions.c.token_hash == hash_token(token))).first()
    if row is None or row.expires_ms <= now_ms or row.disabled_at is not None:
        return None
    return Session(token, User(row.user_id, row.email, row.name, row.role), row.csrf_token,
                   row.expires_ms)


def sign_out(engine: Engine, token: str | None) -> None:
    if token:
        with write(engine) as conn:
            conn.execute(delete(t.sessions).where(t.sessions.c.token_hash == hash_token(token)))
