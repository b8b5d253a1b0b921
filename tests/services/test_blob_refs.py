"""A presented feedback PDF travels with its visit like a photo: in bundles and by sync."""

from __future__ import annotations

from visitapp.services.bundles import export_visit, import_visit
from visitapp.services.feedback import (
    keep_created_report,
    mark_presented,
    presented_reports,
    write_report_pdf,
)
from visitapp.store.blob_refs import referenced_blobs, refs_of_op
from visitapp.store.oplog import ops_for_visit


def test_presented_report__is_referenced_and_travels_in_a_bundle(services, other_services,
                                                                  demo_visit_id, tmp_path):
    pdf = tmp_path / "feedback.pdf"
    write_report_pdf(services, demo_visit_id, pdf)
    presented = mark_presented(services, demo_visit_id, pdf, by="Alex Morgan")
    with services.db.read() as conn:
        assert presented.sha256 in referenced_blobs(conn, demo_visit_id)
        ops = ops_for_visit(conn, demo_visit_id)
    assert [presented.sha256] in [refs_of_op(op) for op in ops]

    bundle = tmp_path / "visit.zip"
    export_visit(services, demo_visit_id, bundle)
    import_visit(other_services, bundle)
    (copy,) = presented_reports(other_services, demo_visit_id)
    assert copy.sha256 == presented.sha256
    assert other_services.blobs.read(presented.sha256) == pdf.read_bytes()


def test_created_report__is_kept_with_the_visit_and_travels(services, other_services,
                                                             demo_visit_id, tmp_path):
    pdf = tmp_path / "feedback.pdf"
    write_report_pdf(services, demo_visit_id, pdf)
    kept = keep_created_report(services, demo_visit_id, pdf.read_bytes(), by="Alex Morgan")
    with services.db.read() as conn:
        assert kept.sha256 in referenced_blobs(conn, demo_visit_id)
    bundle = tmp_path / "visit.zip"
    export_visit(services, demo_visit_id, bundle)
    import_visit(other_services, bundle)
    assert other_services.blobs.read(kept.sha256) == pdf.read_bytes()
    assert presented_reports(other_services, demo_visit_id) == []  # created, not presented
