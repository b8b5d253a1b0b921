"""Photos: pick an image (the camera where the platform offers one), caption it, attach it
to the visit, an area or an item. Stored by the attachment service (SHA-256, metadata
stripped, a report-sized copy kept)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft

from visitapp.domain.visit import AttachmentState
from visitapp.errors import UserError
from visitapp.ui import viewmodels as vm
from visitapp.ui.screens.common import appbar, card, save_from_dialog, view
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    ChoiceGroup,
    PrivacyWarning,
    button,
    heading,
    sem,
    wide,
)


async def attach_photo_flow(app: Any, visit_id: str, area_key: str | None,
                            item_id: str | None, on_done: Callable[[], None]) -> None:
    """Pick a file, then ask for a caption (with the reminder) and store it."""
    picker: ft.FilePicker = app.file_picker
    try:
        files = await picker.pick_files(dialog_title="Choose a photo",
                                        file_type=ft.FilePickerFileType.IMAGE, with_data=True)
    except Exception as err:  # noqa: BLE001 - no picker on this platform
        app.toast(f"Photos cannot be picked here: {err}")
        return
    if not files:
        return
    f = files[0]
    data = f.bytes
    if data is None and f.path:
        data = Path(f.path).read_bytes()
    if not data:
        app.toast("That file could not be read. Try another.")
        return
    CaptionDialog(app, visit_id, data, f.name or "photo", area_key, item_id, on_done).open()
    app.page.update()


class CaptionDialog:
    def __init__(self, app: Any, visit_id: str, data: bytes, name: str, area_key: str | None,
                 item_id: str | None, on_done: Callable[[], None]) -> None:
        self.app, self.visit_id, self.data, self.name = app, visit_id, data, name
        self.area_key, self.item_id, self.on_done = area_key, item_id, on_done
        self.caption = ft.TextField(label="Caption (what it shows, no patient details)",
                                    text_size=BODY, multiline=True, min_lines=1, max_lines=3,
                                    on_change=lambda e: self.warning.hide())
        self.warning = PrivacyWarning("caption-warn", lambda: self._save(confirmed=True))
        self.error = ft.Text("", color=vm.NHS_RED, visible=False)
        self.area_group: ChoiceGroup | None = None
        if item_id is None:
            state = app.services.visits.load(visit_id)
            self.area_group = ChoiceGroup(
                "photo-area", [vm.Choice("", "Whole visit")] + vm.area_choices(state),
                area_key or "", self._pick_area, label="Area")

    def _pick_area(self, value: str) -> None:
        self.area_key = value or None
        assert self.area_group is not None
        self.area_group.show(value)

    def open(self) -> None:
        controls: list[ft.Control] = [
            ft.Container(ft.Row([ft.Icon(ft.Icons.PRIVACY_TIP, color=vm.NHS_TEXT),
                                 ft.Text(vm.PRIVACY_REMINDER, size=BODY, expand=True)]),
                         bgcolor="#FFF4D6", padding=12, border_radius=6),
            ft.Image(src=self.data, height=160, fit=ft.BoxFit.CONTAIN),
            wide(sem("photo-caption", self.caption)), self.warning]
        if self.area_group is not None:
            controls += [ft.Text("Area", size=BODY, weight=ft.FontWeight.W_600),
                         self.area_group]
        controls.append(self.error)
        self.app.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text("Attach photo", color=vm.NHS_DARK_BLUE),
            content=ft.Container(ft.Column(controls, tight=True, spacing=10,
                                           scroll=ft.ScrollMode.AUTO), width=640),
            actions=[button("photo-cancel", "Cancel", lambda e: self.app.page.pop_dialog()),
                     button("photo-save", "Attach photo", lambda e: self._save(),
                            primary=True)]))

    def _save(self, confirmed: bool = False) -> None:
        save_from_dialog(
            self.app,
            lambda: self.app.services.attachments.attach_photo(
                self.visit_id, self.data, name=self.name, caption=self.caption.value,
                area_key=self.area_key, item_id=self.item_id,
                author=self.app.author(self.visit_id), confirmed=confirmed),
            warning=self.warning, error=self.error, not_done="Not attached",
            saved_what="photo", on_done=self.on_done)


class PhotosScreen:
    def __init__(self, app: Any, visit_id: str) -> None:
        self.app = app
        self.visit_id = visit_id
        self.route = f"/visit/{visit_id}/photos"
        self.state = app.services.visits.load(visit_id)
        self.grid = ft.ResponsiveRow(spacing=12, run_spacing=12)
        self.view = view(self.route, appbar(app, "Photos", self.state.title), [
            ft.Row([heading("Photos"),
                    button("add-photo", "Add photo", self._add, icon=ft.Icons.ADD_A_PHOTO,
                           primary=True)],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            ft.Text(vm.PRIVACY_REMINDER, size=BODY),
            ft.ListView(expand=True, controls=[self.grid])])
        self._fill()

    def refresh(self) -> None:
        self.state = self.app.services.visits.load(self.visit_id)
        self._fill()

    def _fill(self) -> None:
        self.grid.controls = [self._tile(a) for a in self.state.attachments] or [
            ft.Text("No photos yet.", size=BODY, color=vm.NHS_MID_GREY)]

    def _where(self, a: AttachmentState) -> str:
        area = self.state.area(a.area_key) if a.area_key else None
        if area is None:
            return "Whole visit"
        item = area.form.item(a.item_id) if a.item_id else None
        return f"{area.label}: {item.prompt}" if item else area.label

    def _tile(self, a: AttachmentState) -> ft.Control:
        blobs = self.app.services.blobs
        sha = a.report_sha256 or a.sha256
        image: ft.Control
        if blobs.has(sha):
            image = ft.Image(src=blobs.read(sha), height=150, fit=ft.BoxFit.COVER,
                             border_radius=6)
        else:
            image = ft.Text("Photo not on this tablet yet", size=SMALL)
        return sem(f"photo-{a.id}", card(ft.Column(spacing=6, controls=[
            image,
            ft.Text(a.caption or "No caption", size=BODY),
            ft.Text(self._where(a), size=SMALL, color=vm.NHS_MID_GREY),
            button(f"photo-delete-{a.id}", "Remove", lambda e, a=a: self._delete(a),
                   icon=ft.Icons.DELETE_OUTLINE, danger=True),
        ])), col={"xs": 12, "sm": 6, "md": 4})

    def _add(self, e: ft.ControlEvent) -> None:
        self.app.page.run_task(attach_photo_flow, self.app, self.visit_id, None, None,
                               self.refresh)

    def _delete(self, a: AttachmentState) -> None:
        try:
            self.app.services.attachments.delete(self.visit_id, a.id,
                                                 author=self.app.author(self.visit_id))
        except UserError as err:
            self.app.problem(err)
            return
        self.app.mark_saved("removal")
        self.refresh()
