"""Fonts that render Chinese without any system font installed.

`STSong-Light` is one of the Adobe CID fonts every PDF reader ships: reportlab writes a
reference to it (nothing embedded, so a receipt stays a few kilobytes) with the UniGB-UCS2-H
encoding, and text extraction (pypdf, search in readers) maps it back to Unicode.
"""

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"


@cache
def register_fonts() -> str:
    """Register the CJK font once per process; return its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def text_width(text: str, size: float, font: str = CJK_FONT) -> float:
    """Width of `text` in points when drawn in `font` at `size`."""
    register_fonts()
    return float(pdfmetrics.stringWidth(text, font, size))
