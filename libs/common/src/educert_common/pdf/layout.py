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


def wrap_text(text: str, width: float, size: float, font: str = CJK_FONT) -> list[str]:
    """Split `text` into lines no wider than `width`; breaks anywhere (Chinese has no spaces),
    preferring a space when the line holds Latin words."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            candidate = line + char
            if line and text_width(candidate, size, font) > width:
                cut = line.rfind(" ")
                if cut > 0 and char != " ":
                    lines.append(line[:cut])
                    line = line[cut + 1 :] + char
                else:
                    lines.append(line.rstrip())
                    line = char.lstrip()
            else:
                line = candidate
        lines.append(line)
    return lines


@dataclass
class PageWriter:
    """Writes blocks down an A4 page from the top margin; `y` is where the next block starts."""

    canvas: Canvas
    margin: float = 20 * mm
    font: str = CJK_FONT
    width: float = field(init=False)
    height: float = field(init=False)
    y: float = field(init=False)

    def __post_init__(self) -> None:
        self.width, self.height = self.canvas._pagesize
        self.y = self.height - self.margin

    @property
    def content_width(self) -> float:
        return self.width - 2 * self.margin

    def space(self, points: float) -> None:
        self.y -= points

    def title(self, text: str, *, size: float = 18, subtitle: str | None = None) -> None:
        """A centred title, with an optional smaller line under it."""
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
        leading = leading or size * 1.45
        self.canvas.setFont(self.font, size)
        for line in wrap_text(text, self.content_width, size, self.font):
            self.y -= leading
            self.canvas.drawString(self.margin, self.y, line)

    def rule(self, *, gap: float = 6) -> None:
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
        """Two columns: a grey label and its value (wrapped within the page)."""
        leading = leading or size * 1.8
        value_width = self.content_width - label_width
        for label, value in rows:
            self.y -= leading
            self.canvas.setFont(self.font, size)
            self.canvas.setFillColorRGB(*GREY)
            self.canvas.drawString(self.margin, self.y, label)
            self.canvas.setFillColorRGB(*BLACK)
            lines = wrap_text(value, value_width, size, self.font)
            self.canvas.drawString(self.margin + label_width, self.y, lines[0])
            for line in lines[1:]:
                self.y -= size * 1.3
                self.canvas.drawString(self.margin + label_width, self.y, line)

    def footer(self, text: str, *, size: float = 8) -> None:
        """A grey line at the bottom margin (does not move `y`)."""
        self.canvas.setFont(self.font, size)
        self.canvas.setFillColorRGB(*GREY)
        self.canvas.drawCentredString(self.width / 2, self.margin / 2, text)
        self.canvas.setFillColorRGB(*BLACK)


def render_pdf(
    draw: Callable[[PageWriter], None],
    *,
    title: str,
    author: str = "EduCert",
    subject: str = "",
    pagesize: tuple[float, float] = A4,
    compress: bool = False,
) -> bytes:
    """Draw one page with `draw` and return the PDF's bytes.

    Uncompressed by default: a one-page document stays a few kilobytes and skips zlib time.
    """
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1 if compress else 0)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject(subject)
    canvas.setCreator("EduCert")
    draw(PageWriter(canvas))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
