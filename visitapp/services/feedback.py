"""Same-day feedback: curate findings, write the feedback PDF, keep the one presented.

Plain Python for the CLI (`visitapp report`) and the feedback screen:

    build_report(services, visit_id)            -> ReportModel (privacy guard runs here)
    write_report_pdf(services, visit_id, path)  -> "7 pages, 14 findings, ..." (atomic)
    mark_presented(services, visit_id, pdf, by) -> PresentedReport (the exact bytes kept)
    presented_reports(services, visit_id)       -> every version presented, oldest first
    feedback_findings(state) / suggested_findings(state) / reorder_findings(...)
                                                for the curation screen

Curation itself (text, kind, pathway, quick win or longer term, owner, order) goes through
`VisitService.edit_finding`, so it is an op like any other change and syncs.

A presented report is stored as a blob by its SHA-256 and recorded as an op on the visit
(entity "visit", field "presented_report", value {sha256, at, by, bytes}). Ops are never
rewritten and blobs are addressed by content, so presenting a later version adds a new op
and a new blob: the earlier PDF stays exactly as it was.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from visitapp.domain.forms import AnswerType
from visitapp.domain.visit import FindingKind, FindingState, Pathway, VisitState, VisitStatus
from visitapp.domain.wording import answer_sentence
from visitapp.errors import BadValue, UserError
from visitapp.services.app import Services
from visitapp.services.report_model import (
    ExtraSection,
    ReportHasPatientData,
    ReportModel,
    build_report_model,
)
from visitapp.store import oplog
from visitapp.store.db import utc_now

PRESENTED_FIELD = "presented_report"
CREATED_FIELD = "created_report"  # the latest PDF made on a tablet, presented or not
PDF_TYPE = "application/pdf"

__all__ = [
    "PresentedReport", "ReportHasPatientData", "build_report", "feedback_findings",
    "load_renderer", "mark_presented", "presented_reports", "reorder_findings",
    "suggested_findings", "write_report_pdf",
]


@dataclass(frozen=True)
class PresentedReport:
    sha256: str
    at: str
    by: str | None
    bytes: int
    path: Path  # where the blob is on this tablet (it may arrive later by sync)


def build_report(services: Services, visit_id: str,
                 extra_appendices: list[ExtraSection] | None = None) -> ReportModel:
    """The report model of a visit; raises `ReportHasPatientData` or `NotFound`.

    Unless `extra_appendices` is given, the data deep dive appendix is included when the
    visit has data.
    """
    from visitapp.services.data_report import data_pack
    from visitapp.services.key_messages import team_key_messages

    state = services.visits.load(visit_id)
    data = data_pack(services.metrics, state)  # the figures are read once, here
    if extra_appendices is None:
        extra_appendices = [data.appendix] if data.appendix else []

    # Photos are sealed on disk: the model names where their plain copies will be while
    # the PDF is drawn (write_report_pdf), the same name on every build.
    return build_report_model(state, services.blobs.plain_path, extra_appendices,
                              indicators=data.indicators, follow_up=data.follow_up,
                              team_messages=team_key_messages(services.visits, visit_id))


def load_renderer() -> None:
    """Import the PDF renderer (reportlab) and parse its fonts now: a command can do it
    while the tablet's data unlocks, rather than in its first `write_report_pdf`."""
    from visitapp import report

    report.load()


def write_report_pdf(services: Services, visit_id: str, output: Path,
                     extra_appendices: list[ExtraSection] | None = None) -> str:
    """Write the feedback PDF to `output` and return a one-line summary.

    The model (and so the privacy guard) is built before any file is touched; the PDF is
    written to a temporary file beside `output` and renamed over it only when complete,
    so a failure never leaves a half-written or stale-looking file.
    """
    from visitapp.report import render_pdf  # reportlab is loaded only when needed

    output = Path(output)
    model = build_report(services, visit_id, extra_appendices)
    folder = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise BadValue(f"{output} is a folder: give a file name such as feedback.pdf")
    if not folder.is_dir():
        raise BadValue(f"the folder {folder} does not exist: create it or choose another")
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    photos = [p.path.name for p in model.photos if p.path is not None]
    try:
        with services.blobs.plain_copies(photos):
            pages = render_pdf(model, tmp)
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _summary(model, pages)


def _summary(model: ReportModel, pages: int) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return ", ".join([n(pages, "page"), n(model.findings_count, "finding"),
                      n(model.answers_count, "answer"), n(len(model.photos), "photo")])


def mark_presented(services: Services, visit_id: str, pdf: Path | bytes,
                   by: str | None = None) -> PresentedReport:
    """Keep this exact PDF with the visit as the feedback that was presented.

    Also moves a planned or in-progress visit to "feedback given".
    """
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    if not data.startswith(b"%PDF-"):
        raise BadValue("that file is not a PDF: create the feedback PDF first")
    services.visits.load(visit_id)  # NotFound before storing anything
    sha = services.blobs.put(data, PDF_TYPE)
    at = utc_now()
    db = services.db
    with db.write() as conn:
        services.visits.require_visit(conn, visit_id)
        oplog.record(db, conn, visit_id=visit_id, entity="visit", entity_id=visit_id,
                     field=PRESENTED_FIELD,
                     value={"sha256": sha, "at": at, "by": by, "bytes": len(data)},
                     author=by)
        status = conn.execute("SELECT status FROM visits WHERE id = ?",
                              (visit_id,)).fetchone()[0]
        if status in (None, VisitStatus.PLANNED, VisitStatus.IN_PROGRESS):
            oplog.record(db, conn, visit_id=visit_id, entity="visit", entity_id=visit_id,
                         field="status", value=VisitStatus.FEEDBACK_GIVEN.value, author=by)
    return PresentedReport(sha256=sha, at=at, by=by, bytes=len(data),
                           path=services.blobs.path(sha))


def keep_created_report(services: Services, visit_id: str, data: bytes,
                        by: str | None = None) -> PresentedReport:
    """Keep the PDF just created with the visit (the latest one wins), so it survives a
    restart and travels by sync and in bundles; presenting it is a separate step."""
    if not data.startswith(b"%PDF-"):
        raise BadValue("that file is not a PDF")
    sha = services.blobs.put(data, PDF_TYPE)
    at = utc_now()
    with services.db.write() as conn:
        services.visits.require_visit(conn, visit_id)
        oplog.record(services.db, conn, visit_id=visit_id, entity="visit", entity_id=visit_id,
                     field=CREATED_FIELD, value={"sha256": sha, "at": at, "by": by,
                                                 "bytes": len(data)}, author=by)
    return PresentedReport(sha256=sha, at=at, by=by, bytes=len(data),
                           path=services.blobs.path(sha))


def presented_reports(services: Services, visit_id: str) -> list[PresentedReport]:
    """Every report presented for the visit, oldest first (from the op-log, never lost)."""
    with services.db.read() as conn:
        rows = conn.execute(
            "SELECT value FROM ops WHERE visit_id = ? AND entity = 'visit' AND entity_id = ? "
            "AND field = ? ORDER BY hlc, device_id", (visit_id, visit_id, PRESENTED_FIELD),
        ).fetchall()
    out: list[PresentedReport] = []
    for (value,) in rows:
        v = json.loads(value)
        if not isinstance(v, dict) or "sha256" not in v:
            continue
        out.append(PresentedReport(sha256=v["sha256"], at=v.get("at", ""), by=v.get("by"),
                                   bytes=int(v.get("bytes") or 0),
                                   path=services.blobs.path(v["sha256"])))
    return out


# --- curation -------------------------------------------------------------------------------

def feedback_findings(state: VisitState) -> dict[str, list[FindingState]]:
    """The findings by kind, in presentation order (what the feedback screen lists)."""
    groups: dict[str, list[FindingState]] = {k.value: [] for k in FindingKind}
    for f in sorted(state.findings, key=lambda f: (f.position or 0, f.created_at or "", f.id)):
        groups.setdefault(f.kind, []).append(f)
    return groups


@dataclass(frozen=True)
class SuggestedFinding:
    """A draft finding from a flagged answer, for the feedback screen to offer."""

    kind: str
    text: str
    pathway: str | None
    area_key: str
    item_ids: list[str]
    rag: str


def suggested_findings(state: VisitState) -> list[SuggestedFinding]:
    """Drafts from the answers, as sentences: items rated red as areas for improvement
    (critical ones first), then green RAG items as what works well, skipping items a
    finding already cites. The team edits and adds
    the ones it wants (`VisitService.add_finding`); nothing is stored here."""
    cited = {(f.area_key, i) for f in state.findings for i in f.item_ids}
    pathways = {p.value for p in Pathway}
    out: dict[str, list[SuggestedFinding]] = {"red": [], "green": []}
    for area in state.areas:
        values = area.values()
        for item in area.form.visible_items(values):
            rag = area.item_rag(item)
            if rag not in out or (area.key, item.id) in cited or item.id not in values:
                continue
            if rag == "green" and item.type != AnswerType.RAG:
                continue  # a number inside its threshold is not, alone, good practice
            kind = FindingKind.CONCERN if rag == "red" else FindingKind.STRENGTH
            out[rag].append(SuggestedFinding(
                kind=kind.value, text=answer_sentence(area.label, item, values[item.id], rag),
                pathway=next((t for t in item.tags if t in pathways), None),
                area_key=area.key, item_ids=[item.id], rag=rag))
    critical = {(a.key, i.id) for a in state.areas for i in a.form.items if i.critical}
    reds = sorted(out["red"], key=lambda d: (d.area_key, d.item_ids[0]) not in critical)
    return reds + out["green"]


def reorder_findings(services: Services, visit_id: str, ordered_ids: Sequence[str],
                     author: str | None = None) -> None:
    """Put findings in this order (the others keep their order after them).

    Only positions that change are written, each through `VisitService.edit_finding`.
    """
    state = services.visits.load(visit_id)
    known = {f.id: f for f in state.findings}
    unknown = [i for i in ordered_ids if i not in known]
    if unknown:
        raise UserError(f"no finding {unknown[0]!r} in visit {visit_id}")
    if len(set(ordered_ids)) != len(ordered_ids):
        raise BadValue("a finding is listed twice in the new order")
    rest = [f.id for f in sorted(state.findings,
                                 key=lambda f: (f.position or 0, f.created_at or "", f.id))
            if f.id not in set(ordered_ids)]
    for position, fid in enumerate([*ordered_ids, *rest]):
        if known[fid].position != position:
            # edit_finding re-checks the unchanged text; repeat its stored confirmation.
            services.visits.edit_finding(visit_id, fid, position=position, author=author,
                                         confirmed=known[fid].text_confirmed)
