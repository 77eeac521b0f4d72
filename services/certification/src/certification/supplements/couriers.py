"""The courier companies paper supplements may be sent with, and the shape of each one's
tracking numbers (checked so that a typo is caught while the applicant is still there)."""

import re
from dataclasses import dataclass

from educert_common.errors import Text


@dataclass(frozen=True, slots=True)
class Courier:
    code: str
    name: Text
    # The whole tracking number, upper-cased, without spaces.
    pattern: re.Pattern[str]
    example: str


COURIERS: dict[str, Courier] = {
    courier.code: courier
    for courier in (
        Courier(
            "sf", Text("SF Express", "顺丰速运"), re.compile(r"SF[0-9]{12,13}"), "SF1234567890123"
        ),
        Courier(
            "ems",
            Text("EMS / China Post", "EMS / 中国邮政"),
            # Domestic 13 digits, or the UPU S10 form (EA123456789CN).
            re.compile(r"[0-9]{13}|[A-Z]{2}[0-9]{9}[A-Z]{2}"),
            "1234567890123",
        ),
        Courier(
            "jd",
            Text("JD Logistics", "京东物流"),
            re.compile(r"JD[A-Z0-9]{11,13}"),
            "JDVA01234567890",
        ),
        Courier(
            "zto", Text("ZTO Express", "中通快递"), re.compile(r"[0-9]{12,15}"), "731234567890123"
        ),
        Courier(
            "yto", Text("YTO Express", "圆通速递"), re.compile(r"YT[0-9]{13,15}"), "YT1234567890123"
        ),
        Courier(
            "sto", Text("STO Express", "申通快递"), re.compile(r"[0-9]{12,15}"), "773123456789012"
        ),
        Courier(
            "yunda", Text("Yunda Express", "韵达快递"), re.compile(r"[0-9]{13,15}"), "4312345678901"
        ),
        Courier("dhl", Text("DHL Express", "DHL"), re.compile(r"[0-9]{10}"), "1234567890"),
        Courier("ups", Text("UPS", "UPS"), re.compile(r"1Z[0-9A-Z]{16}"), "1Z999AA10123456784"),
        Courier(
            "fedex", Text("FedEx", "联邦快递"), re.compile(r"[0-9]{12}|[0-9]{15}"), "123456789012"
        ),
    )
}


def normalised(tracking_number: str) -> str:
    return "".join(tracking_number.split()).upper()


def is_valid(courier: Courier, tracking_number: str) -> bool:
    return courier.pattern.fullmatch(normalised(tracking_number)) is not None
