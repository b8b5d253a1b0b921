"""What the office sent, on the tablet's screens in Chromium: a follow-up visit's
overview shows the earlier visit's actions with their status, and an area checklist ends
with the library's "Ideas to look for" (screenshots for a look)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sync.server.office_key import OfficeKey
from sync.server.office_ops import Change
from tests.conftest import open_test_services
from tests.services.test_office_data import ED, action, earlier_visit, send
from tests.ui.harness import AppServer, Tab
from visitapp.domain import signing
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("APP_SHOTS", "/tmp"))


def test_follow_up_overview_and_checklist__show_actions_and_ideas(browser, tmp_path):
    db = tmp_path / "tablet.db"
    s = open_test_services(db)
    private = signing.new_private_key()
    key = OfficeKey(private, signing.public_key_of(private))
    earlier, (huddle, lounge, _) = earlier_visit(s)
    send(s, key, action(earlier, huddle, status="done", updated="2027-03-01")
         + action(earlier, lounge, status="blocked", updated="2027-03-20")
         + [Change(PROGRAMME_VISIT_ID, "exemplar", "e-1", k, v) for k, v in {
             "title": "GP referrals straight to SDEC", "area_kind": ED,
             "system": "Fictional North", "contact_role": "SDEC lead nurse"}.items()])
    later = s.visits.create_visit(system="Fictional North", date="2027-05-04",
                                  visit_type="follow_up", follows_visit_id=earlier,
                                  areas=[(ED, "ED")], author="Tester")
    area = s.visits.load(later).areas[0].key
    s.close()
    server = AppServer(db).start()
    tab = Tab(browser, server.url)
    try:
        tab.open(f"visit/{later}")
        assert tab.wait_text("previous-actions-summary",
                             "Since the last visit: 1 of 3 actions done")
        time.sleep(0.8)
        tab.page.screenshot(path=str(SHOTS / "app-follow-up-overview.png"))
        tab.open(f"visit/{later}/area/{area}")
        tab.reveal("ideas-to-look-for")
        assert "Ideas to look for" in tab.text_of("ideas-to-look-for")
        time.sleep(0.8)
        tab.page.screenshot(path=str(SHOTS / "app-checklist-ideas.png"))
        assert tab.unexpected_outside() == []
    finally:
        tab.close()
        server.stop()
