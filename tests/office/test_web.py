"""The office pages in-process (no sockets): sign-in, sessions, CSRF, roles, exports.

The same flows run in Chromium against a real office process in test_web_browser.py.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from sync.server.office import systems, users
from sync.server.web.settings import WebSettings
from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit

PASSWORD = "correct horse battery"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(http, email="ada@example.org", password=PASSWORD):
    token = _csrf(http.get("/sign-in").text)
    return http.post("/sign-in", data={"email": email, "password": password,
                                       "csrf_token": token, "next": "/"})


@pytest.fixture
def people(office):
    users.add_user(office.engine, email="ada@example.org", name="Ada Admin", role="admin",
                   password=PASSWORD, now_ms=0)
    users.add_user(office.engine, email="ali@example.org", name="Ali Analyst", role="analyst",
                   password=PASSWORD, now_ms=0)
    return office


@pytest.fixture
def synced(people, make_tablet):
    tablet = make_tablet()
    vid = create_demo_visit(tablet.services, EXAMPLE_DATE, photos=False)
    tablet.sync()
    return people, vid


def test_signed_out_browser__is_sent_to_sign_in_with_its_page_remembered(people):
    with people.http(None) as http:
        response = http.get("/themes")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/themes"


def test_device_token__never_opens_a_page(people):
    _device, token = people.device()
    with people.http(token) as http:
        for path in ("/", "/themes", "/exports/visits.csv"):
            response = http.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith(
                "/sign-in")


def test_sign_in__sets_a_session_cookie_httponly_lax_and_signs_out(people):
    with people.http(None) as http:
        done = sign_in(http)
        assert done.status_code == 303 and done.headers["location"] == "/"
        cookie = done.headers["set-cookie"].lower()
        assert "office_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie
        home = http.get("/")
        assert home.status_code == 200 and "Smart list: where to focus" in home.text
        out = http.post("/sign-out", data={"csrf_token": _csrf(home.text)})
        assert out.status_code == 303 and out.headers["location"] == "/sign-in"
        assert http.get("/").status_code == 303


def test_https_setting__marks_cookies_secure(office):
    from sync.server.app import create_app
    from tests.sync.asgi import ASGISyncTransport

    users.add_user(office.engine, email="ada@example.org", name="Ada", role="admin",
                   password=PASSWORD, now_ms=0)
    app = create_app(office.engine, now_ms=office.clock)
    app.state.web = type(app.state.web)(engine=office.engine, now_ms=office.clock,
                                        settings=WebSettings(secure_cookies=True))
    import httpx

    with httpx.Client(transport=ASGISyncTransport(app), base_url="https://office.test") as http:
        assert "secure" in sign_in(http).headers["set-cookie"].lower()


def test_wrong_password__says_so_without_saying_which_part(people):
    with people.http(None) as http:
        page = sign_in(http, password="not the password")
    assert page.status_code == 401
    assert "Enter a correct email address and password." in page.text
    assert "office_session" not in page.headers.get("set-cookie", "")


def test_five_wrong_passwords__lock_the_account_for_15_minutes(people):
    with people.http(None) as http:
        for _ in range(5):
            assert sign_in(http, password="nope").status_code == 401
        locked = sign_in(http)
        assert locked.status_code == 429 and "Try again in 15 minutes" in locked.text
        people.clock.offset_ms += 15 * 60 * 1000 + 1000
        assert sign_in(http).status_code == 303


def test_form_without_its_csrf_token__is_refused(people):
    with people.http(None) as http:
        refused = http.post("/sign-in", data={"email": "ada@example.org",
                                              "password": PASSWORD})
        assert refused.status_code == 403 and "security token" in refused.text
        sign_in(http)
        assert http.post("/systems", data={"name": "Fictional"}).status_code == 403
        assert http.post("/sign-out", data={"csrf_token": "forged"}).status_code == 403
        assert http.get("/").status_code == 200  # still signed in
    assert systems.all_systems(people.engine) == []


def test_analyst__reads_and_writes_notes_but_cannot_edit_the_register(synced):
    office, vid = synced
    made = systems.add_system(office.engine, name="Fictional North", now_ms=0)
    with office.http(None) as http:
        sign_in(http, email="ali@example.org")
        page = http.get(f"/systems/{made.id}")
        token = _csrf(page.text)
        assert "Edit this system" not in page.text
        saved = http.post(f"/systems/{made.id}/note", data={"csrf_token": token,
                                                             "note": "Winter plan due"})
        assert saved.status_code == 303
        assert "Winter plan due" in http.get("/").text
        refused = http.post("/systems", data={"csrf_token": token, "name": "Another"})
        assert refused.status_code == 403 and "Only an office admin" in refused.text


def test_admin__adds_a_system_and_the_synced_visit_joins_it_by_name(synced):
    office, vid = synced
    with office.http(None) as http:
        sign_in(http)
        token = _csrf(http.get("/systems").text)
        bad = http.post("/systems", data={"csrf_token": token, "name": "X", "trusts": "r!"})
        assert bad.status_code == 400 and "is not an ODS code" in bad.text
        name = office.count("SELECT COUNT(*) FROM read_visits")  # one visit
        assert name == 1
        made = http.post("/systems", data={
            "csrf_token": token, "name": "riverside health and care partnership (demo)",
            "region": "Fictional region", "trusts": "ZZA ZZB"})
        assert made.status_code == 303
        page = http.get(made.headers["location"])
        assert page.status_code == 200 and f"/visits/{vid}" in page.text
        assert "ZZA, ZZB" in page.text


def test_unknown_pages__are_a_plain_404_page(synced):
    office, _vid = synced
    with office.http(None) as http:
        sign_in(http)
        for path in ("/visits/nope", "/systems/999", "/systems/x", "/exports/nope.csv",
                     "/exports/visits.pdf"):
            page = http.get(path)
            assert page.status_code == 404 and "Page not found" in page.text, path


def test_exports__parse_back_as_csv_and_xlsx_with_one_row_per_answer(synced):
    office, vid = synced
    with office.http(None) as http:
        sign_in(http)
        answers_csv = http.get("/exports/answers.csv")
        answers_xlsx = http.get("/exports/answers.xlsx")
        visits_csv = http.get("/exports/visits.csv")
    rows = list(csv.DictReader(io.StringIO(answers_csv.content.decode("utf-8-sig"))))
    expected = office.count("SELECT COUNT(*) FROM read_answers WHERE value IS NOT NULL")
    assert len(rows) == expected > 50
    assert {r["visit_id"] for r in rows} == {vid}
    assert all(r["prompt"] for r in rows)
    sheet = load_workbook(io.BytesIO(answers_xlsx.content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == list(rows[0].keys()) and len(table) == expected + 1
    assert "attachment" in answers_xlsx.headers["content-disposition"]
    [visit] = list(csv.DictReader(io.StringIO(visits_csv.content.decode("utf-8-sig"))))
    assert visit["visit_id"] == vid


def test_admin__adds_and_disables_people_on_the_people_page(people):
    with people.http(None) as http:
        sign_in(http)
        page = http.get("/users")
        assert page.status_code == 200 and "Ali Analyst" in page.text
        token = _csrf(page.text)
        short = http.post("/users", data={"csrf_token": token, "email": "new@example.org",
                                          "name": "New", "role": "analyst", "password": "x"})
        assert short.status_code == 400 and "at least 12 characters" in short.text
        added = http.post("/users", data={"csrf_token": token, "email": "new@example.org",
                                          "name": "New Person", "role": "analyst",
                                          "password": PASSWORD})
        assert added.status_code == 303
        assert http.post("/users/disable", data={"csrf_token": token,
                                                 "email": "ali@example.org"}).status_code == 303
    assert {u.email: u.disabled for u in users.list_users(people.engine)} == {
        "ada@example.org": False, "ali@example.org": True, "new@example.org": False}
    with people.http(None) as http:
        assert sign_in(http, email="ali@example.org").status_code == 401
        sign_in(http, email="new@example.org")
        assert http.get("/users").status_code == 403  # an analyst
