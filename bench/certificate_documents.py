"""Certificate documents benchmark (in-process): the signed certificate PDF against its target
and against the bare library work it cannot avoid, measured in the same run; the
certificate credential and the signed refusal letter beside it.

Run:  make bench-certificate-documents
      (or .venv/bin/python bench/certificate_documents.py [--count 200])

Measured on a foreign-degree certificate as `issue_certificate` snapshots it (a UK master's
degree, every fact filled), with development signing keys generated in a temporary directory
(`EDUCERT_SIGNING_DEV_DIR`):
- pdf: `certification.certificates.documents.certificate_pdf` (zh): page, QR and PAdES
  signature; also render alone (`render_certificate_pdf`) and sign alone (`async_sign_pdf`
  on that page). Limits: reportlab drawing the same lines on a bare canvas (no layout or
  QR), and a raw ECDSA P-256 signature of the page's bytes (what any signature costs);
- credential: `certificate_credential` (VC 2.0, eddsa-jcs-2022 proof). Limit: one raw
  Ed25519 signature of the 64 bytes a proof signs;
- refusal letter: `refusal_letter_pdf` (zh, three reasons), signed.
Target (median): signed certificate PDF < 25 ms.
Results: stdout and bench/results/certificate_documents.json.
"""

import argparse
import asyncio
import hashlib
import inspect
import io
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Benchmarks run like the tests (no development tools, no production checks); the keys are
# this run's own development keys.
os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")
KEYS_DIR = tempfile.mkdtemp(prefix="certificate-documents-")
os.environ["EDUCERT_SIGNING_DEV_DIR"] = KEYS_DIR

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from certification.certificates.documents import (  # noqa: E402
    Addresses,
    Refusal,
    certificate_credential,
    certificate_facts,
    certificate_pdf,
    refusal_letter_pdf,
    render_certificate_pdf,
)
from certification.certificates.models import Certificate  # noqa: E402
from educert_common.pdf import register_fonts  # noqa: E402
from educert_common.signing.keys import SigningKeys, SigningSettings, load_signing_keys  # noqa: E402
from educert_common.signing.pades import async_sign_pdf  # noqa: E402
from educert_common.verification.codes import new_code  # noqa: E402
from educert_common.verification.public import ISSUER_NAME  # noqa: E402

RESULTS = Path(__file__).parent / "results"
ADDRESSES = Addresses("https://educert.example")
TARGETS_MS = {"pdf_signed": 25.0}


def sample_certificate(now: datetime) -> Certificate:
    """A certificate as `issue_certificate` makes it (not stored: only drawn and signed)."""
    return Certificate(
        id=uuid.uuid4(),
        application_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        number=f"ZG{now.year}0001234",
        code=new_code(),
        status_index=4242,
        facts={
            "kind": "foreign_degree",
            "application_number": "RZ20261202000123",
            "holder": {
                "name_zh": "张伟",
                "passport_name": "ZHANG WEI",
                "gender": "male",
                "birth_date": "1996-05-17",
            },
            "degree": {
                "country": "GB",
                "institution_name": "University of Edinburgh",
                "institution_name_en": None,
                "title": "Master of Science",
                "level": "master",
                "major": "Data Science",
                "awarded_on": "2023-11-20",
                "certificate_number": "ED-2023-118822",
            },
        },
        issued_at=now,
        issued_by="rev-bench",
    )


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
    """The certificate's lines drawn on a bare reportlab canvas: the least a page costs."""
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


async def measure(keys: SigningKeys, count: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    certificate = sample_certificate(now)
    page = render_certificate_pdf(certificate, language="zh", addresses=ADDRESSES)
    font = register_fonts()
    lines = [(fact.label_zh, fact.value) for fact in certificate_facts(certificate)]
    document_key = keys.document_key
    assert isinstance(document_key, ec.EllipticCurvePrivateKey)
    proof_bytes = hashlib.sha256(b"config").digest() + hashlib.sha256(b"document").digest()
    refusal = Refusal(
        application_number="RZ20261202000124",
        kind_zh="国(境)外学历学位认证",
        kind_en="Foreign degree or qualification",
        holder="张伟",
        decided_at=now,
        reasons=[
            "颁发机构在其所在国未获认可",
            "学习经历主要以远程方式在境内完成",
            "提交的学位证书与学校核实结果不一致",
        ],
    )

    async def signed(_: int) -> bytes:
        return await certificate_pdf(certificate, language="zh", keys=keys, addresses=ADDRESSES)

    async def sign_alone(_: int) -> bytes:
        return await async_sign_pdf(
            page, keys, reason="bench", location=ADDRESSES.base, name=ISSUER_NAME
        )

    async def letter(_: int) -> bytes:
        return await refusal_letter_pdf(refusal, language="zh", keys=keys, addresses=ADDRESSES)

    figures = {
        "pdf_signed": await timed(signed, count),
        "pdf_render": await timed(
            lambda _: render_certificate_pdf(certificate, language="zh", addresses=ADDRESSES),
            count,
        ),
        "pdf_sign": await timed(sign_alone, count),
        "limit_bare_page": await timed(lambda _: bare_page(lines, font), count),
        "limit_ecdsa_p256": await timed(
            lambda _: document_key.sign(page, ec.ECDSA(hashes.SHA256())), count
        ),
        "credential": await timed(
            lambda _: certificate_credential(certificate, keys=keys, addresses=ADDRESSES, now=now),
            count * 10,
        ),
        "limit_ed25519": await timed(lambda _: keys.credential_key.sign(proof_bytes), count * 10),
        "refusal_letter_signed": await timed(letter, count),
    }
    figures["sizes"] = {
        "pdf_signed_bytes": len(await signed(0)),
        "pdf_page_bytes": len(page),
        "refusal_letter_bytes": len(await letter(0)),
    }
    return figures


def ratios(f: dict[str, Any]) -> dict[str, float]:
    """The signed PDF's median against its target and against its limits of this run."""

    def over(a: str, b: str) -> float:
        return round(f[a]["median_ms"] / f[b]["median_ms"], 2)

    return {
        "pdf_signed_over_target": round(f["pdf_signed"]["median_ms"] / TARGETS_MS["pdf_signed"], 2),
        # The least a signed page of the same lines costs: drawing them, one signature.
        "pdf_signed_over_bare_page_plus_ecdsa": round(
            f["pdf_signed"]["median_ms"]
            / (f["limit_bare_page"]["median_ms"] + f["limit_ecdsa_p256"]["median_ms"]),
            2,
        ),
        "pdf_render_over_bare_page": over("pdf_render", "limit_bare_page"),
        "pdf_sign_over_ecdsa_p256": over("pdf_sign", "limit_ecdsa_p256"),
        "credential_over_ed25519": over("credential", "limit_ed25519"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="PDFs timed (credentials x10)")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        keys = load_signing_keys(SigningSettings())
        results.update(asyncio.run(measure(keys, args.count)))
    finally:
        shutil.rmtree(KEYS_DIR, ignore_errors=True)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["ratios"] = r = ratios(results)
    for name in (
        "pdf_signed", "pdf_render", "pdf_sign", "limit_bare_page", "limit_ecdsa_p256",
        "credential", "limit_ed25519", "refusal_letter_signed",
    ):  # fmt: skip
        f = results[name]
        print(
            f"{name:22} median {f['median_ms']:8.3f} ms  p99 {f['p99_ms']:8.3f} ms  n={f['count']}"
        )
    print(
        f"signed certificate PDF: {r['pdf_signed_over_target']}x the 25 ms target, "
        f"{r['pdf_signed_over_bare_page_plus_ecdsa']}x a bare page plus a raw signature; render "
        f"{r['pdf_render_over_bare_page']}x a bare page of the same lines, sign "
        f"{r['pdf_sign_over_ecdsa_p256']}x a raw ECDSA P-256 signature; credential "
        f"{r['credential_over_ed25519']}x a raw Ed25519 signature"
    )
    print(f"sizes {results['sizes']}")
    print(
        f"load average before {results['load_average_before']}, "
        f"after {results['load_average_after']}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "certificate_documents.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
