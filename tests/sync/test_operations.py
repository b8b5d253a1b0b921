"""Running the office at programme scale: enrol many tablets at once, readiness, access
logs without secrets, and several workers."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from sync.server import store
from sync.server.app import create_app
from sync.server.db import open_database
from sync.server.operations import ACCESS_LOGGER
from tests.office_process import start_office
from tests.sync.asgi import ASGISyncTransport

OFFICE = [sys.executable, "-m", "sync.cli"]


def office_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OFFICE, *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_device_add_many__prints_name_tab_token_per_line_and_nothing_else(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    names = [f"North tablet {n}" for n in range(1, 41)]
    (tmp_path / "names.txt").write_text("\n".join(names[:20]) + "\n\n  " + "\n".join(names[20:])
                                        + "\n", encoding="utf-8")
    done = office_cli("device", "add-many", "--team", "north", "--names",
                      str(tmp_path / "names.txt"), "--database-url", url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == names
    engine = open_database(url)
    for line in lines:
        name, token = line.split("\t")
        principal = store.authenticate(engine, token)
        assert (principal.team, principal.name) == ("north", name)
    assert "40 tablets enrolled for team north" in done.stderr


@pytest.mark.parametrize(("content", "message"), [
    ("\n \n", "no tablet names in it"),
    ("Tablet A\nTablet B\nTablet  A\n", "name 3 ('Tablet A') appears twice"),
])
def test_device_add_many__refuses_a_bad_list_whole_in_one_line(tmp_path: Path, content, message):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    (tmp_path / "names.txt").write_text(content, encoding="utf-8")
    done = office_cli("device", "add-many", "--team", "north", "--names",
                      str(tmp_path / "names.txt"), "--database-url", url)
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
    assert store.list_devices(open_database(url)) == []


def test_ready__is_503_in_words_until_the_schema_is_current(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    bare = create_engine(url)  # never migrated
    with httpx.Client(transport=ASGISyncTransport(create_app(bare)),
                      base_url="http://office") as http:
        answer = http.get("/ready")
        assert answer.status_code == 503
        assert "the database schema is at nothing" in answer.json()["detail"]
        assert http.get("/health").status_code == 200  # liveness stays cheap
    engine = open_database(url)
    with httpx.Client(transport=ASGISyncTransport(create_app(engine)),
                      base_url="http://office") as http:
        assert http.get("/ready").json() == {"status": "ready"}


def test_access_log__one_json_line_a_request__no_token_no_query_no_ids(
        office, caplog: pytest.LogCaptureFixture):
    _, token = office.device("north", "Tablet 1")
    blob = "ab" * 32
    secret_visit = "0f0e0d0c-aaaa-bbbb-cccc-123456789abc"
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        with office.http(token) as http:
            http.get(f"/v1/blobs/{blob}?token={token}")
            http.get("/health?who=me")
            http.get(f"/no/such/{secret_visit}")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 3
    assert lines[0]["path"] == "/v1/blobs/{sha256}" and lines[0]["status"] >= 400
    assert lines[2]["path"] == "(no such page)" and lines[2]["status"] == 404
    assert {tuple(sorted(line)) for line in lines} == {("method", "ms", "path", "status")}
    assert lines[1] == {**lines[1], "method": "GET", "path": "/health", "status": 200}
    text = caplog.text
    assert token not in text and blob not in text and secret_visit not in text
    assert "who=me" not in text


@pytest.mark.slow
def test_serve__with_two_workers__answers_health_ready_and_a_push(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    token = office_cli("device", "add", "--team", "north", "--name", "Tablet 1",
                       "--database-url", url).stdout.strip().splitlines()[-1]
    base, proc = start_office([*OFFICE], url, extra=["--workers", "2"])
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            assert http.get("/ready").json() == {"status": "ready"}
            assert http.get("/health").status_code == 200
            pulled = http.get("/v1/ops", headers={"Authorization": f"Bearer {token}"})
            assert 400 <= pulled.status_code < 500, pulled.text  # answered in words
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                 text=True).stdout.split()
        assert len(workers) >= 2, workers
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
