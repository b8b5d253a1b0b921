"""The capture path behind its one seam (`PhotoSource`), driven with a fake camera: the
no-patient reminder before a visit's first photo, then the caption, then the stored photo."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import flet as ft

from tests.ui.test_screens_build import FakePage
from visitapp.domain.visit import TeamMember
from visitapp.services.app import Services
from visitapp.services.walkthrough import TabletPrefs
from visitapp.ui.dialogs import attach_photo_flow
from visitapp.ui.main import App
from visitapp.ui.photo_sources import CameraSource, FilePickerSource, photo_source_for


class FakeCamera:
    """Stands in for the tablet camera: a real JPEG, and a count of shots."""

    name = "Take a photo"

    def __init__(self) -> None:
        self.shots = 0

    async def take(self, app: Any) -> tuple[bytes, str] | None:
        from PIL import Image

        self.shots += 1
        buf = io.BytesIO()
        Image.new("RGB", (320, 240), (0, 94, 184)).save(buf, "JPEG")
        return buf.getvalue(), "camera.jpg"


def pressed(dialog: ft.AlertDialog, ident: str) -> None:
    """Press the dialog button with this semantics identifier."""
    buttons = [c for a in dialog.actions for c in ([a] if isinstance(a, ft.Semantics) else [])]
    target = next(b for b in buttons if b.identifier == ident)
    target.content.on_click(None)


def test_first_capture__asks_about_patients_first__then_stores_the_photo(
        services: Services, db_path: Path) -> None:
    vid = services.visits.create_visit(
        system="Camera Test System (fictional)", date="2026-11-27", visit_type="diagnostic",
        areas=[("emergency_department", "ED")], team=[TeamMember("Test Lead", "Lead")])
    key = services.visits.load(vid).areas[0].key
    page = FakePage()
    app = App(page, services, TabletPrefs(db_path))  # type: ignore[arg-type]
    camera = FakeCamera()
    app.photo_source = camera

    async def walk() -> None:
        flow = asyncio.create_task(attach_photo_flow(app, vid, key, "ed.handover_within_15",
                                                     lambda: None))
        await asyncio.sleep(0.01)
        reminder = page.dialogs[-1]
        assert "patients" in reminder.content.content.value.lower()
        assert camera.shots == 0  # nothing is taken before the reminder is answered
        pressed(reminder, "reminder-ok")
        await flow
        caption = page.dialogs[-1]
        assert caption.semantics_label == "Attach photo"
        # a second photo of the same visit: no reminder again
        flow = asyncio.create_task(attach_photo_flow(app, vid, key, None, lambda: None))
        await asyncio.sleep(0.01)
        await flow

    asyncio.run(walk())
    assert camera.shots == 2
    assert TabletPrefs(db_path).photo_reminder_seen(vid)
    # caption the first photo and attach it, as the user does: stored against the item
    first = next(d for d in page.dialogs if getattr(d, "semantics_label", "") == "Attach photo")
    find(first.content, "photo-caption").content.value = "Empty ambulance bay"
    pressed(first, "photo-save")
    [photo] = services.visits.load(vid).attachments
    assert (photo.caption, photo.area_key, photo.item_id) == (
        "Empty ambulance bay", key, "ed.handover_within_15")
    assert services.blobs.has(photo.sha256)


def find(control: Any, ident: str) -> Any:
    """The Semantics control with this identifier under `control`."""
    import dataclasses

    stack = [control]
    while stack:
        c = stack.pop()
        if isinstance(c, ft.Semantics) and c.identifier == ident:
            return c
        for f in dataclasses.fields(c):
            v = getattr(c, f.name, None)
            if isinstance(v, ft.Control):
                stack.append(v)
            elif isinstance(v, list):
                stack.extend(x for x in v if isinstance(x, ft.Control))
    raise AssertionError(f"no {ident}")


def test_not_now__takes_no_photo(services: Services, db_path: Path) -> None:
    vid = services.visits.create_visit(
        system="Camera Test System (fictional)", date="2026-11-27", visit_type="diagnostic",
        areas=[("emergency_department", "ED")])
    page = FakePage()
    app = App(page, services, TabletPrefs(db_path))  # type: ignore[arg-type]
    camera = FakeCamera()
    app.photo_source = camera

    async def walk() -> None:
        flow = asyncio.create_task(attach_photo_flow(app, vid, None, None, lambda: None))
        await asyncio.sleep(0.01)
        pressed(page.dialogs[-1], "reminder-cancel")
        await flow

    asyncio.run(walk())
    assert camera.shots == 0 and not TabletPrefs(db_path).photo_reminder_seen(vid)


def test_photo_source__camera_on_a_tablet_build__file_picker_on_the_web() -> None:
    class Page:
        def __init__(self, platform: ft.PagePlatform, web: bool) -> None:
            self.platform, self.web = platform, web

    assert isinstance(photo_source_for(Page(ft.PagePlatform.ANDROID, web=False)), CameraSource)
    assert isinstance(photo_source_for(Page(ft.PagePlatform.IOS, web=False)), CameraSource)
    assert isinstance(photo_source_for(Page(ft.PagePlatform.ANDROID, web=True)),
                      FilePickerSource)
    assert isinstance(photo_source_for(Page(ft.PagePlatform.LINUX, web=False)),
                      FilePickerSource)
