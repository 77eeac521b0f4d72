"""Report documents benchmark (in-process): the signed report PDF, the report credential and
the report status list, each against its target and against the bare library work it cannot
avoid, measured in the same run.

Run:  make bench-report-documents
      (or .venv/bin/python bench/report_documents.py [--count 200] [--set-bits 2000])

Measured on a valid qualification report as the service issues it (the facts a real issue
snapshots, the default disclosure, a 358 x 441 JPEG ID photo), with development signing keys
generated in a temporary directory (`EDUCERT_SIGNING_DEV_DIR`):
- pdf: `records.reports.documents.report_pdf` (zh): page, QR, photo and PAdES signature;
  also render alone (`render_report_pdf`) and sign alone (`async_sign_pdf` on that page).
  Limits: reportlab drawing the same lines on a bare canvas (no layout, QR or photo), and a
  raw ECDSA P-256 signature of the page's bytes (what any signature costs);
- credential: `report_credential` (VC 2.0, eddsa-jcs-2022 proof). Limit: one raw Ed25519
  signature of the 64 bytes a proof signs;
- status list: `StatusList.encode` of 131,072 entries with `--set-bits` random bits set, and
  the whole signed `status_list_document` from those indexes. Limit: stdlib gzip (level 6)
  and base64url of the same 16 KiB.
Targets (medians): signed PDF < 25 ms; credential < 2 ms; status list encoded < 5 ms.
Results: stdout and bench/results/report_documents.json.
"""

import argparse
import asyncio
import base64
import gzip
import hashlib
import inspect
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Benchmarks run like the tests (no development tools, no production checks); the keys are
# this run's own development keys.
os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")
KEYS_DIR = tempfile.mkdtemp(prefix="report-documents-")
os.environ["EDUCERT_SIGNING_DEV_DIR"] = KEYS_DIR

sys.path.insert(0, str(Path(__file__).parent))
import reports_data  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from educert_common.credentials.status_list import MIN_ENTRIES, StatusList  # noqa: E402
from educert_common.pdf import register_fonts  # noqa: E402
from educert_common.signing.keys import SigningKeys, SigningSettings, load_signing_keys  # noqa: E402
from educert_common.signing.pades import async_sign_pdf  # noqa: E402
from educert_common.verification.public import ISSUER_NAME, status_list_document  # noqa: E402
from records.reports.documents import (  # noqa: E402
    Addresses,
    render_report_pdf,
    report_credential,
    report_pdf,
)

RESULTS = Path(__file__).parent / "results"
ADDRESSES = Addresses("https://educert.example")
TARGETS_MS = {"pdf_signed": 25.0, "credential": 2.0, "status_list_encode": 5.0}


async def timed(work: Callable[[int], Any], count: int) -> dict[str, float]:
    """Median, p99 and mean milliseconds of `work(i)` (awaited when it is a coroutine)."""
    samples = []
    for index in range(-min(20, count), count):  # the first calls warm caches (fonts, signer)
        started = time.perf_counter()
        result = work(index)
        if inspect.isawaitable(result):
            await result
        if index >= 0:
            samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "count": len(ordered),
    }


def bare_page(lines: list[tuple[str, str]], font: str) -> bytes:
    """The report's lines drawn on a bare reportlab canvas: the least a page of them costs."""
    import io

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=0)
    canvas.setFont(font, 10)
    y = 780.0
    for label, value in lines:
        canvas.drawString(60, y, label)
        canvas.drawString(200, y, value)
        y -= 16
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


async def measure(keys: SigningKeys, count: int, set_bits: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    report = reports_data.sample_report(now)
    photo = reports_data.id_photo()
    page = render_report_pdf(report, language="zh", photo=photo, addresses=ADDRESSES)
    font = register_fonts()
    lines = [(line["label_zh"], line["value_zh"]) for line in report.facts]
    document_key = keys.document_key
    assert isinstance(document_key, ec.EllipticCurvePrivateKey)
    indexes = reports_data.RNG.sample(range(MIN_ENTRIES), set_bits)
    bits = StatusList()
    for index in indexes:
        bits.set(index, True)
    raw = bytearray(MIN_ENTRIES // 8)
    for index in indexes:  # the same bits, by hand (index 0 is the first byte's top bit)
        raw[index // 8] |= 0x80 >> (index % 8)
    raw_bits = bytes(raw)
    # The limit does the same work: its output is the encoded list, but for the multibase
    # prefix and padding.
    limit = base64.urlsafe_b64encode(gzip.compress(raw_bits, 6, mtime=0)).rstrip(b"=")
    assert bits.encode() == "u" + limit.decode()
    proof_bytes = hashlib.sha256(b"config").digest() + hashlib.sha256(b"document").digest()

    async def signed(_: int) -> bytes:
        return await report_pdf(report, language="zh", photo=photo, keys=keys, addresses=ADDRESSES)

    async def sign_alone(_: int) -> bytes:
        return await async_sign_pdf(
            page, keys, reason="bench", location=ADDRESSES.base, name=ISSUER_NAME
        )

    figures = {
        "pdf_signed": await timed(signed, count),
        "pdf_render": await timed(
            lambda _: render_report_pdf(report, language="zh", photo=photo, addresses=ADDRESSES),
            count,
        ),
        # Where render time goes: the same page without the photo (the JPEG is decoded and
        # recompressed into the PDF).
        "pdf_render_no_photo": await timed(
            lambda _: render_report_pdf(report, language="zh", photo=None, addresses=ADDRESSES),
            count,
        ),
        "pdf_sign": await timed(sign_alone, count),
        "limit_bare_page": await timed(lambda _: bare_page(lines, font), count),
        "limit_ecdsa_p256": await timed(
            lambda _: document_key.sign(page, ec.ECDSA(hashes.SHA256())), count
        ),
        "credential": await timed(
            lambda _: report_credential(report, keys=keys, addresses=ADDRESSES, now=now),
            count * 10,
        ),
        "limit_ed25519": await timed(lambda _: keys.credential_key.sign(proof_bytes), count * 10),
        "status_list_encode": await timed(lambda _: bits.encode(), count * 2),
        "status_list_document": await timed(
            lambda _: status_list_document(indexes, keys=keys, addresses=ADDRESSES, now=now),
            count * 2,
        ),
        "limit_gzip_base64": await timed(
            lambda _: base64.urlsafe_b64encode(gzip.compress(raw_bits, 6, mtime=0)), count * 2
        ),
    }
    figures["sizes"] = {
        "pdf_signed_bytes": len(await signed(0)),
        "pdf_page_bytes": len(page),
        "photo_bytes": len(photo),
        "status_list_encoded_chars": len(bits.encode()),
        "status_list_set_bits": set_bits,
    }
    return figures


def ratios(f: dict[str, Any]) -> dict[str, float]:
    """Each median against its target and against its limit measured in this run."""

    def over(a: str, b: str) -> float:
        return round(f[a]["median_ms"] / f[b]["median_ms"], 2)

    result = {
        f"{name}_over_target": round(f[name]["median_ms"] / target, 2)
        for name, target in TARGETS_MS.items()
    }
    result.update(
        {
            # The least a signed page of the same lines costs: drawing them, one signature.
            "pdf_signed_over_bare_page_plus_ecdsa": round(
                f["pdf_signed"]["median_ms"]
                / (f["limit_bare_page"]["median_ms"] + f["limit_ecdsa_p256"]["median_ms"]),
                2,
            ),
            "pdf_render_over_bare_page": over("pdf_render", "limit_bare_page"),
            "pdf_render_no_photo_over_bare_page": over("pdf_render_no_photo", "limit_bare_page"),
            "pdf_sign_over_ecdsa_p256": over("pdf_sign", "limit_ecdsa_p256"),
            "credential_over_ed25519": over("credential", "limit_ed25519"),
            "status_list_encode_over_gzip_base64": over("status_list_encode", "limit_gzip_base64"),
            "status_list_document_over_gzip_base64": over(
                "status_list_document", "limit_gzip_base64"
            ),
        }
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="PDFs timed (credentials x10)")
    parser.add_argument("--set-bits", type=int, default=2000, help="closed or revoked reports")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        keys = load_signing_keys(SigningSettings())
        results.update(asyncio.run(measure(keys, args.count, args.set_bits)))
    finally:
        shutil.rmtree(KEYS_DIR, ignore_errors=True)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["ratios"] = r = ratios(results)
    for name in (
        "pdf_signed", "pdf_render", "pdf_render_no_photo", "pdf_sign", "limit_bare_page",
        "limit_ecdsa_p256", "credential", "limit_ed25519", "status_list_encode",
        "status_list_document", "limit_gzip_base64",
    ):  # fmt: skip
        f = results[name]
        print(
            f"{name:22} median {f['median_ms']:8.3f} ms  p99 {f['p99_ms']:8.3f} ms  n={f['count']}"
        )
    print(
        f"signed PDF: {r['pdf_signed_over_target']}x the 25 ms target, "
        f"{r['pdf_signed_over_bare_page_plus_ecdsa']}x a bare page plus a raw signature; render "
        f"{r['pdf_render_over_bare_page']}x a bare page of the same lines (without the photo "
        f"{r['pdf_render_no_photo_over_bare_page']}x), sign "
        f"{r['pdf_sign_over_ecdsa_p256']}x a raw ECDSA P-256 signature"
    )
    print(
        f"credential: {r['credential_over_target']}x the 2 ms target, "
        f"{r['credential_over_ed25519']}x a raw Ed25519 signature"
    )
    print(
        f"status list (131,072 entries): encode {r['status_list_encode_over_target']}x the 5 ms "
        f"target, {r['status_list_encode_over_gzip_base64']}x stdlib gzip + base64; the signed "
        f"document {r['status_list_document_over_gzip_base64']}x"
    )
    print(f"sizes {results['sizes']}")
    print(
        f"load average before {results['load_average_before']}, "
        f"after {results['load_average_after']}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report_documents.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
