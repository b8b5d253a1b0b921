"""Office accounts: Argon2 passwords, sessions with expiry, lockout after 5 failures."""

from __future__ import annotations

import pytest

from sync.server.db import open_database
from sync.server.office import users

PASSWORD = "correct horse battery"
MIN = 60_000


@pytest.fixture
def engine(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'office.db'}")
    users.add_user(engine, email="Ana@Example.org", name="Ana Analyst", role="analyst",
                   password=PASSWORD, now_ms=0)
    yield engine
    engine.dispose()


def test_password__is_stored_as_argon2_never_plain(engine):
    from sqlalchemy import text

    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM office_users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in__gives_a_session_that_expires_and_ends_on_sign_out(engine):
    session = users.sign_in(engine, "ana@example.org", PASSWORD, now_ms=1000,
                            session_ms=10 * MIN)
    assert session.user.name == "Ana Analyst"
    assert users.session_for(engine, session.token, now_ms=2000).csrf_token == session.csrf_token
    assert users.session_for(engine, session.token, now_ms=1000 + 10 * MIN) is None
    live = users.sign_in(engine, "ana@example.org", PASSWORD, now_ms=5000)
    users.sign_out(engine, live.token)
    assert users.session_for(engine, live.token, now_ms=6000) is None


def test_five_failures_within_15_minutes__lock_the_address_for_15_minutes(engine):
    for n in range(5):
        with pytest.raises(users.SignInRefused, match="correct email address and password"):
            users.sign_in(engine, "ana@example.org", "wrong", now_ms=n * MIN)
    with pytest.raises(users.Locked, match="Try again in 11 minutes"):
        users.sign_in(engine, "ana@example.org", PASSWORD, now_ms=8 * MIN)
    assert users.sign_in(engine, "ana@example.org", PASSWORD, now_ms=19 * MIN + 1)


def test_failures_spread_over_more_than_15_minutes__do_not_lock(engine):
    for n in range(5):
        with pytest.raises(users.SignInRefused):
            users.sign_in(engine, "ana@example.org", "wrong", now_ms=n * 4 * MIN)
    assert users.sign_in(engine, "ana@example.org", PASSWORD, now_ms=17 * MIN)


def test_disabled_user__cannot_sign_in_and_loses_sessions(engine):
    session = users.sign_in(engine, "ana@example.org", PASSWORD, now_ms=0)
    users.disable_user(engine, "ana@example.org", now_ms=1)
    assert users.session_for(engine, session.token, now_ms=2) is None
    with pytest.raises(users.SignInRefused):
        users.sign_in(engine, "ana@example.org", PASSWORD, now_ms=3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"email": "not-an-email"}, "not an email address"),
    ({"role": "owner"}, "role must be admin or analyst"),
    ({"password": "short"}, "at least 12 characters"),
    ({"email": "ana@example.org"}, "already a user"),
])
def test_add_user__refuses_bad_input_with_words(engine, kwargs, message):
    from sync.server.store import OfficeError

    args = {"email": "new@example.org", "name": "New", "role": "analyst",
            "password": PASSWORD, "now_ms": 0, **kwargs}
    with pytest.raises(OfficeError, match=message):
        users.add_user(engine, **args)
