"""`visitapp-office` device and token commands."""

from __future__ import annotations

import sys

import pytest

from sync import cli
from sync.server import store
from sync.server.db import ENV_DATABASE_URL, open_database


def office_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["visitapp-office", *args])
    with pytest.raises(SystemExit) as exit_:
        cli.run()
    out = capsys.readouterr()
    return exit_.value.code or 0, out.out, out.err


def test_device_add__prints_the_token_alone_on_its_last_line(monkeypatch, capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    code, out, err = office_cli(monkeypatch, capsys, "device", "add", "--team", "north",
                                "--name", "Tablet 1", "--database-url", url)
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("vd_") and " " not in token
    engine = open_database(url)
    principal = store.authenticate(engine, token)
    assert (principal.team, principal.name) == ("north", "Tablet 1")
    code, out, _ = office_cli(monkeypatch, capsys, "device", "list", "--database-url", url)
    assert principal.id in out and "north" in out and "never" in out and token not in out
    code, _, _ = office_cli(monkeypatch, capsys, "device", "revoke", principal.id,
                            "--database-url", url)
    assert code == 0
    with pytest.raises(store.Unauthorised, match="revoked"):
        store.authenticate(engine, token)
    _, out, _ = office_cli(monkeypatch, capsys, "device", "list", "--database-url", url)
    assert "revoked" in out
    engine.dispose()


def test_office_token_add__and_the_environment_url(monkeypatch, capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    code, out, _ = office_cli(monkeypatch, capsys, "office-token", "add", "--name", "PMO")
    assert code == 0
    token = out.strip().splitlines()[-1]
    engine = open_database(url)
    assert store.authenticate(engine, token).is_office
    engine.dispose()


def test_revoking_an_unknown_device__is_one_line_and_exit_1(monkeypatch, capsys, tmp_path):
    code, out, err = office_cli(monkeypatch, capsys, "device", "revoke", "nope",
                                "--database-url", f"sqlite:///{tmp_path / 'o.db'}")
    assert code == 1 and err.strip() == "visitapp-office: no device 'nope'"
