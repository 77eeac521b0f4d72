"""What a report is handed over as: the signed PDF (PAdES) and the W3C Verifiable Credential
(eddsa-jcs-2022); the issuer's key document and the signed status list that verifiers need
offline are `educert_common.verification.public`'s, shared with certification."""

import io
from datetime import datetime, timedelta
from typing import Any, Literal

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from educert_common.credentials.data_integrity import add_proof
from educert_common.credentials.status_list import status_entry
from educert_common.credentials.vc import build_credential
from educert_common.pdf.layout import PageWriter, render_pdf
from educert_common.pdf.verification import VerificationBlock, draw_verification_block
from educert_common.signing.keys import SigningKeys
from educert_common.signing.pades import async_sign_pdf
from educert_common.verification.codes import display_code
from educert_common.verification.public import ISSUER_NAME, PublicAddresses
from records.academic.rules import RecordKind
from records.reports.models import Report
from records.reports.rules import TITLES

Language = Literal["zh", "en"]
CHINA_OFFSET = timedelta(hours=8)
# The one status list of reports (revocation purpose): a random index per report.
STATUS_LIST_ID = "reports-1"


class Addresses(PublicAddresses):
    """The public addresses printed in reports (through the gateway)."""

    service = "records"
    status_list_id = STATUS_LIST_ID

    def credential_id(self, report: Report) -> str:
        return f"{self.api}/reports/{report.id}/credential"


def _local(moment: datetime | None) -> str:
    return (moment + CHINA_OFFSET).strftime("%Y-%m-%d %H:%M") if moment else ""


async def report_pdf(
    report: Report,
    *,
    language: Language,
    photo: bytes | None,
    keys: SigningKeys,
    addresses: Addresses,
) -> bytes:
    """The report as a one-page PDF in one language, PAdES-signed with the platform's
    document key: any change to the file breaks the signature."""
    _, _, title_en = TITLES[RecordKind(report.record_kind)]
    document = render_report_pdf(report, language=language, photo=photo, addresses=addresses)
    return await async_sign_pdf(
        document,
        keys,
        reason=f"{title_en} {display_code(report.code)}",
        location=addresses.base,
        name=ISSUER_NAME,
    )


def render_report_pdf(
    report: Report, *, language: Language, photo: bytes | None, addresses: Addresses
) -> bytes:
    """The report's page, unsigned."""
    _, title_zh, title_en = TITLES[RecordKind(report.record_kind)]
    zh = language == "zh"
    rows = [
        (line["label_zh"] if zh else line["label_en"], line["value_zh"] if zh else line["value_en"])
        for line in report.facts
    ]
    validity = (
        f"{_local(report.valid_from)} 至 {_local(report.valid_until)}（北京时间）"
        if zh
        else f"{_local(report.valid_from)} to {_local(report.valid_until)} (Beijing time)"
    )
    url = addresses.verify_page(report.code)

    def draw(page: PageWriter) -> None:
        page.title(title_zh if zh else title_en, subtitle=None if zh else title_zh, size=16)
        page.rule()
        top = page.y
        if photo is not None:
            # The record's photo, top right, the size of a 2-inch ID photo.
            width, height = 26 * mm, 34 * mm
            page.canvas.drawImage(
                ImageReader(io.BytesIO(photo)),
                page.width - page.margin - width,
                top - height - 2 * mm,
                width,
                height,
                preserveAspectRatio=True,
            )
        page.key_values(rows, label_width=38 * mm if zh else 52 * mm)
        page.rule(gap=8)
        page.key_values(
            [("有效期" if zh else "Valid", validity)], label_width=38 * mm if zh else 52 * mm
        )
        draw_verification_block(
            page,
            VerificationBlock(
                code=display_code(report.code),
                url=url,
                caption=(
                    "扫描二维码或访问以下网址核验本报告；"
                    "本文件带有平台的数字签名，任何改动都会使签名失效。"
                    if zh
                    else "Scan the QR code or visit the URL to verify this report. The file "
                    "carries the platform's digital signature; any change to it breaks it."
                ),
                code_label="在线验证码" if zh else "Online verification code",
            ),
        )

    return render_pdf(
        draw,
        title=f"{title_en} {display_code(report.code)}",
        subject=title_en,
        footer="EduCert 学历学位认证平台" if zh else "EduCert - Higher education records",
    )


def report_credential(
    report: Report, *, keys: SigningKeys, addresses: Addresses, now: datetime
) -> dict[str, Any]:
    """The report as a W3C Verifiable Credential 2.0 with an eddsa-jcs-2022 proof and its
    entry in the status list; it carries exactly the facts the report shows."""
    assert report.valid_from is not None and report.valid_until is not None
    document_type, title_zh, title_en = TITLES[RecordKind(report.record_kind)]
    subject = {
        "type": "EducationRecordReport",
        "reportType": document_type,
        "verificationCode": display_code(report.code),
        "verificationPage": addresses.verify_page(report.code),
        "facts": {line["key"]: line["value_zh"] for line in report.facts},
        "factsEnglish": {line["key"]: line["value_en"] for line in report.facts},
        "institutionId": report.institution_id,
    }
    credential = build_credential(
        credential_id=addresses.credential_id(report),
        credential_type="EducationRecordReportCredential",
        issuer_id=addresses.issuer,
        issuer_name=ISSUER_NAME,
        valid_from=report.valid_from,
        valid_until=report.valid_until,
        subject=subject,
        status=status_entry(addresses.status_list, report.status_index, "revocation"),
        name=f"{title_zh} / {title_en}",
    )
    return add_proof(
        credential,
        keys.credential_key,
        verification_method=addresses.key_id(keys),
        created=now,
    )
