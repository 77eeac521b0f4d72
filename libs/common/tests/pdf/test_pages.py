"""Documents longer than a page: blocks flow onto new pages above the bottom margin, every
page carries the footer and its number, and nothing is lost or repeated on the way."""

import io
import re

from pypdf import PageObject, PdfReader
from reportlab.lib.units import mm

from educert_common.pdf import PageWriter, VerificationBlock, draw_verification_block, render_pdf

FOOTER = "EduCert 学历学位认证平台"
BOTTOM_MARGIN = 20 * mm


def _paragraph(number: int) -> str:
    # Long enough to wrap onto a second line, Chinese and Latin mixed as in real letters.
    return (
        f"P{number:03d} 经审核，所提交的成绩单与颁发机构留存的记录不一致 the transcript "
        "does not match the records held by the awarding institution."
    )


def _lines(page: PageObject) -> list[tuple[float, str]]:
    """Each piece of text drawn on the page with its baseline's height above the bottom."""
    found: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            found.append((tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=visit)
    return found


def test_two_hundred_paragraphs_flow_onto_pages_in_order() -> None:
    def draw(page: PageWriter) -> None:
        page.title("长文档", subtitle="A long document")
        page.rule()
        for number in range(1, 201):
            page.paragraph(_paragraph(number), size=10.5)

    reader = PdfReader(io.BytesIO(render_pdf(draw, title="long", footer=FOOTER)))
    pages = len(reader.pages)
    assert pages >= 5

    numbers: list[int] = []
    for index, page in enumerate(reader.pages, start=1):
        lines = _lines(page)
        body = [(y, text) for y, text in lines if y >= BOTTOM_MARGIN]
        below = [(y, text) for y, text in lines if y < BOTTOM_MARGIN]
        # Only the footer and the page number are drawn in the bottom margin.
        assert sorted(text.strip() for _, text in below) == sorted(
            [FOOTER, f"{index} /", str(pages)]
        ), below
        assert body and max(y for y, _ in body) <= page.mediabox.height - 20 * mm
        numbers += [int(found) for found in re.findall(r"P(\d{3})", page.extract_text())]
    assert numbers == list(range(1, 201))
    # No line lost at a page break: every paragraph's text is there whole.
    text = " ".join("".join(page.extract_text() for page in reader.pages).split())
    for number in (1, 37, 200):
        assert " ".join(_paragraph(number).split()) in text.replace("\n", " ")


def test_a_row_or_box_that_does_not_fit_starts_the_next_page_whole() -> None:
    # Each value wraps to four lines: 14 rows are more than a page.
    rows = [(f"标签{number:02d}", "值 " * 90) for number in range(14)]

    def draw(page: PageWriter) -> None:
        page.key_values(rows)
        draw_verification_block(
            page, VerificationBlock(code="ABCD-2345-EFGH", url="https://e.example/v/ABCD")
        )

    reader = PdfReader(io.BytesIO(render_pdf(draw, title="rows", footer=FOOTER)))
    assert len(reader.pages) == 2
    labels_seen: list[str] = []
    for index, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        labels = re.findall(r"标签\d\d", text)
        labels_seen += labels
        assert labels and text.count("值") == 90 * len(labels)  # no row split across pages
        below = {t.strip() for y, t in _lines(page) if y < BOTTOM_MARGIN}
        assert below == {FOOTER, f"{index} /", "2"}
    assert labels_seen == [f"标签{number:02d}" for number in range(14)]
    # The verification box is drawn whole on the second page.
    first, second = (page.extract_text() for page in reader.pages)
    assert "ABCD-2345-EFGH" not in first and "ABCD-2345-EFGH" in second
    assert "https://e.example/v/ABCD" in second


def test_one_page_documents_have_no_page_number() -> None:
    def draw(page: PageWriter) -> None:
        page.paragraph("一页。")

    reader = PdfReader(io.BytesIO(render_pdf(draw, title="short", footer=FOOTER)))
    assert len(reader.pages) == 1
    assert sorted(text.strip() for _, text in _lines(reader.pages[0])) == sorted([FOOTER, "一页。"])
