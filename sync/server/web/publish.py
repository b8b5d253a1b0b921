"""The office's page for publishing to tablets (admins): checklist versions for new
areas, and visits scheduled for a team. The work is done by
`sync.server.office.publishing`, the same as `visitapp-office forms publish` and
`visitapp-office visits schedule`."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from sync.server.office import publishing
from sync.server.office.pages import kind_label
from sync.server.store import OfficeError
from sync.server.web.security import Admin, CheckedForm, Web, render
from visitapp.domain.forms import AREA_KINDS
from visitapp.domain.visit import VisitType

router = APIRouter(include_in_schema=False)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_FORM_BYTES = 512 * 1024  # a checklist is a few tens of KB of YAML
MAX_FILES = 20
SCHEDULE_TYPES = {VisitType.DIAGNOSTIC.value: "Diagnostic deep dive",
                  VisitType.EXEMPLAR.value: "Exemplar site visit"}


def _view(request: Request, web: Web, session: Any, *, status: int = 200,
          form_errors: list[str] | None = None, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, done: str = "") -> Response:
    current = publishing.forms_for_new_areas(web.engine)
    published = publishing.published(web.engine)
    return render(request, "publishing.html", status=status, session=session,
                  title="Publish to tablets", nav="publishing", current=current,
                  published=published, teams=publishing.known_teams(web.engine),
                  types=SCHEDULE_TYPES, area_kinds=AREA_KINDS, kind_label=kind_label,
                  form_errors=form_errors or [], errors=errors or {},
                  values=values or {"areas": []}, done=done)


@router.get("/publishing")
def publishing_page(request: Request, web: Web, session: Admin, published: str = "",
                    scheduled: str = "") -> Response:
    # Fixed words only: a link cannot make this page say what its sender wants.
    done = ""
    if published:
        done = "Published. The table shows the checklist each new area will use."
    elif _UUID.fullmatch(scheduled):
        done = f"Visit {scheduled} scheduled: it reaches the team's tablets at their next sync."
    return _view(request, web, session, done=done)


@router.post("/publishing/forms")
async def publish_forms(request: Request, web: Web, session: Admin,
                        form: CheckedForm) -> Response:
    uploads = [f for f in form.getlist("forms") if isinstance(f, UploadFile) and f.filename]
    if not uploads:
        return _view(request, web, session, status=400,
                     form_errors=["Choose one or more checklist files (.yaml) to publish"])
    if len(uploads) > MAX_FILES:
        return _view(request, web, session, status=400,
                     form_errors=[f"Publish at most {MAX_FILES} files at a time"])
    with tempfile.TemporaryDirectory(prefix="visitapp-publish-") as folder:
        paths = []
        for n, upload in enumerate(uploads):
            data = await upload.read(MAX_FORM_BYTES + 1)
            name = Path(upload.filename or f"form-{n}.yaml").name or f"form-{n}.yaml"
            if len(data) > MAX_FORM_BYTES:
                return _view(request, web, session, status=400, form_errors=[
                    f"{name}: larger than {MAX_FORM_BYTES // 1024} KB: not a checklist"])
            # Each file in a folder of its own, so two uploads of one name stay apart
            # and a problem names the file as the admin chose it.
            path = Path(folder) / str(n) / name
            path.parent.mkdir()
            path.write_bytes(data)
            paths.append(path)
        try:
            forms = publishing.publish_forms(web.engine, paths, now_ms=web.now_ms())
        except publishing.FormsRefused as refused:
            shown = [_relative(p, folder) for p in refused.problems]
            return _view(request, web, session, status=400, form_errors=shown)
    return RedirectResponse(f"/publishing?published={len(forms)}", status_code=303)


def _relative(problem: str, folder: str) -> str:
    """A problem line naming the uploaded file, not where it was kept for checking."""
    for n in range(MAX_FILES):
        problem = problem.replace(f"{folder}/{n}/", "")
    return problem.replace(folder + "/", "")


@router.post("/publishing/visits")
def schedule_visit(request: Request, web: Web, session: Admin, form: CheckedForm) -> Response:
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in ("team", "system", "date",
                                                                   "visit_type")}
    values["areas"] = [str(a) for a in form.getlist("areas")]
    try:
        visit_id = publishing.schedule_visit(
            web.engine, team=values["team"], system=values["system"], day=values["date"],
            visit_type=values["visit_type"] or VisitType.DIAGNOSTIC.value,
            areas=[publishing.AreaPlan(k) for k in values["areas"]], now_ms=web.now_ms())
    except OfficeError as err:
        text = str(err)
        field = next((f for f, start in (("team", "team"), ("system", "system"),
                                         ("date", "date"), ("visit_type", "visit type"),
                                         ("visit_type", "a follow-up"), ("areas", "area"))
                      if text.startswith(start)), "system")
        return _view(request, web, session, status=400, errors={field: text}, values=values)
    return RedirectResponse(f"/publishing?scheduled={visit_id}", status_code=303)
