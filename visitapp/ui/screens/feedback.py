"""Same-day feedback: edit and order the key messages (ui.key_messages), curate
strengths, areas for improvement, recommendations, offers of support and next steps;
preview the report; create the PDF; mark it as presented.

The findings are the ones flagged during the walk-through (they are findings already);
drafts suggested from red and green answers can be accepted as findings. Every change
goes through the visit services, so it is an op and syncs. The report is built and the
PDF written on a worker thread, so the screen (and every other tablet session) never
waits on it.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flet as ft

from visitapp.domain.timefmt import london
from visitapp.domain.visit import FindingState
from visitapp.errors import NotFound, PatientDataWarning, UserError
from visitapp.services import feedback as fb
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.dialogs import FindingDialog, confirm_delete_finding
from visitapp.ui.key_messages import KeyMessagesPanel
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.widgets import BODY, SMALL, TOUCH, button, heading, sem


@dataclass
class CreatedPdf:
    data: bytes
    sha256: str
    summary: str
    at: str  # HH:MM
    signature: str  # of the report model it was made from
    file_name: str


def model_signature(model: Any) -> str:
    """A fingerprint of what the report says (changes whenever its content does)."""
    return hashlib.sha256(repr(model).encode("utf-8")).hexdigest()


def make_pdf(services: Any, visit_id: str, by: str | None = None) -> tuple[bytes, str, str]:
    """Write the feedback PDF (on a worker thread): (bytes, summary, model signature).

    Raises `ReportHasPatientData` before any file is written. The PDF is kept with the
    visit (`keep_created_report`), so it survives a restart and syncs.
    """
    signature = model_signature(fb.build_report(services, visit_id))
    with tempfile.TemporaryDirectory(prefix="visitapp-pdf-") as tmp:
        path = Path(tmp) / "feedback.pdf"
        summary = fb.write_report_pdf(services, visit_id, path)
        data = path.read_bytes()
    fb.keep_created_report(services, visit_id, data, by=by)
    return data, summary, signature


def padded(content: ft.Control, padding: Any) -> ft.Container:
    box = card(content)
    box.padding = padding
    return box


class FeedbackScreen:
    def __init__(self, app: Any, visit_id: str) -> None:
        self.app = app
        self.visit_id = visit_id
        self.route = f"/visit/{visit_id}/feedback"
        self.state = app.services.visits.load(visit_id)
        self.pdf: CreatedPdf | None = None
        self.signature: str | None = None  # of the report as it stands now
        self.busy = False
        self.presented: set[str] = set()

        self.problem_text = ft.Text("", size=BODY, color=theme.NHS_TEXT)
        self.problem_list = ft.Column(spacing=4)
        self.problem = ft.Container(
            visible=False, bgcolor="#FDECEA", padding=12, border_radius=6,
            border=ft.Border.all(2, theme.NHS_RED),
            content=ft.Column(spacing=8, controls=[
                ft.Row([ft.Icon(ft.Icons.ERROR_OUTLINE, color=theme.NHS_RED),
                        ft.Text("The report cannot be made yet", size=BODY,
                                weight=ft.FontWeight.BOLD, color=theme.NHS_TEXT)]),
                sem("report-problem", ft.Column(spacing=6, controls=[
                    self.problem_text, self.problem_list])),
            ]))
        self.pdf_text = ft.Text("No PDF created yet on this screen.", size=BODY)
        self.create_btn = button("create-pdf", "Create PDF", self._create_pdf,
                                 icon=ft.Icons.PICTURE_AS_PDF, primary=True)
        self.present_btn = button("mark-presented", "Mark as presented", self._present,
                                  icon=ft.Icons.CO_PRESENT)
        self.present_hint = ft.Text("", size=SMALL, color=theme.NHS_SECONDARY_TEXT)
        self.versions = ft.Column(spacing=6)
        self.preview = ft.Column(spacing=6, controls=[
            ft.Text("Working out the report…", size=BODY, color=theme.NHS_SECONDARY_TEXT)])
        self.suggestions = ft.Column(spacing=8)
        self.groups = ft.Column(spacing=10)
        self.key_messages = KeyMessagesPanel(app, visit_id, on_changed=self._changed)

        actions = card(ft.Column(spacing=10, controls=[
            heading("The feedback PDF", 19),
            ft.Row(wrap=True, spacing=10, run_spacing=10,
                   controls=[self.create_btn, self.present_btn]),
            sem("pdf-status", self.pdf_text), self.present_hint,
            self.problem,
            heading("Presented versions", 17),
            sem("presented-versions", self.versions),
        ]))
        preview = card(ft.Column(spacing=8, controls=[
            heading("Preview: what the report will hold", 19),
            sem("report-preview", self.preview)]))
        self.list = ft.ListView(expand=True, spacing=14, padding=ft.Padding.only(bottom=24),
                                controls=[actions, preview, self.key_messages.control,
                                          self.groups, self.suggestions])
        self.view = view(self.route, appbar(app, "Feedback", self.state.title), [self.list])
        self._fill()
        self._show_pdf()
        self._show_versions()

    # --- life cycle --------------------------------------------------------------------

    def refresh(self) -> None:
        self.state = self.app.services.visits.load(self.visit_id)
        self._fill()
        self.key_messages.refresh()  # a drafted list follows the findings
        self._show_versions()

    def after_show(self) -> None:
        self.app.page.run_task(self._update_preview)

    def _changed(self) -> None:
        """After any edit: reload, and work the preview out again in the background."""
        self.refresh()
        self.app.mark_saved("feedback")
        self.app.page.run_task(self._update_preview)

    # --- the findings ------------------------------------------------------------------

    def _fill(self) -> None:
        groups = fb.feedback_findings(self.state)
        self._groups = groups
        controls: list[ft.Control] = []
        for kind, title, add_text in vm.FEEDBACK_GROUPS:
            findings = groups.get(kind, [])
            controls.append(ft.Row(
                [heading(f"{title} ({len(findings)})", 19, ident=f"fb-group-{kind}"),
                 button(f"fb-add-{kind}", add_text, lambda e, k=kind: self._add(k),
                        icon=ft.Icons.ADD)],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN, wrap=True))
            if not findings:
                controls.append(ft.Text("None yet.", size=BODY, color=theme.NHS_SECONDARY_TEXT))
            for i, f in enumerate(findings):
                controls.append(self._card(f, i, len(findings)))
        self.groups.controls = controls
        self._fill_suggestions()

    def _card(self, f: FindingState, index: int, count: int) -> ft.Control:
        def arrow(ident: str, icon: Any, label: str, step: int, disabled: bool) -> ft.Control:
            btn = ft.IconButton(icon=ft.Icon(icon, size=26, color=theme.NHS_BLUE,
                                             semantics_label=label),
                                width=TOUCH, height=TOUCH, disabled=disabled,
                                on_click=lambda e: self._move(f, step))
            return ft.Semantics(identifier=ident, label=label, container=True, content=btn)

        return sem(f"fb-{f.id}", padded(ft.Row(spacing=8, controls=[
            ft.Column(spacing=0, controls=[
                arrow(f"up-{f.id}", ft.Icons.ARROW_UPWARD, "Move up", -1, index == 0),
                arrow(f"down-{f.id}", ft.Icons.ARROW_DOWNWARD, "Move down", 1,
                      index == count - 1)]),
            ft.Column(spacing=6, expand=True, controls=[
                sem(f"fb-text-{f.id}", ft.Text(f"{index + 1}. {f.text}", size=BODY,
                                               color=theme.NHS_TEXT)),
                ft.Text(vm.finding_details(f), size=SMALL, color=theme.NHS_DARK_BLUE),
                ft.Text(vm.finding_links(self.state, f), size=SMALL, color=theme.NHS_SECONDARY_TEXT),
                ft.Row(spacing=8, controls=[
                    button(f"fb-edit-{f.id}", "Edit", lambda e: self._edit(f),
                           icon=ft.Icons.EDIT),
                    button(f"fb-delete-{f.id}", "Delete", lambda e: self._delete(f),
                           icon=ft.Icons.DELETE_OUTLINE, danger=True)]),
            ]),
        ]), ft.Padding.only(left=6, top=10, right=14, bottom=10)))

    def _fill_suggestions(self) -> None:
        drafts = fb.suggested_findings(self.state)
        self._drafts = drafts
        controls: list[ft.Control] = [
            heading(f"Suggested from the checklist ({len(drafts)})", 19, ident="fb-suggested"),
            ft.Text("Red answers as areas for improvement and green ratings as what works "
                    "well. Add the ones the team agrees with; edit them afterwards.",
                    size=SMALL, color=theme.NHS_SECONDARY_TEXT)]
        if not drafts:
            controls.append(ft.Text("Nothing more to suggest.", size=BODY,
                                    color=theme.NHS_SECONDARY_TEXT))
        for n, d in enumerate(drafts):
            rag = vm.RAG_BY_VALUE[d.rag]
            controls.append(sem(f"suggest-{n}", padded(ft.Row(spacing=10, controls=[
                ft.Container(ft.Text(rag.label, size=SMALL, color=rag.on_colour,
                                     weight=ft.FontWeight.BOLD),
                             bgcolor=rag.colour, border_radius=12,
                             padding=ft.Padding.symmetric(horizontal=10, vertical=4)),
                ft.Column(spacing=2, expand=True, controls=[
                    ft.Text(d.text, size=BODY),
                    ft.Text(f"As: {vm.finding_kind_label(d.kind)} · "
                            f"{vm.pathway_label(d.pathway)}", size=SMALL,
                            color=theme.NHS_SECONDARY_TEXT)]),
                button(f"suggest-add-{n}", "Add", lambda e, d=d: self._accept(d),
                       icon=ft.Icons.ADD),
            ]), 10)))
        self.suggestions.controls = controls

    def _author(self) -> str | None:
        return self.app.author(self.visit_id)

    def _add(self, kind: str) -> None:
        FindingDialog(self.app, self.visit_id, self.state, on_saved=self._changed,
                      kind=kind).open()

    def _edit(self, f: FindingState) -> None:
        FindingDialog(self.app, self.visit_id, self.state, on_saved=self._changed,
                      finding=f).open()

    def _accept(self, d: fb.SuggestedFinding) -> None:
        try:
            self.app.services.visits.add_finding(
                self.visit_id, kind=d.kind, text=d.text, pathway=d.pathway,
                area_key=d.area_key, item_ids=d.item_ids, author=self._author())
        except PatientDataWarning:  # let the person see and decide, in the dialog
            FindingDialog(self.app, self.visit_id, self.state, on_saved=self._changed,
                          kind=d.kind, text=d.text, pathway=d.pathway, area_key=d.area_key,
                          item_ids=d.item_ids).open()
            return
        except UserError as err:
            self.app.problem(err)
            return
        self._changed()

    def _move(self, f: FindingState, step: int) -> None:
        order = vm.feedback_order(self._groups, f.kind, f.id, step)
        try:
            fb.reorder_findings(self.app.services, self.visit_id, order, author=self._author())
        except UserError as err:
            self.app.problem(err)
            return
        self._changed()

    def _delete(self, f: FindingState) -> None:
        confirm_delete_finding(self.app, self.visit_id, f, on_deleted=self._changed)

    # --- preview, PDF and presenting ---------------------------------------------------

    async def _update_preview(self) -> None:
        services, vid = self.app.services, self.visit_id
        try:
            model = await asyncio.to_thread(fb.build_report, services, vid)
        except fb.ReportHasPatientData as err:
            self.signature = None
            self._show_problem(err)
            self.preview.controls = [ft.Text(
                "No preview until the text above is fixed or confirmed.", size=BODY,
                color=theme.NHS_SECONDARY_TEXT)]
        except UserError as err:
            self.preview.controls = [ft.Text(f"No preview: {err}", size=BODY)]
        else:
            self.signature = model_signature(model)
            self.problem.visible = False
            self.preview.controls = [
                ft.Row(spacing=10, vertical_alignment=ft.CrossAxisAlignment.START, controls=[
                    ft.Container(ft.Text(title, size=BODY, weight=ft.FontWeight.W_600,
                                         color=theme.NHS_DARK_BLUE), width=200),
                    ft.Text(text, size=BODY, expand=True)])
                for title, text in vm.preview_lines(model)]
        self._show_pdf()
        self._update()

    def _update(self) -> None:
        """Send the changes made outside an event handler (a background task)."""
        try:
            on_page = self.view.page is not None
        except RuntimeError:  # the screen was left meanwhile
            on_page = False
        if on_page:
            self.app.page.update()

    def _show_problem(self, err: fb.ReportHasPatientData) -> None:
        self.problem_text.value = str(err)
        self.problem_list.controls = [
            ft.Row([ft.Icon(ft.Icons.CHEVRON_RIGHT, size=18, color=theme.NHS_RED),
                    ft.Text(line, size=BODY, expand=True)])
            for line in vm.patient_data_problems(err.problems)]
        self.problem.visible = True

    def _show_pdf(self) -> None:
        pdf = self.pdf
        stale = pdf is not None and self.signature is not None and pdf.signature != self.signature
        if pdf is None:
            self.pdf_text.value = "No PDF created yet on this screen."
        else:
            self.pdf_text.value = (f"PDF created at {pdf.at} ({pdf.summary}), saved as "
                                   f"{pdf.file_name}; fingerprint {vm.short_hash(pdf.sha256)}.")
            if stale:
                self.pdf_text.value += (" The feedback has changed since: create the PDF "
                                        "again before presenting it.")
        done = pdf is not None and pdf.sha256 in self.presented
        ready = pdf is not None and not stale and not self.busy and not done
        self.present_btn.content.disabled = not ready
        self.create_btn.content.disabled = self.busy
        self.present_hint.value = (
            "" if ready else
            "This PDF is kept as presented; after any change, create the PDF again to "
            "present a new version." if done else
            "Create the PDF first; that exact file is what is kept as presented.")

    def _show_versions(self) -> None:
        reports = fb.presented_reports(self.app.services, self.visit_id)
        self.presented = {r.sha256 for r in reports}
        if not reports:
            self.versions.controls = [ft.Text("Not presented yet.", size=BODY,
                                              color=theme.NHS_SECONDARY_TEXT)]
            return
        rows: list[ft.Control] = []
        for n, r in enumerate(reports, start=1):
            rows.append(sem(f"presented-{n}", ft.Row(wrap=True, spacing=10, controls=[
                ft.Icon(ft.Icons.VERIFIED, color=theme.NHS_GREEN),
                ft.Text(vm.presented_text(n, london(r.at), r.by, r.bytes, r.sha256),
                        size=BODY),
                button(f"presented-get-{n}", "Download", lambda e, r=r: self._download(r),
                       icon=ft.Icons.DOWNLOAD)])))
        self.versions.controls = rows

    async def _create_pdf(self, e: ft.ControlEvent) -> None:
        if self.busy:
            return
        self.busy = True
        self.problem.visible = False
        self.pdf_text.value = "Creating the PDF…"
        self._show_pdf()
        self.pdf_text.value = "Creating the PDF…"
        self._update()
        try:
            data, summary, signature = await asyncio.to_thread(
                make_pdf, self.app.services, self.visit_id, self.app.author(self.visit_id))
        except fb.ReportHasPatientData as err:
            self.busy = False
            self._show_problem(err)
            self._show_pdf()
            self.pdf_text.value = "No PDF was created: see below."
            self._update()  # this handler already sent an update: send this one too
            return
        except Exception as err:  # noqa: BLE001 - say it, keep the screen
            self.busy = False
            self._show_pdf()
            self.app.problem(err)
            self.app.page.update()
            return
        from visitapp.domain.timefmt import london_clock

        name = vm.pdf_file_name(self.state.system or self.state.title, self.state.date)
        self.pdf = CreatedPdf(data=data, sha256=hashlib.sha256(data).hexdigest(),
                              summary=summary, at=london_clock(),
                              signature=signature, file_name=name)
        self.signature = signature
        self.busy = False
        self._show_pdf()
        self._update()
        await self._save_file(name, data)

    async def _save_file(self, name: str, data: bytes) -> None:
        try:
            await self.app.file_picker.save_file(dialog_title="Save the feedback PDF",
                                                 file_name=name, src_bytes=data,
                                                 file_type=ft.FilePickerFileType.CUSTOM,
                                                 allowed_extensions=["pdf"])
        except Exception as err:  # noqa: BLE001 - no save dialog here: it is still kept
            self.app.toast(f"The PDF is kept with the visit, but could not be saved here: {err}")

    async def _download(self, report: fb.PresentedReport) -> None:
        try:
            data = self.app.services.blobs.read(report.sha256)  # sealed on disk
        except (OSError, NotFound):
            self.app.toast("That version's file is not on this tablet yet: sync first.")
            return
        stamp = london(report.at, "%Y%m%d-%H%M")
        base = vm.pdf_file_name(self.state.system or self.state.title, self.state.date).removesuffix(".pdf")
        await self._save_file(f"{base}-presented-{stamp}.pdf", data)

    async def _present(self, e: ft.ControlEvent) -> None:
        pdf = self.pdf
        if pdf is None or self.busy:
            return
        try:
            record = await asyncio.to_thread(fb.mark_presented, self.app.services,
                                             self.visit_id, pdf.data, self._author())
        except UserError as err:
            self.app.problem(err)
            self.app.page.update()
            return
        self.app.mark_saved("presented feedback")
        self.refresh()
        self._show_pdf()
        self.app.toast(f"Kept as presented: fingerprint {vm.short_hash(record.sha256)}. "
                       "Later edits will make a new version.")
        self.app.page.update()  # show_dialog sent only the snack bar
