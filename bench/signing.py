"""Signing benchmark: PAdES on a one-page verification report, and receipts for partners.

Run:  .venv/bin/python bench/signing.py [--count 300]
Target: signing a one-page report (sign alone) well under 25 ms median. Prints medians; the
full summary also goes to bench/results/signing.json. Keys are development keys generated
in a temporary directory.

Measured:
- render + sign: draw the report with educert_common.pdf, then sign it (PAdES B-B);
- sign alone: educert_common.signing.sign_pdf on an already rendered report;
- sign alone, pyHanko defaults: the same signature from `SimpleSigner.load` and pyHanko's
  own size estimate and attributes, for comparison with our cached signer;
- check: educert_common.signing.check_pdf_signature (pyHanko's validator, offline);
- receipt: sign_receipt and verify_receipt of a 1,000-result bulk verification answer.
"""

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Benchmarks run like the tests (no development tools, no production checks).
os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from educert_common.pdf import (
    PageWriter,
    VerificationBlock,
    draw_verification_block,
    register_fonts,
    render_pdf,
)
from educert_common.settings import PlatformSettings
from educert_common.signing import (
    SigningKeys,
    SigningSettings,
    check_pdf_signature,
    load_signing_keys,
    sign_pdf,
    sign_receipt,
    verify_receipt,
)
from educert_common.signing.keys import DEV_DOCUMENT_FILE

RESULTS = Path(__file__).parent / "results"


def draw_report(page: PageWriter, index: int) -> None:
    page.title(
        "教育部学历证书电子注册备案表", subtitle="Online Verification Report of Higher Education"
    )
    page.key_values(
        [
            ("姓名 Name", "张**"),
            ("性别 Gender", "男 Male"),
            ("出生日期 Date of birth", "2001年03月**日"),
            ("证件号码 ID number", "110***********1234"),
            ("入学日期 Enrolled", "2019年09月01日"),
            ("毕（结）业日期 Graduated", "2023年06月30日"),
            ("学校名称 Institution", "北京大学 Peking University"),
            ("专业 Major", "计算机科学与技术 Computer Science and Technology"),
            ("学历类别 Type", "普通高等教育 Regular higher education"),
            ("层次 Level", "本科 Bachelor"),
            ("证书编号 Certificate no.", f"1000{index:014d}"),
            ("校（院）长 President", "龚**"),
        ]
    )
    page.rule()
    page.paragraph(
        "本报告在有效期内可通过验证码在线查验，报告内容与学籍学历信息一致。"
        "This report can be checked online with its verification code while it is valid."
    )
    draw_verification_block(
        page,
        VerificationBlock(
            code=f"AB{index:04d}-2345-EFGH",
            url=f"https://educert.example/v/AB{index:04d}2345EFGH",
        ),
    )


def render(index: int) -> bytes:
    return render_pdf(lambda page: draw_report(page, index), title="学历认证报告")


def bulk_answer(index: int, count: int = 1000) -> dict[str, Any]:
    return {
        "batch": f"B-2026-12-02-{index:04d}",
        "partner": "招商银行 China Merchants Bank",
        "checked_at": "2026-12-02T07:30:00Z",
        "results": [
            {
                "code": f"AB{line:010d}",
                "status": "valid" if line % 7 else "revoked",
                "holder": "张**",
                "institution": "北京大学",
                "level": "本科",
                "graduated": "2023-06-30",
                "line": line,
            }
            for line in range(count)
        ],
    }


def timed(work: Callable[[int], object], count: int, warm_up: int = 10) -> list[float]:
    for index in range(warm_up):
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


def pyhanko_defaults(directory: Path) -> Callable[[bytes], bytes]:
    """pyHanko as its documentation shows it: loaded from files, its own estimates."""
    bundle = str(directory / DEV_DOCUMENT_FILE)
    signer = signers.SimpleSigner.load(bundle, bundle)
    assert signer is not None
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )

    def sign(pdf: bytes) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signers.PdfSigner(metadata, signer).sign_pdf(writer).getvalue()

    return sign


def sign(pdf: bytes, keys: SigningKeys) -> bytes:
    return sign_pdf(pdf, keys, reason="学历认证报告", location="Beijing", name="EduCert")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--receipts", type=int, default=50)
    args = parser.parse_args()
    register_fonts()
    with tempfile.TemporaryDirectory() as directory:
        settings = SigningSettings(
            platform=PlatformSettings(environment="test"), signing_dev_dir=directory
        )
        keys = load_signing_keys(settings)
        reference = pyhanko_defaults(Path(directory))
        report = render(1)
        signed = sign(report, keys)
        roots = [keys.document_certificate]
        assert check_pdf_signature(signed, roots).ok
        answers = [bulk_answer(index) for index in range(args.receipts + 10)]
        receipt = sign_receipt(answers[0], keys)
        public = keys.credential_public_key
        results: dict[str, Any] = {
            "pdf_render_only": summary(timed(render, args.count)),
            "pdf_render_and_sign": summary(timed(lambda i: sign(render(i), keys), args.count)),
            "pdf_sign_only": summary(timed(lambda i: sign(report, keys), args.count)),
            "pdf_sign_only_pyhanko_defaults": summary(
                timed(lambda i: reference(report), max(args.count // 3, 20))
            ),
            "pdf_check": summary(
                timed(lambda i: check_pdf_signature(signed, roots), max(args.count // 3, 20))
            ),
            "receipt_1000_sign": summary(
                timed(lambda i: sign_receipt(answers[i % len(answers)], keys), args.receipts)
            ),
            "receipt_1000_verify": summary(
                timed(
                    lambda i: verify_receipt(receipt.payload_json, receipt.signature, public),
                    args.receipts,
                )
            ),
            "count": args.count,
            "report_bytes": len(report),
            "signed_report_bytes": len(signed),
            "receipt_1000_payload_bytes": len(receipt.payload_json.encode()),
            "cpus": os.cpu_count(),
        }
    for name, value in results.items():
        if isinstance(value, dict):
            print(f"{name:34} median {value['median_ms']:8.3f} ms   p99 {value['p99_ms']:8.3f} ms")
    print(json.dumps({k: v for k, v in results.items() if not isinstance(v, dict)}))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "signing.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
