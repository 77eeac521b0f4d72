"""QR codes drawn as vector rectangles from segno's module matrix.

segno computes the matrix in a few milliseconds; drawing one filled path of horizontal runs
keeps the page small and fast (reportlab's own QR widget computes and draws module by module
and is several times slower, see bench/receipt_pdf.py).
"""

from collections.abc import Sequence

import segno
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of white border the QR specification asks for


def qr_matrix(data: str, *, error: str = "m") -> tuple[tuple[int, ...], ...]:
    """The dark (1) and light (0) modules of the QR code for `data`, without the quiet zone."""
    code = segno.make(data, error=error, micro=False)
    return tuple(tuple(row) for row in code.matrix)


def _runs(row: Sequence[int]) -> list[tuple[int, int]]:
    runs = []
    x, n = 0, len(row)
    while x < n:
        if row[x]:
            start = x
            while x < n and row[x]:
                x += 1
            runs.append((start, x - start))
        else:
            x += 1
    return runs


def draw_qr(
    canvas: Canvas,
    data: str,
    *,
    x: float,
    y: float,
    size: float,
    quiet_zone: bool = True,
    error: str = "m",
) -> None:
    """Draw a QR code for `data` in the square whose lower-left corner is (x, y)."""
    matrix = qr_matrix(data, error=error)
    border = QUIET_ZONE if quiet_zone else 0
    modules = len(matrix) + 2 * border
    unit = size / modules
    top = y + size - border * unit
    left = x + border * unit
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        row_y = top - (row_index + 1) * unit
        for start, length in _runs(row):
            path.rect(left + start * unit, row_y, length * unit, unit)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
