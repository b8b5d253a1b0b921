"""Photos: pick an image (the camera where the platform offers one), caption it, attach it
to the visit, an area or an item. Stored by the attachment service (SHA-256, metadata
stripped, a report-sized copy kept)."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.domain.visit import AttachmentState
from visitapp.errors import UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.dialogs import attach_photo_flow
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    button,
    heading,
    sem,
)


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
            ft.Text("No photos yet.", size=BODY, color=theme.NHS_SECONDARY_TEXT)]

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
            ft.Text(self._where(a), size=SMALL, color=theme.NHS_SECONDARY_TEXT),
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
        self.app.offer_undo("Photo removed", lambda: self._restore(a))

    def _restore(self, a: AttachmentState) -> None:
        try:
            self.app.services.attachments.restore(self.visit_id, a.id,
                                                  author=self.app.author(self.visit_id))
        except UserError as err:
            self.app.problem(err)
            return
        self.app.mark_saved("photo")
        self.refresh()
        self.app.page.update()
