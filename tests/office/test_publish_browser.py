"""The publishing page in Chromium against a real `visitapp-office serve`: an admin
publishes a checklist file (a broken one is refused with its FILE:LINE problems and
nothing published) and schedules a visit for a team; axe-core finds 0 violations in each
state; an analyst cannot open it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from tests.office import site as site_mod
from tests.office import test_web_browser as office_browser
from tests.office.site import ANALYST
from tests.office.test_web_browser import axe_violations, sign_in
from visitapp.domain.form_loading import default_forms_dir

browser = office_browser.browser
page = office_browser.page

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("OFFICE_SHOTS", "/tmp"))
ED_FILE = default_forms_dir() / "emergency_department.yaml"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("office-publish")
    running = site_mod.start(root)
    try:
        site_mod.populate(running, root)  # team north's tablets
        yield running
    finally:
        running.stop()


def _ed_row(tab) -> str:
    return tab.locator('#checklists tr[data-kind="emergency_department"]').inner_text()


def test_admin__publishes_a_checklist_and_a_broken_one_is_refused(page, site, tmp_path):
    sign_in(page)
    page.get_by_role("link", name="Publish").first.click()
    page.wait_for_url("**/publishing")
    assert page.get_by_role("heading", level=1).inner_text() == "Publish to tablets"
    shipped = yaml.safe_load(ED_FILE.read_text())["version"]
    assert _ed_row(page).split("\t")[2:] == [str(shipped), "Shipped with the app"]
    assert axe_violations(page) == []

    broken = tmp_path / "ed-broken.yaml"
    broken.write_text(ED_FILE.read_text().replace("type: yes_no\n", "type: maybe\n", 1))
    page.set_input_files("#forms", str(broken))
    page.get_by_role("button", name="Publish").click()
    problem = page.locator("#forms-error").inner_text()
    assert re.search(r"ed-broken\.yaml:\d+: ", problem), problem
    assert "/tmp" not in problem  # names the file, not where the office kept it
    assert _ed_row(page).endswith("Shipped with the app")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "office-publish-refused.png"), full_page=True)

    data = yaml.safe_load(ED_FILE.read_text())
    data["version"] = shipped + 1
    good = tmp_path / "emergency_department.yaml"
    good.write_text(yaml.safe_dump(data, sort_keys=False))
    page.set_input_files("#forms", str(good))
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/publishing?published=1")
    assert "Published." in page.locator("#done").inner_text()
    assert _ed_row(page).split("\t")[2:] == [str(shipped + 1), "Published by the office"]
    assert axe_violations(page) == []


def test_admin__schedules_a_visit_for_a_team(page, site):
    sign_in(page)
    page.goto("/publishing")
    page.get_by_label("Date").fill("2027-06-08")
    page.get_by_role("button", name="Schedule the visit").click()
    assert "system: name the local health and care system" in \
        page.get_by_role("alert").inner_text()
    assert page.get_by_label("Date").input_value() == "2027-06-08"  # kept
    assert axe_violations(page) == []
    page.get_by_label("System", exact=True).fill("Fictional East")
    page.get_by_label("Emergency Department").check()
    page.get_by_label("Visit type").select_option("exemplar")
    page.get_by_role("button", name="Schedule the visit").click()
    page.wait_for_url("**/publishing?scheduled=*")
    visit_id = page.url.split("scheduled=")[1]
    assert f"Visit {visit_id} scheduled" in page.locator("#done").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "office-publish.png"), full_page=True)
    # The office's own record: the visit is team north's, planned, with its area.
    page.goto(f"/visits/{visit_id}")
    assert "Fictional East" in page.get_by_role("heading", level=1).inner_text()


def test_analyst__cannot_open_the_publishing_page(page, site):
    sign_in(page, email=ANALYST)
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="Publish").count() == 0
    response = page.goto("/publishing")
    assert response is not None and response.status == 403
