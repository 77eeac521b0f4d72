"""Shared PDF machinery: Chinese-capable fonts, fast QR codes, page layout, verification blocks.

Receipts (payment), verification reports (records) and certificates (certification) are drawn
with these, so every document of the platform looks alike and is checked the same way.
"""

from educert_common.pdf.fonts import CJK_FONT, LATIN_BOLD, LATIN_FONT, register_fonts, text_width
from educert_common.pdf.layout import PageWriter, render_pdf, wrap_text
from educert_common.pdf.qr import draw_qr, qr_matrix
from educert_common.pdf.verification import VerificationBlock, draw_verification_block

__all__ = [
    "CJK_FONT",
    "LATIN_BOLD",
    "LATIN_FONT",
    "PageWriter",
    "VerificationBlock",
    "draw_qr",
    "draw_verification_block",
    "qr_matrix",
    "register_fonts",
    "render_pdf",
    "text_width",
    "wrap_text",
]
