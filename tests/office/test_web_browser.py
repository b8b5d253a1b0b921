"""The office in Chromium against a real `visitapp-office serve` with synced tablets:
sign-in and out, the smart list with reasons, system, visit and themes pages, downloads
parsed back, device tokens and missing CSRF tokens refused, axe-core with 0 violations on
every page, keyboard-only use, and nothing fetched from outside 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.office import site as site_mod
from tests.office.site import ADMIN, ANALYST, PASSWORD

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
outside: list[str] = []


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("office-site")
    running = site_mod.start(root)
    try:
        site_mod.populate(running, root)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{CHROMIUM} is missing: the browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
    assert outside == [], f"fetched from outside 127.0.0.1: {outside}"


def _guard(route):
    url = route.request.url
    host = urlparse(url).hostname
    if urlparse(url).scheme in ("data", "blob", "about") or host == "127.0.0.1":
        route.continue_()
    else:
        outside.append(url)
        route.abort()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site.base, accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    context.route("**/*", _guard)
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def sign_in(page, email=ADMIN, password=PASSWORD, go=True):
    if go:
        page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def axe_violations(page) -> list[str]:
    import axe_playwright_python

    script = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
    page.add_script_tag(content=script)
    result = page.evaluate("async () => await axe.run(document)")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. "
            f"{v['nodes'][0]['html'][:120]})" for v in result["violations"]]


def test_signed_out__goes_to_sign_in_and_a_wrong_password_says_so(page, site):
    page.goto("/themes")
    assert urlparse(page.url).path == "/sign-in"
    assert axe_violations(page) == []
    sign_in(page, password="not the password", go=False)
    assert page.get_by_role("alert").inner_text().count("Enter a correct email address") == 1
    assert axe_violations(page) == []
    sign_in(page, go=False)
    assert urlparse(page.url).path == "/themes"  # back where the person was going


def test_smart_list__shows_each_synced_visits_system_with_reasons(page, site):
    sign_in(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Smart list: where to focus"
    rows = page.locator("#smart-list tbody tr")
    names = [r.get_attribute("data-system") for r in rows.all()]
    assert "Fictional Coastal" in names and site.visits["demo_system"] in names
    coastal = page.locator('#smart-list tbody tr[data-system="Fictional Coastal"]')
    reasons = coastal.locator(".office-reasons li").all_inner_texts()
    assert "2 red areas at the last visit" in reasons
    assert any(r.startswith("4-hour 76.49% in 2026-01") for r in reasons)
    demo = page.locator(f'#smart-list tbody tr[data-system="{site.visits["demo_system"]}"]')
    assert "not in the systems register yet" in demo.inner_text()
    assert names.index("Fictional Coastal") < names.index("Fictional South")
    assert axe_violations(page) == []
    page.get_by_label("Region").select_option("South West")
    page.get_by_role("button", name="Show systems").click()
    page.wait_for_url("**region=South+West**")
    shown = [r.get_attribute("data-system") for r in rows.all()]
    assert set(shown) == {"Fictional Coastal", "Fictional South"}
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Show systems").click()
    page.wait_for_url("**sort=name**")
    assert [r.get_attribute("data-system") for r in rows.all()] == sorted(shown)
    page.screenshot(path=str(Path(os.environ.get("OFFICE_SHOTS", "/tmp")) / "office-smart-list.png"),
                    full_page=True)


def test_system_visit_and_themes_pages__open_and_pass_axe(page, site):
    sign_in(page, email=ANALYST)
    page.get_by_role("link", name="Fictional Coastal").first.click()
    page.wait_for_url("**/systems/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Fictional Coastal"
    assert "Monthly 4-hour performance: 76.49% in 2026-01, down from 81.36% in 2025-12" in \
        page.content()
    assert page.locator("svg.office-chart").count() >= 1
    assert axe_violations(page) == []
    page.get_by_role("link", name="2026-03-12").click()
    page.wait_for_url("**/visits/**")
    page.wait_for_load_state()
    assert "Few discharges at weekends" in page.content()
    assert axe_violations(page) == []
    page.goto(f"/visits/{site.visits['demo']}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the presented PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    photos = page.locator("img.nhsuk-image__img")
    assert photos.count() >= 1
    assert photos.first.evaluate("img => img.complete && img.naturalWidth > 0")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Themes").click()
    page.wait_for_url("**/themes")
    themes = page.locator("main").inner_text()
    assert "Weekends: a concern in 2 of 2 systems" in themes, themes[:1500]
    assert page.locator("#ratings-grid").count() == 1
    assert axe_violations(page) == []
    page.goto("/systems")
    assert axe_violations(page) == []
    page.goto("/exports")
    assert axe_violations(page) == []


def test_downloads__parse_back(page, site):
    sign_in(page)
    page.goto("/users")  # the admin's people page
    assert page.get_by_role("heading", level=1).inner_text() == "People"
    assert axe_violations(page) == []
    page.goto("/exports")
    with page.expect_download() as got:
        page.get_by_role("link", name="answers.csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    assert {r["visit_id"] for r in rows} == {site.visits["demo"], site.visits["coastal"]}
    with page.expect_download() as got:
        page.get_by_role("link", name="systems.xlsx").click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    assert got.value.suggested_filename.endswith(".xlsx")
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:2] == ("rank", "system") and len(table) == 4  # header + 3 systems


def test_device_token_and_forms_without_csrf__are_refused(page, site):
    api = page.context.request
    as_tablet = api.get("/", headers={"Authorization": f"Bearer {site.device_token}"},
                        max_redirects=0)
    assert as_tablet.status == 303 and as_tablet.headers["location"].startswith("/sign-in")
    sign_in(page)
    refused = api.post("/systems", form={"name": "Forged system"})
    assert refused.status == 403 and "security token" in refused.text()
    assert "Forged system" not in page.goto("/systems").text()


def test_sign_out__ends_the_session(page, site):
    sign_in(page)
    page.get_by_role("button", name="Sign out").click()
    assert urlparse(page.url).path == "/sign-in"
    page.goto("/")
    assert urlparse(page.url).path == "/sign-in"


def test_keyboard_only__sign_in_and_reach_a_system(page, site):
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    page.keyboard.type(ADMIN)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Fictional Coastal":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/systems/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Fictional Coastal"
    focus = page.evaluate("getComputedStyle(document.activeElement).outlineStyle + "
                          "getComputedStyle(document.activeElement).boxShadow")
    assert focus  # the focused element draws a visible focus style
    json.dumps(focus)
