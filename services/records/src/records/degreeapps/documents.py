"""What degree applications are handed over as: the student's receipt (a signed PDF with a
verification code, the voucher to collect the degree certificate) and the staff's export of
a round (XLSX, written in openpyxl's write-only mode, batch by batch)."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from reportlab.lib.units import mm

from educert_common.pdf.layout import PageWriter, render_pdf
from educert_common.pdf.verification import VerificationBlock, draw_verification_block
from educert_common.signing.keys import SigningKeys
from educert_common.signing.pades import async_sign_pdf
from educert_common.tabular import excel_safe
from educert_common.verification.codes import display_code
from records.degreeapps.models import DegreeApplication
from records.reports.documents import ISSUER_NAME, Addresses
from records.rounds.models import DegreeRound

CHINA_OFFSET = timedelta(hours=8)
RECEIPT_TITLE_ZH = "学士学位申请回执"
RECEIPT_TITLE_EN = "Bachelor's degree application receipt"
STATUS_ZH = {
    "draft": "草稿", "submitted": "待初审", "returned": "已退回修改", "approved": "初审通过",
    "confirmed": "已最终确认", "disqualified": "已取消资格",
}  # fmt: skip
MATERIALS = (
    "id_card_front", "id_card_back", "diploma_scan", "language_proof", "registration_form",
    "photo",
)  # fmt: skip
EXPORT_HEADER = (
    "学号 Student number", "姓名 Name", "性别 Gender", "专业 Major", "层次 Level",
    "学习形式 Education type", "证书编号 Certificate number", "状态 Status", "状态代码 Status code",
    "提交时间 Submitted", "初审通过 Approved", "最终确认 Confirmed", "回执码 Receipt code",
    "备案表验证码 Registration report code", "已上传材料 Materials uploaded",
    "缺少材料 Materials missing", "退回原因 Return reasons", "取消资格原因 Disqualification reason",
)  # fmt: skip


def _local(moment: datetime | None) -> str:
    return (moment + CHINA_OFFSET).strftime("%Y-%m-%d %H:%M") if moment else ""


def receipt_url(addresses: Addresses, institution_id: str, code: str) -> str:
    """Where the institution's staff check a receipt's code (signed in)."""
    return f"{addresses.api}/institutions/{institution_id}/degree-receipts/{code}"


def render_receipt_pdf(
    application: DegreeApplication,
    round_: DegreeRound,
    *,
    institution_name: str,
    addresses: Addresses,
) -> bytes:
    """The receipt's page, unsigned: who applied, with what record, when confirmed."""
    receipt = application.receipt_code
    assert receipt is not None
    facts = application.snapshot
    rows = [
        ("院校 Institution", institution_name),
        ("申请批次 Round", round_.title),
        ("姓名 Name", facts.get("name", "")),
        ("证件号码 ID number", facts.get("id_number", "")),
        ("学号 Student number", facts.get("student_number", "")),
        ("专业 Major", facts.get("major", "")),
        ("层次 Level", facts.get("level_zh", "")),
        ("学习形式 Education type", facts.get("education_type_zh", "")),
        ("毕业证书编号 Certificate", facts.get("certificate_number", "")),
        ("提交时间 Submitted", _local(application.submitted_at)),
        ("初审通过 Approved", _local(application.approved_at)),
        ("最终确认 Confirmed", _local(application.confirmed_at) + "（北京时间 Beijing time）"),
    ]
    code = display_code(receipt)

    def draw(page: PageWriter) -> None:
        page.title(RECEIPT_TITLE_ZH, subtitle=RECEIPT_TITLE_EN, size=16)
        page.rule()
        page.key_values(rows, label_width=46 * mm)
        page.rule(gap=8)
        page.paragraph(
            "本回执为领取学位证书的凭证。申请人已最终确认所填信息及所传材料真实有效；"
            "如发现伪造证件，一经核实即取消申请资格。"
        )
        page.paragraph(
            "This receipt is the voucher to collect the degree certificate. The applicant "
            "confirmed the application; forged documents disqualify it."
        )
        draw_verification_block(
            page,
            VerificationBlock(
                code=code,
                url=receipt_url(addresses, application.institution_id, receipt),
                caption="院校凭回执码核对申请；本文件带有平台的数字签名，任何改动都会使签名失效。"
                " The institution checks this code; the file is signed by the platform.",
                code_label="回执码 Receipt code",
            ),
        )

    return render_pdf(
        draw,
        title=f"{RECEIPT_TITLE_EN} {code}",
        subject=RECEIPT_TITLE_EN,
        footer="EduCert 学历学位认证平台",
    )


async def receipt_pdf(
    application: DegreeApplication,
    round_: DegreeRound,
    *,
    institution_name: str,
    keys: SigningKeys,
    addresses: Addresses,
) -> bytes:
    """The receipt, PAdES-signed with the platform's document key (like reports)."""
    document = await asyncio.to_thread(
        render_receipt_pdf, application, round_, institution_name=institution_name,
        addresses=addresses,
    )  # fmt: skip
    assert application.receipt_code is not None
    return await async_sign_pdf(
        document,
        keys,
        reason=f"{RECEIPT_TITLE_EN} {display_code(application.receipt_code)}",
        location=addresses.base,
        name=ISSUER_NAME,
    )


def export_line(row: Any, required: Sequence[str]) -> list[str]:
    """One application as a spreadsheet row (every text cell made formula-safe)."""
    facts = row.snapshot
    present = set((row.slots or "").split(",")) - {""}
    given = set(present)
    if row.registration_report_code:
        given.add("registration_form")
    reasons = "; ".join(f"{r.get('field')}: {r.get('reason')}" for r in row.return_reasons or [])
    cells = [
        facts.get("student_number"), facts.get("name"), facts.get("gender_zh"),
        facts.get("major"), facts.get("level_zh"), facts.get("education_type_zh"),
        facts.get("certificate_number", ""), STATUS_ZH.get(row.status, row.status), row.status,
        _local(row.submitted_at), _local(row.approved_at), _local(row.confirmed_at),
        display_code(row.receipt_code) if row.receipt_code else "",
        display_code(row.registration_report_code) if row.registration_report_code else "",
        ",".join(m for m in MATERIALS if m in present),
        ",".join(m for m in required if m not in given),
        reasons if row.status == "returned" else "", row.disqualified_reason or "",
    ]  # fmt: skip
    return [excel_safe(cell) for cell in cells]


async def write_export(
    batches: AsyncIterator[Sequence[Any]], required: Sequence[str], target: Path
) -> int:
    """Write the round's applications to `target` as XLSX, one batch at a time (openpyxl's
    write-only mode keeps rows on disk, not in memory); return how many were written. The
    CPU-bound appends and the save run in a thread, not on the event loop."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("applications")
    sheet.append(list(EXPORT_HEADER))
    written = 0

    def append(batch: Sequence[Any]) -> None:
        for row in batch:
            sheet.append(export_line(row, required))

    async for batch in batches:
        await asyncio.to_thread(append, batch)
        written += len(batch)
    await asyncio.to_thread(workbook.save, target)
    return written
