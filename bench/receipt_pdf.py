"""Receipt PDF benchmark: time per receipt (text, fonts, verification block and QR code), and
the QR code alone drawn from segno's matrix versus reportlab's own QR widget.

Run:  .venv/bin/python bench/receipt_pdf.py [--count 500]
Target: median at most 15 ms per receipt including its QR code. Results also go to
bench/results/receipt_pdf.json.
"""

import argparse
import io
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas

from educert_common.pdf import draw_qr, qr_matrix, register_fonts, render_pdf
from payment.receipts.render import ReceiptFacts, render_receipt

# Benchmarks run like the tests (no development tools, no production checks).
os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")

RESULTS = Path(__file__).parent / "results"
URL = "https://educert.example/api/v1/payment/receipts/ABCD2345EFGH"


def facts(index: int) -> ReceiptFacts:
    return ReceiptFacts(
        order_no=f"{index:032x}",
        purpose_label="学位学历认证费 Certification fee",
        amount_fen=36000,
        channel="wechat",
        paid_at=datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
        transaction_id=f"42000026112{index:010d}",
        payer="张**",
        code=f"AB{index:010d}"[:12],
        verify_url=f"https://educert.example/api/v1/payment/receipts/AB{index:010d}",
    )


def timed(work: Callable[[int], object], count: int) -> list[float]:
    for index in range(20):  # warm up caches (fonts, imports)
        work(index)
    samples = []
    for index in range(count):
        started = time.perf_counter()
        work(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


def page_with(draw: Callable[[Canvas], None]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=0)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def reportlab_widget(canvas: Canvas, data: str) -> None:
    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(90, 90, transform=[90 / (x1 - x0), 0, 0, 90 / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 400, 400)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    register_fonts()
    results = {
        "receipt_with_qr": summary(timed(lambda i: render_receipt(facts(i)), args.count)),
        "text_page_only": summary(
            timed(
                lambda i: render_pdf(
                    lambda page: page.key_values([("订单号 Order no.", f"{i:032x}")] * 8),
                    title="t",
                ),
                args.count,
            )
        ),
        "qr_segno_matrix_only": summary(timed(lambda i: qr_matrix(f"{URL}{i}"), args.count)),
        "qr_segno_drawn_page": summary(
            timed(
                lambda i: page_with(lambda c: draw_qr(c, f"{URL}{i}", x=400, y=400, size=90)),
                args.count,
            )
        ),
        "qr_reportlab_widget_page": summary(
            timed(lambda i: page_with(lambda c: reportlab_widget(c, f"{URL}{i}")), args.count)
        ),
        "empty_page": summary(timed(lambda i: page_with(lambda c: None), args.count)),
        "count": args.count,
        "receipt_bytes": len(render_receipt(facts(1))),
    }
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "receipt_pdf.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
