"""The verification block every third-party document carries: a code, a URL and its QR."""

from dataclasses import dataclass

from reportlab.lib.units import mm

from educert_common.pdf.layout import BLACK, GREY, PageWriter, wrap_text
from educert_common.pdf.qr import draw_qr


@dataclass(frozen=True)
class VerificationBlock:
    code: str
    url: str
    caption: str = (
        "扫描二维码或访问以下网址，输入验证码核验 / Scan the QR code or visit the URL to verify"
    )
    code_label: str = "验证码 Verification code"


def draw_verification_block(
    page: PageWriter, block: VerificationBlock, *, qr_size: float = 32 * mm
) -> None:
    """Draw a framed box: the code and URL on the left, the QR code on the right."""
    canvas = page.canvas
    padding = 4 * mm
    height = qr_size + 2 * padding
    # The box is not split: it goes on the next page whole when it does not fit.
    page.ensure_room(4 * mm + height)
    top = page.y - 4 * mm
    bottom = top - height
    left, right = page.margin, page.width - page.margin
    canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
    canvas.roundRect(left, bottom, right - left, height, 2 * mm, stroke=1, fill=0)
    canvas.setStrokeColorRGB(*BLACK)
    draw_qr(canvas, block.url, x=right - padding - qr_size, y=bottom + padding, size=qr_size)
    text_left = left + padding
    text_width = right - left - 3 * padding - qr_size
    y = top - padding - 10
    canvas.setFont(page.font, 9)
    canvas.setFillColorRGB(*GREY)
    canvas.drawString(text_left, y, block.code_label)
    canvas.setFillColorRGB(*BLACK)
    y -= 18
    canvas.setFont(page.font, 16)
    canvas.drawString(text_left, y, block.code)
    canvas.setFont(page.font, 8)
    canvas.setFillColorRGB(*GREY)
    for line in wrap_text(block.caption, text_width, 8, page.font) + wrap_text(
        block.url, text_width, 8, page.font
    ):
        y -= 11
        canvas.drawString(text_left, y, line)
    canvas.setFillColorRGB(*BLACK)
    page.y = bottom - 2 * mm
