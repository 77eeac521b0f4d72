"""Page layout helpers: an A4 page written top to bottom, and a document rendered to bytes."""

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from educert_common.pdf.fonts import CJK_FONT, register_fonts, text_width

GREY = (0.45, 0.45, 0.45)
BLACK = (0, 0, 0)


# From the CJK radicals on: ideographs, kana, hangul, CJK and full-width punctuation.
_CJK_START = "\u2e80"


def _latin_word(text: str) -> bool:
    return all(char < _CJK_START for char in text)


def wrap_text(text: str, width: float, size: float, font: str = CJK_FONT) -> list[str]:
    """Split `text` into lines no wider than `width`; breaks anywhere (Chinese has no spaces),
    going back to the last space only to keep a Latin word whole."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            candidate = line + char
            if line and text_width(candidate, size, font) > width:
                cut = line.rfind(" ")
                # Text after the space that holds Chinese may break where it is: going back
                # would strand "1." of "1. 理由……" on a line of its own.
                if cut > 0 and char != " " and _latin_word(line[cut + 1 :] + char):
                    lines.append(line[:cut])
                    line = line[cut + 1 :] + char
                else:
                    lines.append(line.rstrip())
                    line = char.lstrip()
            else:
                line = candidate
        lines.append(line)
    return lines


# The form XObject holding a multi-page document's page count: referenced by every page's
# footer as it is finished and defined once the last page is (reportlab allows the forward
# reference), so "page N of M" costs no second rendering.
PAGE_COUNT_FORM = "educert-page-count"


@dataclass
class PageWriter:
    """Writes blocks down A4 pages from the top margin; `y` is where the next block starts.

    A block that would reach below the bottom margin goes on a new page instead (the footer
    sits in the margin under it). The footer, a property of the whole document given at the
    start, is drawn as each page is finished; pages of a document of more than one page are
    also numbered "N / M".
    """

    canvas: Canvas
    margin: float = 20 * mm
    font: str = CJK_FONT
    width: float = field(init=False)
    height: float = field(init=False)
    y: float = field(init=False)
    # A grey line centred in the bottom margin of every page.
    footer: str | None = None
    footer_size: float = 8
    page_number: int = field(init=False, default=1)

    def __post_init__(self) -> None:
        self.width, self.height = self.canvas._pagesize
        self.y = self.top

    @property
    def content_width(self) -> float:
        return self.width - 2 * self.margin

    @property
    def top(self) -> float:
        """Where the first block of a page starts."""
        return self.height - self.margin

    @property
    def bottom(self) -> float:
        """The lowest a block may reach: the bottom margin, which holds the footer."""
        return self.margin

    def ensure_room(self, height: float) -> None:
        """Start a new page unless `height` points still fit above the bottom margin; a block
        taller than a page is left where it is when the page is still empty."""
        if self.y - height < self.bottom and self.y < self.top:
            self.new_page()

    def new_page(self) -> None:
        """Finish this page and continue at the top of the next in the same font and colour."""
        # showPage resets the canvas's font and colours: the block being drawn carries on.
        font, size = self.canvas._fontname, self.canvas._fontsize
        fill = self.canvas._fillColorObj
        self._finish_page(numbered=True)
        self.canvas.showPage()
        self.page_number += 1
        self.y = self.top
        self.canvas.setFont(font, size)
        self.canvas.setFillColor(fill)

    def finish(self) -> None:
        """Finish the last page; with more than one page, define the page count they show."""
        pages = self.page_number
        self._finish_page(numbered=pages > 1)
        self.canvas.showPage()
        if pages > 1:
            self.canvas.beginForm(PAGE_COUNT_FORM)
            self.canvas.setFont(self.font, self.footer_size)
            self.canvas.setFillColorRGB(*GREY)
            self.canvas.drawString(0, 0, str(pages))
            self.canvas.endForm()

    def space(self, points: float) -> None:
        self.y -= points

    def title(self, text: str, *, size: float = 18, subtitle: str | None = None) -> None:
        """A centred title, with an optional smaller line under it."""
        self.ensure_room(size + (size * 0.9 if subtitle else 0))
        self.y -= size
        self.canvas.setFont(self.font, size)
        self.canvas.drawCentredString(self.width / 2, self.y, text)
        if subtitle:
            self.y -= size * 0.9
            self.canvas.setFont(self.font, size * 0.55)
            self.canvas.setFillColorRGB(*GREY)
            self.canvas.drawCentredString(self.width / 2, self.y, subtitle)
            self.canvas.setFillColorRGB(*BLACK)
        self.y -= size * 0.8

    def paragraph(self, text: str, *, size: float = 10, leading: float | None = None) -> None:
        """Wrapped lines; a long paragraph flows on to the next page line by line."""
        leading = leading or size * 1.45
        self.canvas.setFont(self.font, size)
        for line in wrap_text(text, self.content_width, size, self.font):
            self.ensure_room(leading)
            self.y -= leading
            self.canvas.drawString(self.margin, self.y, line)

    def rule(self, *, gap: float = 6) -> None:
        self.ensure_room(gap)
        self.y -= gap
        self.canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
        self.canvas.setLineWidth(0.6)
        self.canvas.line(self.margin, self.y, self.width - self.margin, self.y)
        self.canvas.setStrokeColorRGB(*BLACK)
        self.y -= gap

    def key_values(
        self,
        rows: Sequence[tuple[str, str]],
        *,
        size: float = 10.5,
        label_width: float = 48 * mm,
        leading: float | None = None,
    ) -> None:
        """Two columns: a grey label and its value (wrapped within the page). A row is kept on
        one page when it fits on one."""
        leading = leading or size * 1.8
        line_leading = size * 1.3
        value_width = self.content_width - label_width
        for label, value in rows:
            lines = wrap_text(value, value_width, size, self.font)
            row_height = leading + (len(lines) - 1) * line_leading
            self.ensure_room(row_height if row_height <= self.top - self.bottom else leading)
            self.y -= leading
            self.canvas.setFont(self.font, size)
            self.canvas.setFillColorRGB(*GREY)
            self.canvas.drawString(self.margin, self.y, label)
            self.canvas.setFillColorRGB(*BLACK)
            self.canvas.drawString(self.margin + label_width, self.y, lines[0])
            for line in lines[1:]:
                self.ensure_room(line_leading)
                self.y -= line_leading
                self.canvas.drawString(self.margin + label_width, self.y, line)

    def _finish_page(self, *, numbered: bool) -> None:
        if self.footer is not None:
            self.canvas.setFont(self.font, self.footer_size)
            self.canvas.setFillColorRGB(*GREY)
            self.canvas.drawCentredString(self.width / 2, self.margin / 2, self.footer)
            self.canvas.setFillColorRGB(*BLACK)
        if numbered:
            self._page_label()

    def _page_label(self) -> None:
        """The "N / M" at the right end of the footer line, M drawn by the page count form."""
        size = self.footer_size
        label = f"{self.page_number} / "
        # Left-aligned from a fixed point: the count's width is not known yet.
        x = self.width - self.margin - text_width(f"{label}000", size, self.font)
        self.canvas.setFont(self.font, size)
        self.canvas.setFillColorRGB(*GREY)
        self.canvas.drawString(x, self.margin / 2, label)
        self.canvas.saveState()
        self.canvas.translate(x + text_width(label, size, self.font), self.margin / 2)
        self.canvas.doForm(PAGE_COUNT_FORM)
        self.canvas.restoreState()
        self.canvas.setFillColorRGB(*BLACK)


def render_pdf(
    draw: Callable[[PageWriter], None],
    *,
    title: str,
    author: str = "EduCert",
    subject: str = "",
    footer: str | None = None,
    pagesize: tuple[float, float] = A4,
    compress: bool = False,
) -> bytes:
    """Draw the document with `draw` (on as many pages as its blocks need), `footer` at the
    bottom of every page, and return the PDF's bytes.

    Uncompressed by default: a one-page document stays a few kilobytes and skips zlib time.
    """
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1 if compress else 0)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject(subject)
    canvas.setCreator("EduCert")
    writer = PageWriter(canvas, footer=footer)
    draw(writer)
    writer.finish()
    canvas.save()
    return buffer.getvalue()
