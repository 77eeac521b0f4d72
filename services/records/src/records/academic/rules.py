"""What a reported record is: the three kinds, their vocabularies and the check of one row.

One check serves the API (one record) and the bulk import (a million rows): `check_row` takes
the fields as strings or typed values, normalises them and collects every problem with the
field named, so an institution's error report and a 422 say the same thing.
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import orjson

from educert_common.errors import FieldError, Problems, Text
from educert_common.idnumbers import (
    GB11643_TYPES,
    ID_FORMATS,
    IdType,
    check_gb11643,
    normalise_id_number,
)


class RecordKind(StrEnum):
    STUDENT_STATUS = "student_status"  # 学籍
    QUALIFICATION = "qualification"  # 学历
    DEGREE = "degree"  # 学位

    @property
    def path(self) -> str:
        """The URL segment of this kind (student-status, qualifications, degrees)."""
        return _PATHS[self]

    @classmethod
    def from_path(cls, segment: str) -> "RecordKind":
        return _KINDS_BY_PATH[segment]


_PATHS = {
    RecordKind.STUDENT_STATUS: "student-status",
    RecordKind.QUALIFICATION: "qualifications",
    RecordKind.DEGREE: "degrees",
}
_KINDS_BY_PATH = {path: kind for kind, path in _PATHS.items()}


class Labelled(StrEnum):
    """A code with its Chinese label; reported rows may give either."""

    @property
    def zh(self) -> str:
        return LABELS_ZH[self.value]


class Gender(Labelled):
    MALE = "male"
    FEMALE = "female"


class Level(Labelled):
    JUNIOR_COLLEGE = "junior_college"  # 专科
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士研究生
    DOCTOR = "doctor"  # 博士研究生


class StudyForm(Labelled):
    FULL_TIME = "full_time"  # 全日制
    PART_TIME = "part_time"  # 非全日制
    CORRESPONDENCE = "correspondence"  # 函授
    SPARE_TIME = "spare_time"  # 业余
    ONLINE = "online"  # 网络


class EducationType(Labelled):
    REGULAR = "regular"  # 普通高等教育
    ADULT = "adult"  # 成人高等教育
    ONLINE = "online"  # 网络教育
    SELF_STUDY = "self_study"  # 高等教育自学考试


class EnrollmentStatus(Labelled):
    ENROLLED = "enrolled"  # 在籍(注册学籍)
    SUSPENDED = "suspended"  # 休学
    RESUMED = "resumed"  # 复学
    WITHDRAWN = "withdrawn"  # 退学
    EXPELLED = "expelled"  # 开除学籍
    TRANSFERRED = "transferred"  # 转学
    GRADUATED = "graduated"  # 毕业
    COMPLETED = "completed"  # 结业
    INCOMPLETE = "incomplete"  # 肄业
    DECEASED = "deceased"  # 死亡


class Conclusion(Labelled):
    GRADUATED = "graduated"  # 毕业
    COMPLETED = "completed"  # 结业
    INCOMPLETE = "incomplete"  # 肄业


class DegreeLevel(Labelled):
    BACHELOR = "bachelor"  # 学士
    MASTER = "master"  # 硕士
    DOCTOR = "doctor"  # 博士


LABELS_ZH: dict[str, str] = {
    "male": "男",
    "female": "女",
    "junior_college": "专科",
    "bachelor": "本科",
    "master": "硕士研究生",
    "doctor": "博士研究生",
    "full_time": "全日制",
    "part_time": "非全日制",
    "correspondence": "函授",
    "spare_time": "业余",
    "online": "网络",
    "regular": "普通",
    "adult": "成人",
    "self_study": "自考",
    "enrolled": "在籍",
    "suspended": "休学",
    "resumed": "复学",
    "withdrawn": "退学",
    "expelled": "开除学籍",
    "transferred": "转学",
    "graduated": "毕业",
    "completed": "结业",
    "incomplete": "肄业",
    "deceased": "死亡",
}
DEGREE_LEVEL_ZH = {"bachelor": "学士", "master": "硕士", "doctor": "博士"}
# Chinese spellings institutions use in their own systems, mapped to codes.
ALIASES: dict[type[Labelled], dict[str, str]] = {
    Gender: {"男": "male", "女": "female", "1": "male", "2": "female"},
    Level: {
        "专科": "junior_college", "高职": "junior_college", "专科(高职)": "junior_college",
        "本科": "bachelor", "硕士": "master", "硕士研究生": "master", "博士": "doctor",
        "博士研究生": "doctor",
    },
    StudyForm: {
        "全日制": "full_time", "普通全日制": "full_time", "非全日制": "part_time",
        "函授": "correspondence", "业余": "spare_time", "网络": "online",
        "网络教育": "online",
    },
    EducationType: {
        "普通": "regular", "普通高等教育": "regular", "成人": "adult",
        "成人高等教育": "adult", "网络": "online", "网络教育": "online",
        "自考": "self_study", "高等教育自学考试": "self_study",
    },
    EnrollmentStatus: {
        "在籍": "enrolled", "注册学籍": "enrolled", "报到入学": "enrolled", "休学": "suspended",
        "复学": "resumed", "退学": "withdrawn", "开除学籍": "expelled", "转学": "transferred",
        "毕业": "graduated", "结业": "completed", "肄业": "incomplete", "死亡": "deceased",
    },
    Conclusion: {"毕业": "graduated", "结业": "completed", "肄业": "incomplete"},
    DegreeLevel: {"学士": "bachelor", "硕士": "master", "博士": "doctor"},
}  # fmt: skip
ID_TYPE_ALIASES = {
    "居民身份证": "resident_id",
    "身份证": "resident_id",
    "护照": "foreign_passport",
    "港澳台居民居住证": "hmt_residence_permit",
    "港澳居民来往内地通行证": "hk_macau_permit",
    "台湾居民来往大陆通行证": "taiwan_permit",
    "军官证": "officer_id",
    "士兵证": "officer_id",
}
# 学科门类 (the 14 discipline categories of the degree catalogue, 2022).
DISCIPLINES = (
    "哲学", "经济学", "法学", "教育学", "文学", "历史学", "理学", "工学", "农学", "医学",
    "军事学", "管理学", "艺术学", "交叉学科",
)  # fmt: skip

PERSON_FIELDS = ("student_number", "name", "gender", "birth_date", "id_type", "id_number")
KIND_FIELDS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.STUDENT_STATUS: (
        "ethnicity", "major", "level", "study_form", "education_type", "enrollment_date",
        "study_years", "status", "status_date",
    ),
    RecordKind.QUALIFICATION: (
        "certificate_number", "serial_number", "major", "level", "study_form",
        "education_type", "enrollment_date", "graduation_date", "conclusion", "principal_name",
    ),
    RecordKind.DEGREE: (
        "certificate_number", "degree_level", "discipline", "major", "awarding_institution_id",
        "conferred_date",
    ),
}  # fmt: skip
OPTIONAL_FIELDS = frozenset(
    {"ethnicity", "serial_number", "principal_name", "status_date", "study_form",
     "education_type", "enrollment_date", "awarding_institution_id", "id_type"}
)  # fmt: skip
# The date that must be 1991 or later in each kind (records before 1991 are not served).
DATED_BY: dict[RecordKind, str] = {
    RecordKind.STUDENT_STATUS: "enrollment_date",
    RecordKind.QUALIFICATION: "graduation_date",
    RecordKind.DEGREE: "conferred_date",
}

# E-registration numbers (电子注册号, since 2001): school code (5), kind of schooling (1),
# year (4), level (2), serial (6).
E_REGISTRATION_NUMBER = re.compile(r"^\d{18}$")
CERTIFICATE_NUMBER = re.compile(r"^[A-Z0-9\-]{4,40}$")
STUDENT_NUMBER = re.compile(r"^[A-Za-z0-9\-_]{1,32}$")
CHINESE_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(?:[·•][\u3400-\u4dbf\u4e00-\u9fff]+)*$")
LATIN_NAME = re.compile(r"^[A-Z]+(?:[ '\-][A-Z]+)*$")


def certificate_key(number: str) -> str:
    """The form certificate numbers match on: upper case, no spaces or `NO.`, no leading zeros.

    Old certificates (1991-2000) carry a serial printed as `NO.00298959`; students type it as
    `No.298959`, `00298959` or `298959`, and all of those must find it.
    """
    value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()
    value = re.sub(r"^(?:NO\.?|№|N0\.)(?=\d)", "", value)  # not the NO of NORTH1
    return value.lstrip("0") or "0"


_WHITESPACE = re.compile(r"\s+")
# Text that folding would change: two whitespace characters in a row, or one that is no space.
_UNFOLDED = re.compile(r"\s\s|[^\S ]")


def clean_text(value: Any) -> str:
    """NFKC, trimmed, runs of whitespace folded to one space."""
    # The bulk import calls this ~15 times a row: skip the work that would change nothing.
    text = str(value)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _UNFOLDED.search(text):
        text = _WHITESPACE.sub(" ", text)
    return text.strip()


@dataclass
class CheckedRow:
    """One row, normalised, with every problem found (field, code, message)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RowContext:
    """What a row is checked against: the reporting institution and the earliest year."""

    institution_id: str
    # School codes (last 5 digits of the institution code) whose e-registration numbers this
    # institution may report: its own and those of institutions merged into it.
    school_codes: frozenset[str]
    earliest_year: int = 1991
    today: date | None = None


def _problem(row: CheckedRow, name: str, code: str, en: str, zh: str) -> None:
    row.errors.append(FieldError(name, code, Text(en, zh)))


_CODES: dict[type[Labelled], dict[str, str]] = {}


def _codes(vocabulary: type[Labelled]) -> dict[str, str]:
    """A vocabulary's values by value (a dict look-up, not an Enum call that raises)."""
    codes = _CODES.get(vocabulary)
    if codes is None:
        codes = _CODES[vocabulary] = {member.value: member.value for member in vocabulary}
    return codes


def _labelled(row: CheckedRow, name: str, raw: Any, vocabulary: type[Labelled]) -> str | None:
    text = clean_text(raw)
    code = _codes(vocabulary).get(text.lower())
    if code is not None:
        return code
    code = ALIASES.get(vocabulary, {}).get(text)
    if code is not None:
        return code
    allowed = ", ".join(member.value for member in vocabulary)
    _problem(
        row,
        name,
        "invalid_choice",
        f"Not one of: {allowed} (or their Chinese names)",
        f"取值不在允许范围内:{allowed}(或对应中文)",
    )
    return None


def _date(row: CheckedRow, name: str, raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = clean_text(raw).replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text)
    except ValueError:
        _problem(
            row,
            name,
            "invalid_date",
            "A date is YYYY-MM-DD (or YYYYMMDD, YYYY/MM/DD)",
            "日期格式应为 YYYY-MM-DD",
        )
        return None


def _text(row: CheckedRow, name: str, raw: Any, max_length: int) -> str | None:
    text = clean_text(raw)
    if not text:
        _problem(row, name, "required", "This field is required", "此项必填")
        return None
    if len(text) > max_length:
        _problem(
            row,
            name,
            "too_long",
            f"At most {max_length} characters",
            f"最多 {max_length} 个字符",
        )
        return None
    # isprintable() is False for every Cc/Cf/Co/Cs character: look closer only then.
    if not text.isprintable() and any(
        unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in text
    ):
        _problem(
            row, name, "invalid_characters", "Contains control characters", "包含不可见控制字符"
        )
        return None
    return text


# A field's check result by (field, type, raw value), shared by the rows of one import: most
# columns repeat a few values (levels, dates, majors), so each distinct value is checked once.
FieldMemo = dict[tuple[str, type, Any], tuple[Any, tuple[FieldError, ...]]]
_MEMO_LIMIT = 65_536
# Fields unique to a row, never worth remembering.
_UNMEMOISED = frozenset({"certificate_number", "serial_number"})


def _memoised(
    row: CheckedRow, memo: FieldMemo | None, name: str, raw: Any,
    check: Callable[..., Any], *args: Any,
) -> Any:  # fmt: skip
    """`check(row, raw, *args)`, or the value and problems it gave for the same raw value
    before.

    Only for checks that depend on nothing but the raw value (and the import's kind and
    context, which a memo never outlives)."""
    if memo is None:
        return check(row, raw, *args)
    key = (name, type(raw), raw)
    hit = memo.get(key)
    if hit is None:
        scratch = CheckedRow()
        value = check(scratch, raw, *args)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        hit = memo[key] = (value, tuple(scratch.errors))
    if hit[1]:
        row.errors.extend(hit[1])
    return hit[0]


def _id_type(row: CheckedRow, raw: Any) -> IdType | None:
    raw_type = clean_text(raw)
    try:
        return IdType(ID_TYPE_ALIASES.get(raw_type, raw_type.lower()))
    except ValueError:
        _problem(row, "id_type", "invalid_choice", "Unknown ID type", "证件类型不存在")
        return None


def _gender(row: CheckedRow, raw: Any) -> str | None:
    return _labelled(row, "gender", raw, Gender)


def _birth_date(row: CheckedRow, raw: Any) -> date | None:
    return _date(row, "birth_date", raw)


def _check_person(
    row: CheckedRow, raw: Mapping[str, Any], today: date, memo: FieldMemo | None
) -> None:
    values = row.values
    number = clean_text(raw.get("student_number") or "")
    if not STUDENT_NUMBER.fullmatch(number):
        _problem(
            row,
            "student_number",
            "invalid_student_number",
            "A student number has 1-32 letters, digits, - or _",
            "学号应为 1-32 位字母、数字、- 或 _",
        )
    values["student_number"] = number
    name = _text(row, "name", raw.get("name") or "", 100)
    if name is not None:
        compact = name.replace(" ", "")
        if CHINESE_NAME.fullmatch(compact):
            name = compact
        elif not LATIN_NAME.fullmatch(name.upper()):
            _problem(
                row,
                "name",
                "invalid_name",
                "A name is in Chinese characters, or Latin letters as on the passport",
                "姓名应为汉字,或与护照一致的拉丁字母",
            )
        else:
            name = name.upper()
    values["name"] = name
    values["gender"] = _memoised(row, memo, "gender", raw.get("gender") or "", _gender)
    birth = _memoised(row, memo, "birth_date", raw.get("birth_date") or "", _birth_date)
    id_type = _memoised(row, memo, "id_type", raw.get("id_type") or "resident_id", _id_type)
    id_number = normalise_id_number(str(raw.get("id_number") or ""))
    if id_type is not None:
        if id_type in GB11643_TYPES:
            problems = Problems()
            facts = check_gb11643(id_number, id_type, problems, "id_number")
            row.errors.extend(problems.errors)
            if facts is not None:
                if values["gender"] is not None and facts.gender != values["gender"]:
                    _problem(
                        row,
                        "gender",
                        "gender_mismatch",
                        "The gender does not match the ID number (17th digit odd = male)",
                        "性别与证件号码不符(第 17 位奇数为男)",
                    )
                if birth is not None and birth != facts.birth_date:
                    _problem(
                        row,
                        "birth_date",
                        "birth_date_mismatch",
                        "The birth date does not match the ID number",
                        "出生日期与证件号码不符",
                    )
        else:
            subject = (
                str(raw.get("id_number") or "").strip()
                if id_type == IdType.OFFICER_ID
                else id_number
            )
            if not ID_FORMATS[id_type].fullmatch(subject):
                _problem(
                    row,
                    "id_number",
                    "id_number_format",
                    f"The number does not have the format of a {id_type.value}",
                    "证件号码格式不正确",
                )
            id_number = subject
    if birth is not None and birth > today:
        _problem(
            row,
            "birth_date",
            "birth_date_future",
            "The birth date is in the future",
            "出生日期晚于今天",
        )
    values["birth_date"] = birth
    values["id_type"] = id_type.value if id_type is not None else None
    values["id_number"] = id_number


def check_row(
    kind: RecordKind, raw: Mapping[str, Any], context: RowContext, memo: FieldMemo | None = None
) -> CheckedRow:
    """Check and normalise one reported record of `kind`; never raises for bad data.

    `memo` (the bulk import's, one per file: same kind, same context) remembers each field's
    result by raw value; the result is the same with it or without it."""
    today = context.today or date.today()
    row = CheckedRow()
    _check_person(row, raw, today, memo)
    values = row.values
    for name in KIND_FIELDS[kind]:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name not in OPTIONAL_FIELDS:
                _problem(row, name, "required", "This field is required", "此项必填")
            values[name] = None
            continue
        if memo is None or name in _UNMEMOISED:
            values[name] = _check_field(row, kind, name, value, context)
        else:
            values[name] = _memoised(row, memo, name, value, _field_of, kind, name, context)
    if kind == RecordKind.DEGREE and values.get("awarding_institution_id") is None:
        values["awarding_institution_id"] = context.institution_id
    _check_dates(row, kind, context, today)
    return row


_VOCABULARIES: dict[str, type[Labelled]] = {
    "level": Level,
    "study_form": StudyForm,
    "education_type": EducationType,
    "status": EnrollmentStatus,
    "conclusion": Conclusion,
    "degree_level": DegreeLevel,
}
_DATES = frozenset({"enrollment_date", "status_date", "graduation_date", "conferred_date"})


def _field_of(row: CheckedRow, value: Any, kind: RecordKind, name: str, context: RowContext) -> Any:
    return _check_field(row, kind, name, value, context)


def _check_field(
    row: CheckedRow, kind: RecordKind, name: str, value: Any, context: RowContext
) -> Any:
    if name in _VOCABULARIES:
        return _labelled(row, name, value, _VOCABULARIES[name])
    if name in _DATES:
        return _date(row, name, value)
    if name == "study_years":
        try:
            years = Decimal(clean_text(value))
        except InvalidOperation:
            years = Decimal(0)
        if not (Decimal(1) <= years <= Decimal(8)) or years * 2 != int(years * 2):
            _problem(
                row,
                name,
                "invalid_study_years",
                "The expected length is 1 to 8 years, in half years (e.g. 4 or 2.5)",
                "学制应为 1 至 8 年,以半年为单位(如 4 或 2.5)",
            )
            return None
        return years.quantize(Decimal("0.1"))
    if name == "certificate_number":
        return _certificate_number(row, kind, value, context)
    if name == "serial_number":
        serial = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()
        if not re.fullmatch(r"(?:NO\.?)?\d{1,12}", serial):
            _problem(
                row,
                name,
                "invalid_serial_number",
                "A certificate serial is digits, optionally after NO. (e.g. NO.00298959)",
                "证书流水号应为数字,可带 NO. 前缀(如 NO.00298959)",
            )
            return None
        return serial
    if name == "awarding_institution_id":
        code = clean_text(value)
        if not re.fullmatch(r"\d{10}", code):
            _problem(
                row,
                name,
                "invalid_institution_code",
                "An institution code has 10 digits",
                "院校标识码应为 10 位数字",
            )
            return None
        return code
    if name == "discipline":
        text = clean_text(value)
        if text not in DISCIPLINES:
            _problem(
                row,
                name,
                "invalid_choice",
                f"Not a discipline category: {', '.join(DISCIPLINES)}",
                f"学科门类应为:{'、'.join(DISCIPLINES)}",
            )
            return None
        return text
    limits = {"ethnicity": 20, "major": 100, "principal_name": 50}
    return _text(row, name, value, limits.get(name, 100))


def _certificate_number(
    row: CheckedRow, kind: RecordKind, value: Any, context: RowContext
) -> str | None:
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()
    if not CERTIFICATE_NUMBER.fullmatch(number):
        _problem(
            row,
            "certificate_number",
            "invalid_certificate_number",
            "A certificate number has 4-40 letters, digits or -",
            "证书编号应为 4-40 位字母、数字或 -",
        )
        return None
    if (
        kind == RecordKind.QUALIFICATION
        and E_REGISTRATION_NUMBER.fullmatch(number)
        and number[:5] not in context.school_codes
    ):
        _problem(
            row,
            "certificate_number",
            "certificate_other_institution",
            "This e-registration number begins with another institution's school code",
            "该电子注册号以其他院校的学校代码开头",
        )
        return None
    return number


def _check_dates(row: CheckedRow, kind: RecordKind, context: RowContext, today: date) -> None:
    values = row.values
    dated_by = DATED_BY[kind]
    anchor = values.get(dated_by)
    if anchor is not None and anchor.year < context.earliest_year:
        _problem(
            row,
            dated_by,
            "before_1991",
            f"Records from before {context.earliest_year} are not served",
            f"平台仅受理 {context.earliest_year} 年以后的记录",
        )
    for name in _DATES:
        value = values.get(name)
        if value is not None and value > today:
            _problem(row, name, "date_future", "The date is in the future", "日期晚于今天")
    enrolled, graduated = values.get("enrollment_date"), values.get("graduation_date")
    if enrolled is not None and graduated is not None and graduated <= enrolled:
        _problem(
            row,
            "graduation_date",
            "before_enrollment",
            "Graduation is after enrollment",
            "毕业日期应晚于入学日期",
        )
    birth = values.get("birth_date")
    if birth is not None and anchor is not None and anchor <= birth:
        _problem(
            row, dated_by, "before_birth", "The date is before the birth date", "日期早于出生日期"
        )
    number = values.get("certificate_number") if kind == RecordKind.QUALIFICATION else None
    registered_year = (
        int(number[6:10]) if number and E_REGISTRATION_NUMBER.fullmatch(number) else None
    )
    if registered_year is not None and graduated is not None and registered_year != graduated.year:
        _problem(
            row,
            "certificate_number",
            "certificate_year_mismatch",
            "An e-registration number carries the graduation year (digits 7-10)",
            "电子注册号第 7-10 位应为毕业年份",
        )


# The exact types check_row gives its values. orjson writes them as json.dumps(
# ensure_ascii=False, default=str) does: a str or None the same text (every code point
# compared, quotes, backslash, control characters, U+007F, U+2028, astral; a lone surrogate
# orjson refuses instead), a date its ISO form (its str()), a Decimal through `default=str`.
# Anything else is left to json: orjson would write a datetime with "T" where str() has a
# space, and floats, enums, subclasses and containers its own way.
ORJSON_SAFE_TYPES = frozenset({str, type(None), date, Decimal})


def orjson_writes_as_json(values: Iterable[Any]) -> bool:
    """Whether orjson gives json.dumps's text for these values (if it does not raise)."""
    return ORJSON_SAFE_TYPES.issuperset(map(type, values))


# The keys of the canonical JSON content_hash hashes, per kind, in json's sort_keys order.
_CANONICAL_KEYS = {kind: tuple(sorted((*PERSON_FIELDS, *KIND_FIELDS[kind]))) for kind in RecordKind}
_HASH_PREFIXES = {kind: f"{kind.value}:".encode() for kind in RecordKind}


def canonical_json(kind: RecordKind, values: Mapping[str, Any], id_number_hash: str) -> bytes:
    """The UTF-8 of `json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",",
    ":"), default=str)`, facts being the kind's fields of `values` (None where missing) with
    the ID number's keyed hash in place of the number.

    Stored fingerprints are hashes of this text: it must never change for any input."""
    facts = {key: values.get(key) for key in _CANONICAL_KEYS[kind]}
    facts["id_number"] = id_number_hash
    if orjson_writes_as_json(facts.values()):
        try:
            # Keys already in sort_keys order: the dict's order is the text's.
            return orjson.dumps(facts, default=str)
        except orjson.JSONEncodeError:
            # A lone surrogate (orjson takes only what UTF-8 can hold): json's text, whose
            # encoding raises UnicodeEncodeError below as it always has. A checked row never
            # holds one (decoded CSV has U+FFFD instead, XML refuses them, check_row refuses
            # category Cs in free text); any other caller's values are still hashed as ever.
            pass
    text = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.encode()


def content_hash(kind: RecordKind, values: Mapping[str, Any], id_number_hash: str) -> str:
    """A fingerprint of a record's facts: the same row sent twice has the same one.

    The ID number enters as its keyed hash (its ciphertext differs at every encryption).
    """
    canonical = canonical_json(kind, values, id_number_hash)
    return hashlib.sha256(_HASH_PREFIXES[kind] + canonical).hexdigest()
