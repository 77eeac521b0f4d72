"""Pure rules of reports (no I/O): what each kind shows, in which words, under which
disclosure, and what state a report is in at a given moment."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from records.academic.rules import DEGREE_LEVEL_ZH, LABELS_ZH, RecordKind

IdNumberDisclosure = Literal["masked", "hidden"]
ReportState = Literal["valid", "not_yet_valid", "expired", "closed", "revoked", "unknown"]

TITLES: dict[RecordKind, tuple[str, str, str]] = {
    # kind: (document type, Chinese title, English title)
    RecordKind.STUDENT_STATUS: (
        "student_status_report",
        "教育部学籍在线验证报告",
        "Online Verification Report of Student Record",
    ),
    RecordKind.QUALIFICATION: (
        "qualification_report",
        "教育部学历证书电子注册备案表",
        "Online Verification Report of Higher Education Qualification Certificate",
    ),
    RecordKind.DEGREE: (
        "degree_report",
        "中国高等教育学位在线验证报告",
        "Online Verification Report of Higher Education Degree Certificate",
    ),
}

LABELS_EN: dict[str, str] = {
    "male": "Male",
    "female": "Female",
    "junior_college": "Junior college (Zhuanke)",
    "bachelor": "Undergraduate (Benke)",
    "master": "Master's",
    "doctor": "Doctoral",
    "full_time": "Full-time",
    "part_time": "Part-time",
    "correspondence": "Correspondence",
    "spare_time": "Spare-time",
    "online": "Online",
    "regular": "Regular higher education",
    "adult": "Adult higher education",
    "self_study": "Self-taught examination",
    "enrolled": "Enrolled",
    "suspended": "Suspended",
    "resumed": "Resumed",
    "withdrawn": "Withdrawn",
    "expelled": "Expelled",
    "transferred": "Transferred",
    "graduated": "Graduated",
    "completed": "Completed (without graduation)",
    "incomplete": "Incomplete",
    "deceased": "Deceased",
}
DEGREE_LEVEL_EN = {"bachelor": "Bachelor", "master": "Master", "doctor": "Doctor"}

# (field, Chinese label, English label), in the order a report shows them.
PERSON_LINES = (
    ("name", "姓名", "Name"),
    ("gender", "性别", "Gender"),
    ("birth_date", "出生日期", "Date of birth"),
    ("id_number", "证件号码", "ID number"),
)
KIND_LINES: dict[RecordKind, tuple[tuple[str, str, str], ...]] = {
    RecordKind.STUDENT_STATUS: (
        ("institution", "院校", "Institution"),
        ("student_number", "学号", "Student number"),
        ("major", "专业", "Major"),
        ("level", "层次", "Level"),
        ("study_form", "学习形式", "Study form"),
        ("education_type", "教育类别", "Education type"),
        ("enrollment_date", "入学日期", "Date of enrollment"),
        ("study_years", "学制", "Length of schooling (years)"),
        ("status", "学籍状态", "Status"),
        ("status_date", "状态日期", "Status since"),
    ),
    RecordKind.QUALIFICATION: (
        ("institution", "院校", "Institution"),
        ("certificate_number", "证书编号", "Certificate number"),
        ("major", "专业", "Major"),
        ("level", "层次", "Level"),
        ("study_form", "学习形式", "Study form"),
        ("enrollment_date", "入学日期", "Date of enrollment"),
        ("graduation_date", "毕（结）业日期", "Date of graduation"),
        ("conclusion", "毕（结）业", "Conclusion"),
        ("principal_name", "校（院）长姓名", "President"),
    ),
    RecordKind.DEGREE: (
        ("awarding_institution", "学位授予单位", "Awarding institution"),
        ("degree_level", "学位", "Degree"),
        ("discipline", "学科门类", "Discipline"),
        ("major", "专业", "Major"),
        ("certificate_number", "学位证书编号", "Certificate number"),
        ("conferred_date", "授予日期", "Date conferred"),
    ),
}
_CODED = frozenset({"gender", "level", "study_form", "education_type", "status", "conclusion"})


@dataclass(frozen=True)
class Disclosure:
    """What the student lets a report show beyond the record's facts."""

    id_number: IdNumberDisclosure = "masked"
    birth_date: bool = True
    photo: bool = True

    def as_json(self) -> dict[str, object]:
        return {"id_number": self.id_number, "birth_date": self.birth_date, "photo": self.photo}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Disclosure":
        return cls(
            id_number=data.get("id_number", "masked"),
            birth_date=bool(data.get("birth_date", True)),
            photo=bool(data.get("photo", True)),
        )


def _words(name: str, value: Any) -> tuple[str, str]:
    if isinstance(value, date):
        text = value.isoformat()
        return text, text
    if name == "degree_level":
        return DEGREE_LEVEL_ZH.get(value, value), DEGREE_LEVEL_EN.get(value, value)
    if name in _CODED:
        return LABELS_ZH.get(value, value), LABELS_EN.get(value, value)
    text = str(value)
    return text, text


def snapshot_facts(
    kind: RecordKind,
    record: Any,
    disclosure: Disclosure,
    *,
    id_number_masked: str,
    institution: tuple[str, str],
    awarding_institution: tuple[str, str] | None = None,
) -> list[dict[str, str]]:
    """The lines a report shows, with the values in both languages; a field the student hid
    or the institution left empty is absent, not blank."""
    lines: list[dict[str, str]] = []
    for name, label_zh, label_en in (*PERSON_LINES, *KIND_LINES[kind]):
        if name == "birth_date" and not disclosure.birth_date:
            continue
        if name == "id_number":
            if disclosure.id_number == "hidden":
                continue
            value_zh = value_en = id_number_masked
        elif name == "institution":
            value_zh, value_en = institution
        elif name == "awarding_institution":
            value_zh, value_en = awarding_institution or institution
        else:
            value = getattr(record, name, None)
            if value is None or value == "":
                continue
            value_zh, value_en = _words(name, value)
        lines.append(
            {
                "key": name,
                "label_zh": label_zh,
                "label_en": label_en,
                "value_zh": value_zh,
                "value_en": value_en,
            }
        )
    return lines


def state_at(
    *,
    status: str,
    valid_from: datetime | None,
    valid_until: datetime | None,
    now: datetime,
) -> ReportState:
    """What a verifier is told about a report at `now`."""
    if status == "revoked":
        return "revoked"
    if status == "closed":
        return "closed"
    if status != "active" or valid_from is None or valid_until is None:
        # Awaiting payment or cancelled: nothing was ever issued under this code.
        return "unknown"
    if now < valid_from:
        return "not_yet_valid"
    if now >= valid_until:
        return "expired"
    return "valid"
