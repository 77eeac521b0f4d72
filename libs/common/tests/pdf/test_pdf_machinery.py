"""The shared PDF machinery: Chinese text that extracts back, QR codes drawn from segno's
matrix, wrapping, the verification block."""

import io
import re

import segno
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from educert_common.pdf import (
    PageWriter,
    VerificationBlock,
    draw_qr,
    draw_verification_block,
    qr_matrix,
    render_pdf,
    text_width,
    wrap_text,
)
from educert_common.pdf.qr import _runs


def _text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_chinese_text_round_trips_through_pypdf() -> None:
    def draw(page: PageWriter) -> None:
        page.title("学历认证报告", subtitle="Verification Report")
        page.key_values([("姓名 Name", "张**"), ("证书编号", "NO.00298959")])
        page.paragraph("在线验证报告在有效期内可凭验证码查验。" * 3)

    pdf = render_pdf(draw, title="t")
    text = _text(pdf)
    for expected in ("学历认证报告", "Verification Report", "张**", "NO.00298959", "在线验证报告"):
        assert expected in text
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None and reader.metadata.title == "t"
    assert abs(float(reader.pages[0].mediabox.width) - A4[0]) < 0.01


def test_qr_matrix_is_segnos() -> None:
    data = "https://educert.example/api/v1/payment/receipts/ABCD2345EFGH"
    assert qr_matrix(data) == tuple(tuple(row) for row in segno.make(data, error="m").matrix)


def test_runs_cover_exactly_the_dark_modules() -> None:
    row = (1, 1, 0, 1, 0, 0, 1, 1, 1)
    assert _runs(row) == [(0, 2), (3, 1), (6, 3)]
    assert _runs((0, 0)) == []


def test_qr_drawn_as_one_path_of_runs() -> None:
    data = "https://example.org/verify/XYZ"
    pdf = render_pdf(lambda page: draw_qr(page.canvas, data, x=50, y=50, size=100), title="q")
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None
    rectangles = len(re.findall(rb" re\b", content.get_data()))
    expected = sum(len(_runs(row)) for row in qr_matrix(data))
    assert rectangles == expected
    assert rectangles < sum(sum(row) for row in qr_matrix(data))  # runs, not modules


def test_wrap_text_fits_width() -> None:
    text = "中文没有空格所以可以在任意位置换行 and Latin words break at spaces"
    lines = wrap_text(text, 120, 10)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(text_width(line, 10) <= 120 for line in lines)


def test_wrap_text_keeps_latin_words_whole_but_not_a_number_before_chinese() -> None:
    reason = "17. 理由17：所提交的成绩单与颁发机构留存的记录不一致，且学习期间重叠。"
    lines = wrap_text(reason, 200, 10)
    assert len(lines) > 1 and lines[0].startswith("17. 理由17")
    assert all(text_width(line, 10) <= 200 for line in lines)
    assert wrap_text("北京大学 Peking University awarded the degree", 120, 10) == [
        "北京大学 Peking University",
        "awarded the degree",
    ]


def test_verification_block_shows_code_and_url() -> None:
    block = VerificationBlock(code="ABCD-2345-EFGH", url="https://educert.example/v/ABCD2345EFGH")
    pdf = render_pdf(lambda page: draw_verification_block(page, block), title="v")
    text = _text(pdf)
    assert "ABCD-2345-EFGH" in text and "https://educert.example/v/ABCD2345EFGH" in text
    assert "验证码" in text
