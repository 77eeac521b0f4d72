"""Registration rules: names, contacts, passwords, validity dates (ID documents themselves:
`educert_common.idnumbers`, which records shares).

Every check returns the normalised value or adds a FieldError naming the field; the caller
raises one ValidationFailed with all of them, so a form shows every problem at once.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from educert_common.errors import Problems
from educert_common.idnumbers import (
    GB11643_TYPES,
    HMT_REGIONS,
    ID_FORMATS,
    Gb11643Facts,
    IdType,
    check_gb11643,
    normalise_id_number,
)
from identity.accounts.passwords import is_common_password

# Documents only Chinese nationals hold (HK/Macau/Taiwan residents are Chinese nationals).
CHINESE_ONLY = frozenset(
    {
        IdType.RESIDENT_ID,
        IdType.CN_PASSPORT,
        IdType.HK_MACAU_PERMIT,
        IdType.TAIWAN_PERMIT,
        IdType.HMT_RESIDENCE_PERMIT,
        IdType.OFFICER_ID,
    }
)
# Resident ID cards of people aged 46 and over are valid long-term (长期): no end date.
LONG_TERM_ALLOWED = frozenset({IdType.RESIDENT_ID})

CHINESE_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(?:[·•][\u3400-\u4dbf\u4e00-\u9fff]+)*$")
LATIN_NAME = re.compile(r"^[A-Z]+(?:[ '\-][A-Z]+)*$")
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
INTERNATIONAL_MOBILE = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}$")
USERNAME = re.compile(r"^[a-z][a-z0-9_]{3,31}$")
ISO_COUNTRY = re.compile(r"^[A-Z]{2}$")

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 20
VERIFICATION_CODE_DIGITS = 6

# The same rules as JSON Schema, for the request models: the document then says what the
# checks here accept (the checks stay the ones that run, with their own error codes). The
# patterns are plain ECMA-262 (no lookarounds) and stricter where a check normalises first.
_ASCII_PRINTABLE = "[ -~]"
PASSWORD_SCHEMA = {
    "minLength": PASSWORD_MIN_LENGTH,
    "maxLength": PASSWORD_MAX_LENGTH,
    "pattern": f"^{_ASCII_PRINTABLE}*(?:[A-Za-z]{_ASCII_PRINTABLE}*[0-9]"
    f"|[0-9]{_ASCII_PRINTABLE}*[A-Za-z]){_ASCII_PRINTABLE}*$",
}
_MAINLAND_MOBILE_SPELLED = r"(?:(?:\+|00)86[ -]?)?1[3-9](?:[ -]?[0-9]){9}"
# + or 00, then 7-15 digits, not starting 86 (those are mainland numbers, above).
_INTERNATIONAL_MOBILE_SPELLED = (
    r"(?:\+|00)(?:[1-79](?:[ -]?[0-9]){6,14}|8[0-57-9](?:[ -]?[0-9]){5,13})"
)
MOBILE_SCHEMA = {
    "pattern": f"^(?:{_MAINLAND_MOBILE_SPELLED}|{_INTERNATIONAL_MOBILE_SPELLED})$",
    "maxLength": 24,
}
EMAIL_SCHEMA = {"pattern": EMAIL.pattern, "maxLength": 254}
USERNAME_SCHEMA = {"pattern": r"^[A-Za-z][A-Za-z0-9_]{3,31}$", "maxLength": 32}
# Recovery takes an e-mail address or a mobile number.
DESTINATION_SCHEMA = {
    "pattern": f"(?:{EMAIL.pattern})|(?:^(?:{_MAINLAND_MOBILE_SPELLED}"
    f"|{_INTERNATIONAL_MOBILE_SPELLED})$)",
    "maxLength": 254,
}
VERIFICATION_CODE_SCHEMA = {
    "pattern": f"^[0-9]{{{VERIFICATION_CODE_DIGITS}}}$",
    "minLength": VERIFICATION_CODE_DIGITS,
    "maxLength": VERIFICATION_CODE_DIGITS,
}
COUNTRY_SCHEMA = {"pattern": ISO_COUNTRY.pattern}


@dataclass(frozen=True)
class IdentityInput:
    real_name: str
    nationality: str
    gender: str
    id_type: str
    id_number: str
    id_valid_from: date
    id_valid_to: date | None
    birth_date: date | None


@dataclass(frozen=True)
class CheckedIdentity:
    real_name: str
    nationality: str
    gender: str
    id_type: IdType
    id_number: str
    id_valid_from: date
    id_valid_to: date | None
    birth_date: date


def normalise_name(value: str) -> str:
    """NFKC, trimmed, runs of spaces folded to one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()


def check_name(raw: str, nationality: str, problems: Problems) -> str:
    name = normalise_name(raw)
    if nationality == "CN":
        name = name.replace(" ", "")
        if not (2 <= len(name) <= 30) or not CHINESE_NAME.fullmatch(name):
            problems.add(
                "real_name",
                "chinese_name_required",
                "Chinese nationals give their name in Chinese characters, as on the ID card",
                "中国籍用户请填写与证件一致的中文姓名",
            )
        return name
    if LATIN_NAME.fullmatch(name.upper()) and name != name.upper():
        problems.add(
            "real_name",
            "name_not_upper_case",
            "Write the name in upper-case letters exactly as on the passport, e.g. SMITH JOHN",
            "请按护照填写大写英文姓名,如 SMITH JOHN",
        )
    elif not LATIN_NAME.fullmatch(name) or not (2 <= len(name) <= 100):
        problems.add(
            "real_name",
            "latin_name_required",
            "Foreign nationals give the name in Latin letters as on the passport, surname first",
            "外籍用户请按护照填写拉丁字母姓名,姓在前",
        )
    return name


def check_identity(
    data: IdentityInput, problems: Problems, *, today: date | None = None
) -> CheckedIdentity | None:
    """Check name, nationality, gender, document and validity dates together."""
    today = today or date.today()
    start = len(problems.errors)
    nationality = data.nationality.strip().upper()
    if not ISO_COUNTRY.fullmatch(nationality):
        problems.add(
            "nationality",
            "nationality_invalid",
            "Nationality is a two-letter ISO 3166 code, e.g. CN",
            "国籍应为两位 ISO 3166 代码,如 CN",
        )
    name = check_name(data.real_name, nationality, problems)
    if data.gender not in ("male", "female"):
        problems.add("gender", "gender_invalid", "Gender is male or female", "性别应为男或女")
    try:
        id_type = IdType(data.id_type)
    except ValueError:
        problems.add("id_type", "id_type_invalid", "Unknown ID type", "证件类型不存在")
        return None
    if id_type in CHINESE_ONLY and nationality != "CN":
        problems.add(
            "id_type",
            "id_type_nationality",
            "This document is held by Chinese nationals only",
            "此类证件仅限中国籍人员",
        )
    if id_type == IdType.FOREIGN_PASSPORT and nationality == "CN":
        problems.add(
            "id_type",
            "id_type_nationality",
            "Chinese nationals register with a Chinese document",
            "中国籍人员请使用中国证件注册",
        )
    number = normalise_id_number(data.id_number)
    birth_date = data.birth_date
    if id_type in GB11643_TYPES:
        facts = check_gb11643(number, id_type, problems, "id_number")
        if facts is not None:
            if data.gender in ("male", "female") and facts.gender != data.gender:
                problems.add(
                    "gender",
                    "gender_mismatch",
                    "The gender does not match the ID number (17th digit odd = male)",
                    "性别与证件号码不符(第 17 位奇数为男)",
                )
            if birth_date is not None and birth_date != facts.birth_date:
                problems.add(
                    "birth_date",
                    "birth_date_mismatch",
                    "The birth date does not match the ID number",
                    "出生日期与证件号码不符",
                )
            birth_date = facts.birth_date
    else:
        pattern = ID_FORMATS[id_type]
        if not pattern.fullmatch(
            number if id_type != IdType.OFFICER_ID else data.id_number.strip()
        ):
            problems.add(
                "id_number",
                "id_number_format",
                f"The number does not have the format of a {id_type.value} (see docs)",
                "证件号码格式不正确",
            )
        if id_type == IdType.OFFICER_ID:
            number = data.id_number.strip()
        if birth_date is None:
            problems.add(
                "birth_date",
                "birth_date_required",
                "Give the birth date as on the document",
                "请填写证件上的出生日期",
            )
    if birth_date is not None and birth_date > today:
        problems.add(
            "birth_date", "birth_date_future", "The birth date is in the future", "出生日期晚于今天"
        )
    if data.id_valid_from > today:
        problems.add(
            "id_valid_from",
            "id_valid_from_future",
            "The document's validity starts in the future",
            "证件有效期起始日期晚于今天",
        )
    if data.id_valid_to is None:
        if id_type not in LONG_TERM_ALLOWED:
            problems.add(
                "id_valid_to",
                "id_valid_to_required",
                "Give the end of the document's validity",
                "请填写证件有效期截止日期",
            )
    else:
        if data.id_valid_to < today:
            problems.add(
                "id_valid_to",
                "id_expired",
                "The document has expired; register with a valid one",
                "证件已过期,请使用有效证件",
            )
        elif data.id_valid_to <= data.id_valid_from:
            problems.add(
                "id_valid_to",
                "id_valid_range",
                "The validity ends before it starts",
                "证件有效期截止日期早于起始日期",
            )
    if len(problems.errors) > start or birth_date is None:
        return None
    return CheckedIdentity(
        real_name=name,
        nationality=nationality,
        gender=data.gender,
        id_type=id_type,
        id_number=number,
        id_valid_from=data.id_valid_from,
        id_valid_to=data.id_valid_to,
        birth_date=birth_date,
    )


@dataclass(frozen=True)
class CheckedMobile:
    number: str
    is_mainland: bool


def check_mobile(raw: str, problems: Problems, name: str = "mobile") -> CheckedMobile | None:
    """Mainland numbers (11 digits, +86 optional) or international E.164 (+ and 7-15 digits)."""
    compact = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw))
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("0086"):
        compact = compact[4:]
    if MAINLAND_MOBILE.fullmatch(compact):
        return CheckedMobile(compact, True)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if INTERNATIONAL_MOBILE.fullmatch(compact) and not compact.startswith("+86"):
        return CheckedMobile(compact, False)
    problems.add(
        name,
        "mobile_invalid",
        "A mobile number is 11 mainland digits (1xxxxxxxxxx) or an international number with +",
        "手机号应为 11 位大陆号码,或以 + 开头的国际号码",
    )
    return None


def check_email(raw: str, problems: Problems, name: str = "email") -> str | None:
    value = raw.strip()
    if len(value) > 254 or not EMAIL.fullmatch(value):
        problems.add(name, "email_invalid", "This is not an e-mail address", "电子邮箱格式不正确")
        return None
    local, _, domain = value.partition("@")
    return f"{local}@{domain.lower()}".lower()


def check_password(raw: str, problems: Problems, name: str = "password") -> str | None:
    """8-20 characters with letters and digits, not one of the most common passwords."""
    if not (PASSWORD_MIN_LENGTH <= len(raw) <= PASSWORD_MAX_LENGTH):
        problems.add(
            name,
            "password_length",
            f"The password has {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
            f"密码长度应为 {PASSWORD_MIN_LENGTH}-{PASSWORD_MAX_LENGTH} 位",
        )
        return None
    if not re.search(r"[A-Za-z]", raw) or not re.search(r"\d", raw):
        problems.add(
            name,
            "password_letters_digits",
            "The password must contain both letters and digits",
            "密码须同时包含字母和数字",
        )
        return None
    if any(ord(c) < 32 or ord(c) > 126 for c in raw):
        problems.add(
            name,
            "password_characters",
            "Use letters, digits and printable ASCII symbols only",
            "密码只能包含字母、数字和常用符号",
        )
        return None
    if is_common_password(raw):
        problems.add(
            name,
            "password_common",
            "This password is among the most common ones; choose another",
            "此密码过于常见,请更换",
        )
        return None
    return raw


def check_username(raw: str, problems: Problems, name: str = "username") -> str | None:
    value = raw.strip().lower()
    if not USERNAME.fullmatch(value):
        problems.add(
            name,
            "username_invalid",
            "A username has 4-32 letters, digits or _ and starts with a letter",
            "用户名为 4-32 位字母、数字或下划线,以字母开头",
        )
        return None
    return value


__all__ = [
    "GB11643_TYPES",
    "HMT_REGIONS",
    "ID_FORMATS",
    "Gb11643Facts",
    "IdType",
    "Problems",
    "check_gb11643",
    "normalise_id_number",
]
