"""What a degree application is made of: its file slots (as data, checked by
`educert_common.files`), who is eligible for a round, and the snapshot of the record."""

from datetime import date

from educert_common.files import SlotSpec
from records.academic.models import QualificationRecord, RecordModel, StudentStatusRecord
from records.academic.rules import LABELS_ZH

MB = 1024 * 1024
IMAGES = frozenset({"jpeg", "png"})
# Scans and photos of documents; at most 8 MB each so one upload plus its form stays under
# the gateway's 10 MB body limit (no `upload_routes` entry needed).
ID_CARD_FRONT = SlotSpec(
    "id_card_front",
    "身份证正面",
    "ID card, front",
    kinds=IMAGES,
    max_bytes=5 * MB,
    min_dimensions=(300, 180),
)
ID_CARD_BACK = SlotSpec(
    "id_card_back",
    "身份证反面",
    "ID card, back",
    kinds=IMAGES,
    max_bytes=5 * MB,
    min_dimensions=(300, 180),
)
DIPLOMA_SCAN = SlotSpec(
    "diploma_scan",
    "本科毕业证扫描件",
    "Diploma scan",
    kinds=IMAGES,
    max_bytes=8 * MB,
    min_dimensions=(600, 400),
)
# CET-4/CET-6 score report, PETS-3 certificate, or a screenshot of the online result.
LANGUAGE_PROOF = SlotSpec(
    "language_proof",
    "外语水平证明（四六级成绩单、PETS-3 证书或截图）",
    "Foreign-language proof (CET-4/CET-6 report, PETS-3 certificate or a screenshot)",
    kinds=frozenset({"jpeg", "png", "pdf"}),
    max_bytes=8 * MB,
    max_pages=5,
)
# 学信网毕业生备案表 (with grades): a PDF or a picture of it; or the code of the student's
# own qualification report instead (see `registration_report`).
REGISTRATION_FORM = SlotSpec(
    "registration_form",
    "毕业生电子注册备案表",
    "Graduate registration form",
    kinds=frozenset({"pdf", "jpeg", "png"}),
    max_bytes=8 * MB,
    max_pages=5,
)
PHOTO = SlotSpec(
    "photo", "电子照片", "Photo", kinds=frozenset({"jpeg"}), max_bytes=2 * MB,
    min_dimensions=(240, 320), max_dimensions=(2000, 2000),
)  # fmt: skip
SLOTS: dict[str, SlotSpec] = {
    slot.name: slot
    for slot in (
        ID_CARD_FRONT,
        ID_CARD_BACK,
        DIPLOMA_SCAN,
        LANGUAGE_PROOF,
        REGISTRATION_FORM,
        PHOTO,
    )
}
ALL_MATERIALS = tuple(SLOTS)
# What staff may name when they return an application: a slot, the report code, or all.
RETURNABLE_FIELDS = (*ALL_MATERIALS, "registration_report", "general")


def _label(value: str | None) -> str:
    return LABELS_ZH.get(value, value) if value else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def snapshot_of(record: RecordModel, *, id_number_masked: str) -> dict[str, str]:
    """The application's status fields, taken from the record (codes, and the Chinese
    labels under `<field>_zh`, so an export reads without a lookup)."""
    assert isinstance(record, QualificationRecord | StudentStatusRecord)
    facts = {
        "name": record.name,
        "gender": record.gender,
        "birth_date": _day(record.birth_date),
        "id_number": id_number_masked,
        "student_number": record.student_number,
        "major": record.major,
        "level": record.level,
        "education_type": record.education_type or "",
        "study_form": record.study_form or "",
        "enrollment_date": _day(record.enrollment_date),
    }
    if isinstance(record, QualificationRecord):
        facts |= {
            "certificate_number": record.certificate_number,
            "graduation_date": _day(record.graduation_date),
            "conclusion": record.conclusion,
        }
    else:
        facts |= {"enrollment_status": record.status}
    for field in ("gender", "level", "education_type", "study_form"):
        facts[f"{field}_zh"] = _label(facts[field])
    return facts
