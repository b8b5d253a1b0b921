"""The data deep dive appears in the feedback PDF when the visit has data."""

from __future__ import annotations

from pypdf import PdfReader

from visitapp.services.feedback import write_report_pdf

CSV = "date,attendances,within_4h,emergency_admissions,discharges,stranded_7d,stranded_21d\n" + "".join(
    f"2026-11-{d:02d},300,{270 + d},80,{40 if d in (7, 8, 14, 15) else 75},{110 + d},{30 + d}\n"
    for d in range(2, 16))


def text_of(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_pdf__has_the_data_appendix_with_indicators_and_charts(services, demo_visit_id, tmp_path):
    extract = tmp_path / "extract.csv"
    extract.write_text(CSV)
    services.metrics.import_extract(demo_visit_id, extract)
    out = tmp_path / "feedback.pdf"
    write_report_pdf(services, demo_visit_id, out)
    text = text_of(out)
    assert "Appendix B: Data" in text
    for words in ("4-hour performance", "Weekend to weekday discharge ratio", "Standard 95%",
                  "Emergency admissions and discharges by day of the week",
                  "4-hour performance by week", "Stranded and super-stranded patients"):
        assert words in text, words
    assert text.index("Appendix A: Ratings") < text.index("Appendix B: Data") < \
        text.index("Appendix C: Answers")


def test_pdf__without_data_keeps_appendix_b_and_says_so(services, tmp_path):
    from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit

    visit_id = create_demo_visit(services, EXAMPLE_DATE, data=False)
    out = tmp_path / "feedback.pdf"
    write_report_pdf(services, visit_id, out)
    text = text_of(out)
    assert "Appendix B: Data No data was shared for this visit." in text
    assert text.index("Appendix B: Data") < text.index("Appendix C: Answers")


def test_follow_up_visit__report_shows_changes_since_the_earlier_visit(services, demo_visit_id, tmp_path):
    extract = tmp_path / "extract.csv"
    extract.write_text(CSV)
    services.metrics.import_extract(demo_visit_id, extract)
    later = services.visits.create_visit(system="Riverside follow-up", date="2027-02-27",
                                         visit_type="follow_up", follows_visit_id=demo_visit_id)
    extract.write_text(CSV.replace("2026-11-", "2027-02-"))
    services.metrics.import_extract(later, extract)
    out = tmp_path / "later.pdf"
    write_report_pdf(services, later, out)
    text = text_of(out)
    assert "Change since our visit on 27 November 2026" in text
