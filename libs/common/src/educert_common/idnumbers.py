"""ID documents of the platform: types, formats and the GB 11643 check (python-stdnum).

Identity checks them at registration and records checks them in every reported row; both
must normalise a number the same way, because both hash it with the shared keyed index
(`id_number_index`) and match on that hash.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from educert_common.crypto import BlindIndex
from educert_common.errors import Problems
from educert_common.settings import PlatformSettings


class IdType(StrEnum):
    # 居民身份证, GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit order, check digit.
    RESIDENT_ID = "resident_id"
    # Ordinary passport of the PRC: E + 8 digits, E + letter (not I/O) + 7 digits, G + 8 digits.
    CN_PASSPORT = "cn_passport"
    # Foreign passport: 5-20 upper-case letters and digits (ICAO 9303 document number field).
    FOREIGN_PASSPORT = "foreign_passport"
    # 港澳居民来往内地通行证 (Home Return Permit): H (Hong Kong) or M (Macau) + 8 digits.
    HK_MACAU_PERMIT = "hk_macau_permit"
    # 台湾居民来往大陆通行证 (Taiwan compatriot permit, 2015 card): 8 digits.
    TAIWAN_PERMIT = "taiwan_permit"
    # 港澳台居民居住证: 18 digits, region 810000 / 820000 / 830000, GB 11643 check digit.
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    # 军官证 / 士兵证: "<unit character(s)>字第<digits>号", e.g. 南字第20230001号.
    OFFICER_ID = "officer_id"


ID_FORMATS: dict[IdType, re.Pattern[str]] = {
    IdType.CN_PASSPORT: re.compile(r"^(?:E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8})$"),
    IdType.FOREIGN_PASSPORT: re.compile(r"^[A-Z0-9]{5,20}$"),
    IdType.HK_MACAU_PERMIT: re.compile(r"^[HM]\d{8}$"),
    IdType.TAIWAN_PERMIT: re.compile(r"^\d{8}$"),
    IdType.OFFICER_ID: re.compile(r"^[\u4e00-\u9fff]{1,4}字第\d{4,10}号$"),
}
# Types that carry GB 11643 structure (birth date, gender digit, check digit).
GB11643_TYPES = frozenset({IdType.RESIDENT_ID, IdType.HMT_RESIDENCE_PERMIT})
HMT_REGIONS = ("810000", "820000", "830000")


_WHITESPACE = re.compile(r"\s+")
_GB11643_FORMAT = re.compile(r"\d{17}[\dX]")


def normalise_id_number(value: str) -> str:
    """Upper case, no spaces; full-width characters folded (NFKC)."""
    # Imports call this a million times: skip the normalisation that would change nothing.
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return _WHITESPACE.sub("", value).upper()


def _birth_date(number: str) -> date:
    """`ric.get_birth_date` of a number already of the 18-character format, without its
    `compact` (the bulk import's hot path; compact changes nothing in such a number). A date
    that does not exist is refused by stdnum itself, so its verdict stays the authority."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return ric.get_birth_date(number)


@dataclass(frozen=True)
class Gb11643Facts:
    birth_date: date
    gender: str  # male, female


def check_gb11643(
    number: str, id_type: IdType, problems: Problems, name: str
) -> Gb11643Facts | None:
    """Check an 18-character GB 11643 number with python-stdnum; return its birth date, gender."""
    if not _GB11643_FORMAT.fullmatch(number):
        problems.add(
            name,
            "id_number_format",
            "An 18-character ID number has 17 digits and a final digit or X",
            "证件号码应为 18 位:17 位数字加一位数字或 X",
        )
        return None
    try:
        if number[-1] != ric.calc_check_digit(number):
            raise StdnumError()
    except StdnumError:
        problems.add(
            name, "id_number_checksum", "The ID number's check digit is wrong", "证件号码校验位错误"
        )
        return None
    try:
        birth = _birth_date(number)
    except StdnumError:
        problems.add(
            name,
            "id_number_birth_date",
            "The ID number does not contain a real birth date",
            "证件号码中的出生日期不存在",
        )
        return None
    if birth > date.today():
        problems.add(
            name,
            "id_number_birth_date",
            "The ID number's birth date is in the future",
            "证件号码中的出生日期晚于今天",
        )
        return None
    region = number[:6]
    if id_type == IdType.HMT_RESIDENCE_PERMIT:
        region_ok = region in HMT_REGIONS
    else:
        # Any administrative division code python-stdnum knows, whenever it was assigned (a
        # code retired since the person was born stays on their card).
        region_ok = region not in HMT_REGIONS and known_region(region)
    if not region_ok:
        problems.add(
            name,
            "id_number_region",
            "The ID number's region code is not a known administrative division",
            "证件号码的地区码不存在",
        )
        return None
    return Gb11643Facts(birth, "male" if int(number[16]) % 2 == 1 else "female")


@lru_cache(maxsize=8192)
def known_region(region: str) -> bool:
    """Whether python-stdnum knows a 6-digit administrative division code (cached: an import
    of a million rows asks about a few thousand regions)."""
    return bool([props for _, props in numdb.get("cn/loc").info(region) if props])


def id_number_index(platform: PlatformSettings) -> BlindIndex:
    """The keyed hash identity and records both match ID numbers on (normalised numbers)."""
    return _index(platform.id_number_index_secret)


@lru_cache(maxsize=4)
def _index(secret: str) -> BlindIndex:
    return BlindIndex.from_secret(secret, "id_number")
