"""Where a photo comes from: the one seam of the capture path.

`PhotoSource.take()` returns the picture (bytes and a file name) or None when the user
gave up. Two sources: the tablet's camera through the `flet-camera` extension (tablet
builds: Android, iOS), and the file picker (web and desktop, and any platform where the
camera is missing or refused). Tests pass a fake source.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol

import flet as ft

from visitapp.ui import theme
from visitapp.ui.widgets import BODY, button


class PhotoSource(Protocol):
    """Gives one picture, or None."""

    name: str  # in words, for the button: "Take a photo", "Choose a photo"

    async def take(self, app: Any) -> tuple[bytes, str] | None: ...


class FilePickerSource:
    """The browser's or the desktop's file chooser (images only)."""

    name = "Choose a photo"

    async def take(self, app: Any) -> tuple[bytes, str] | None:
        picker: ft.FilePicker = app.file_picker
        try:
            files = await picker.pick_files(dialog_title="Choose a photo",
                                            file_type=ft.FilePickerFileType.IMAGE,
                                            with_data=True)
        except Exception as err:  # noqa: BLE001 - no picker on this platform
            app.toast(f"Photos cannot be picked here: {err}")
            return None
        if not files:
            return None
        f = files[0]
        data = f.bytes
        if data is None and f.path:
            data = Path(f.path).read_bytes()
        if not data:
            app.toast("That file could not be read. Try another.")
            return None
        return data, f.name or "photo"


class CameraSource:
    """The tablet's back camera, in a dialog with a preview and a "Take photo" button."""

    name = "Take a photo"

    async def take(self, app: Any) -> tuple[bytes, str] | None:
        import flet_camera as fc

        camera = fc.Camera(expand=True, preview_enabled=True)
        picked: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()

        async def shoot(e: Any) -> None:
            try:
                data = await camera.take_picture()
            except Exception as err:  # noqa: BLE001 - the camera went away
                app.toast(f"The camera did not take the photo: {err}")
                data = None
            if not picked.done():
                picked.set_result(data)

        def cancel(e: Any) -> None:
            if not picked.done():
                picked.set_result(None)

        app.page.show_dialog(ft.AlertDialog(
            modal=True, semantics_label="Take a photo",
            title=ft.Text("Take a photo", color=theme.NHS_DARK_BLUE),
            content=ft.Container(camera, width=640, height=420),
            actions=[button("camera-cancel", "Cancel", cancel),
                     button("camera-shoot", "Take photo", shoot, icon=ft.Icons.CAMERA_ALT,
                            primary=True)]))
        try:
            cameras = await camera.get_available_cameras()
            if not cameras:
                raise RuntimeError("no camera found")
            back = next((c for c in cameras if "back" in str(c.lens_direction).lower()),
                        cameras[0])
            await camera.initialize(back, fc.ResolutionPreset.HIGH, enable_audio=False)
        except Exception as err:  # noqa: BLE001 - refused or missing: fall back
            app.page.pop_dialog()
            app.toast(f"The camera is not available ({err}); choose a photo instead.")
            return await FilePickerSource().take(app)
        data = await picked
        app.page.pop_dialog()
        return (data, "camera.jpg") if data else None


def photo_source_for(page: Any) -> PhotoSource:
    """The camera in a tablet build (where flet-camera is installed), else the picker."""
    platform = getattr(page, "platform", None)
    tablet = platform in (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS) and \
        not getattr(page, "web", False)
    if tablet:
        try:
            import flet_camera  # noqa: F401
        except ImportError:
            return FilePickerSource()
        return CameraSource()
    return FilePickerSource()


REMINDER_TITLE = "Before the first photo of this visit"


def confirm_no_patients(app: Any, text: str) -> asyncio.Future[bool]:
    """The no-patient reminder as a dialog; resolves True when the user goes on."""
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def done(value: bool) -> None:
        app.page.pop_dialog()
        if not answer.done():
            answer.set_result(value)

    app.page.show_dialog(ft.AlertDialog(
        modal=True, semantics_label=REMINDER_TITLE,
        title=ft.Text(REMINDER_TITLE, color=theme.NHS_DARK_BLUE),
        content=ft.Container(ft.Text(text, size=BODY, color=theme.NHS_TEXT), width=520),
        actions=[button("reminder-cancel", "Not now", lambda e: done(False)),
                 button("reminder-ok", "No patients in view: go on", lambda e: done(True),
                        primary=True, icon=ft.Icons.CHECK)]))
    return answer
