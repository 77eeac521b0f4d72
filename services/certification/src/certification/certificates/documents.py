"""What a certificate is handed over as: the signed PDF (PAdES, zh or en; for domestic
certification it is also the e-report), the W3C Verifiable Credential (eddsa-jcs-2022, with
its entry in the certificates' status list); and the signed refusal letter of a refused
application. Signed with the platform's keys, as records signs reports."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from reportlab.lib.units import mm

from certification.certificates.models import Certificate
from educert_common.clock import BEIJING
from educert_common.credentials.data_integrity import add_proof
from educert_common.credentials.status_list import status_entry
from educert_common.credentials.vc import build_credential
from educert_common.pdf.layout import PageWriter, render_pdf
from educert_common.pdf.verification import VerificationBlock, draw_verification_block
from educert_common.signing.keys import SigningKeys
from educert_common.signing.pades import async_sign_pdf
from educert_common.verification.answer import Fact
from educert_common.verification.codes import display_code
from educert_common.verification.public import ISSUER_NAME, PublicAddresses

Language = Literal["zh", "en"]

# The one status list of certificates (revocation): a random index per certificate.
STATUS_LIST_ID = "certificates-1"
DOMESTIC_KINDS = frozenset({"domestic_qualification"})


class Addresses(PublicAddresses):
    """The public addresses printed in certificates (through the gateway)."""

    service = "certification"
    documents = "certificates/"
    status_list_id = STATUS_LIST_ID

    def credential_id(self, certificate: Certificate) -> str:
        return f"{self.api}/certificates/{certificate.id}/credential"


@dataclass(frozen=True)
class Title:
    document_type: str
    zh: str
    en: str


TITLES = {
    "foreign_degree": Title(
        "foreign_degree_certificate",
        "国(境)外学历学位认证书",
        "Certificate of Authentication of a Foreign Degree or Qualification",
    ),
    "hmt_degree": Title(
        "hmt_degree_certificate",
        "港澳台地区学历学位认证书",
        "Certificate of Authentication of a Hong Kong, Macau or Taiwan Degree",
    ),
    "domestic_qualification": Title(
        "domestic_qualification_report",
        "中国高等教育学历认证报告",
        "Certification Report of a Chinese Higher Education Qualification",
    ),
}
FOOTER_ZH = "EduCert 学历学位认证平台"
FOOTER_EN = "EduCert - Degree and qualification certification"
GENERIC_TITLE = Title("certification_certificate", "认证证书", "Certificate of Certification")
LEVELS = {
    "associate": ("专科", "Associate"),
    "bachelor": ("学士/本科", "Bachelor"),
    "master": ("硕士", "Master"),
    "doctor": ("博士", "Doctor"),
}
GENDERS = {"male": ("男", "Male"), "female": ("女", "Female")}


def title_of(certificate: Certificate) -> Title:
    return TITLES.get(str(certificate.facts.get("kind")), GENERIC_TITLE)


def local_date(moment: datetime | None) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d") if moment else ""


def certificate_facts(certificate: Certificate) -> list[Fact]:
    """What the certificate states, line by line in both languages (the snapshot taken at
    the decision); empty values are left out."""
    holder = certificate.facts.get("holder") or {}
    degree = certificate.facts.get("degree") or {}
    level = LEVELS.get(degree.get("level") or "")
    gender = GENDERS.get(holder.get("gender") or "")
    institution_en = degree.get("institution_name_en")
    lines: list[tuple[str, str, str, str | None, str | None]] = [
        ("certificate_number", "证书编号", "Certificate number", certificate.number, None),
        ("name", "姓名", "Name", holder.get("name_zh") or holder.get("passport_name"), None),
        ("passport_name", "护照姓名", "Name in passport", holder.get("passport_name"), None),
        ("gender", "性别", "Gender", gender[0] if gender else None, gender[1] if gender else None),
        ("birth_date", "出生日期", "Date of birth", holder.get("birth_date"), None),
        ("country", "国家或地区", "Country or region", degree.get("country"), None),
        (
            "institution",
            "颁发机构",
            "Awarding institution",
            degree.get("institution_name"),
            institution_en if institution_en != degree.get("institution_name") else None,
        ),
        ("title", "学位/学历名称", "Degree or qualification", degree.get("title"), None),
        ("level", "层次", "Level", level[0] if level else None, level[1] if level else None),
        ("major", "专业", "Field of study", degree.get("major"), None),
        ("awarded_on", "获得日期", "Awarded on", degree.get("awarded_on"), None),
        (
            "degree_certificate_number",
            "原证书编号",
            "Number of the degree certificate",
            degree.get("certificate_number"),
            None,
        ),
        ("certified_on", "认证日期", "Certified on", local_date(certificate.issued_at), None),
    ]
    return [
        Fact(key=key, label_zh=zh, label_en=en, value=str(value), value_en=value_en)
        for key, zh, en, value, value_en in lines
        if value
    ]


async def certificate_pdf(
    certificate: Certificate, *, language: Language, keys: SigningKeys, addresses: Addresses
) -> bytes:
    """The certificate as a one-page PDF in one language, PAdES-signed with the platform's
    document key: any change to the file breaks the signature."""
    document = render_certificate_pdf(certificate, language=language, addresses=addresses)
    return await async_sign_pdf(
        document,
        keys,
        reason=f"{title_of(certificate).en} {certificate.number}",
        location=addresses.base,
        name=ISSUER_NAME,
    )


def render_certificate_pdf(
    certificate: Certificate, *, language: Language, addresses: Addresses
) -> bytes:
    """The certificate's page, unsigned."""
    title = title_of(certificate)
    zh = language == "zh"
    facts = certificate_facts(certificate)
    rows = [
        (fact.label_zh if zh else fact.label_en, fact.value if zh else fact.value_en or fact.value)
        for fact in facts
    ]
    names = {fact.key: fact.value for fact in facts if fact.key in ("name", "passport_name")}
    # In English the holder is named as the passport spells it, where there is one.
    holder = names.get("name", "") if zh else names.get("passport_name", names.get("name", ""))
    statement = (
        f"经审核，{holder} 所持学历学位信息如下，特此证明。"
        if zh
        else f"Having examined the application, the platform certifies that {holder} holds "
        "the degree or qualification described below."
    )
    code = display_code(certificate.code)

    def draw(page: PageWriter) -> None:
        page.title(title.zh if zh else title.en, subtitle=title.en if zh else title.zh, size=16)
        page.rule()
        page.paragraph(statement, size=10.5)
        page.space(4)
        page.key_values(rows, label_width=38 * mm if zh else 58 * mm)
        draw_verification_block(
            page,
            VerificationBlock(
                code=code,
                url=addresses.verify_page(certificate.code),
                caption=(
                    "扫描二维码或访问以下网址核验本证书；"
                    "本文件带有平台的数字签名，任何改动都会使签名失效。"
                    if zh
                    else "Scan the QR code or visit the URL to verify this certificate. The "
                    "file carries the platform's digital signature; any change breaks it."
                ),
                code_label="在线验证码" if zh else "Online verification code",
            ),
        )

    return render_pdf(
        draw,
        title=f"{title.en} {certificate.number}",
        subject=title.en,
        footer=FOOTER_ZH if zh else FOOTER_EN,
    )


def certificate_credential(
    certificate: Certificate, *, keys: SigningKeys, addresses: Addresses, now: datetime
) -> dict[str, Any]:
    """The certificate as a W3C Verifiable Credential 2.0 with an eddsa-jcs-2022 proof and its
    entry in the certificates' status list; it carries the facts the certificate states."""
    title = title_of(certificate)
    facts = certificate_facts(certificate)
    credential = build_credential(
        credential_id=addresses.credential_id(certificate),
        credential_type="DegreeCertificationCredential",
        issuer_id=addresses.issuer,
        issuer_name=ISSUER_NAME,
        valid_from=certificate.issued_at,
        valid_until=None,
        subject={
            "type": "DegreeCertification",
            "certificateType": title.document_type,
            "certificateNumber": certificate.number,
            "verificationCode": display_code(certificate.code),
            "verificationPage": addresses.verify_page(certificate.code),
            "facts": {fact.key: fact.value for fact in facts},
            "factsEnglish": {fact.key: fact.value_en or fact.value for fact in facts},
        },
        status=status_entry(addresses.status_list, certificate.status_index, "revocation"),
        name=f"{title.zh} / {title.en}",
    )
    return add_proof(
        credential, keys.credential_key, verification_method=addresses.key_id(keys), created=now
    )


@dataclass(frozen=True)
class Refusal:
    """What a refusal letter says: whose application, which, when, and why."""

    application_number: str
    kind_zh: str
    kind_en: str
    holder: str
    decided_at: datetime | None
    reasons: list[str]


async def refusal_letter_pdf(
    refusal: Refusal, *, language: Language, keys: SigningKeys, addresses: Addresses
) -> bytes:
    """The refusal letter as a PDF with the reviewer's reasons (as many pages as they need),
    PAdES-signed."""
    document = render_refusal_letter_pdf(refusal, language=language)
    return await async_sign_pdf(
        document,
        keys,
        reason=f"Notice of refusal {refusal.application_number}",
        location=addresses.base,
        name=ISSUER_NAME,
    )


def render_refusal_letter_pdf(refusal: Refusal, *, language: Language) -> bytes:
    """The refusal letter's pages, unsigned."""
    zh = language == "zh"

    def draw(page: PageWriter) -> None:
        page.title(
            "不予认证通知书" if zh else "Notice of Refusal of Certification",
            subtitle="Notice of Refusal of Certification" if zh else "不予认证通知书",
            size=16,
        )
        page.rule()
        page.key_values(
            [
                ("申请人" if zh else "Applicant", refusal.holder),
                ("申请编号" if zh else "Application number", refusal.application_number),
                ("申请类型" if zh else "Application", refusal.kind_zh if zh else refusal.kind_en),
                ("决定日期" if zh else "Decided on", local_date(refusal.decided_at)),
            ],
            label_width=30 * mm if zh else 45 * mm,
        )
        page.rule(gap=8)
        page.paragraph(
            "经审核，您的认证申请不予认证，理由如下："
            if zh
            else "Having examined your "
            "application, the platform does not certify it, for these reasons:",
            size=10.5,
        )
        for number, reason in enumerate(refusal.reasons, start=1):
            page.paragraph(f"{number}. {reason}", size=10.5)
        page.space(8)
        page.paragraph(
            "如对结果有异议，可在平台提交复议申请，并附上新的证明材料。"
            if zh
            else "If you disagree, you may apply for reconsideration on the platform, with "
            "new supporting evidence.",
            size=9.5,
        )

    return render_pdf(
        draw,
        title=f"Refusal {refusal.application_number}",
        subject="Notice of refusal",
        footer=FOOTER_ZH if zh else FOOTER_EN,
    )
