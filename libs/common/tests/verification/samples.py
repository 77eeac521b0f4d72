"""One sample answer per state: a qualification report (学历) as the records service would
answer it, with a photo, a long unbroken value and an issuer that merged."""

import io
from datetime import UTC, datetime

from PIL import Image

from educert_common.verification import Fact, Issuer, VerificationAnswer, VerificationState

CODE = "7K3M-Q9XD-2R8V-HT4P"
CHECKED_AT = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)  # 15:30 in Beijing
# What the holder chose to hide: it is in the record, never in the answer.
HIDDEN_ID_NUMBER = "110101200001011234"
STATES: tuple[VerificationState, ...] = (
    "valid",
    "not_yet_valid",
    "expired",
    "closed",
    "revoked",
    "unknown",
)
FACTS = [
    Fact(key="name", label_zh="姓名", label_en="Name", value="张三 ZHANG San"),
    Fact(key="gender", label_zh="性别", label_en="Gender", value="男 Male"),
    Fact(key="birth_date", label_zh="出生日期", label_en="Date of birth", value="2000-01-01"),
    Fact(key="level", label_zh="层次", label_en="Level", value="本科 Bachelor"),
    Fact(
        key="major",
        label_zh="专业",
        label_en="Major",
        value="计算机科学与技术（中外合作办学）Computer Science and Technology",
    ),
    Fact(key="study_form", label_zh="学习形式", label_en="Mode", value="普通全日制 Full-time"),
    Fact(key="entry_date", label_zh="入学日期", label_en="Entered", value="2019-09-01"),
    Fact(
        key="graduation_date", label_zh="毕（结）业日期", label_en="Graduated", value="2023-06-30"
    ),
    Fact(key="conclusion", label_zh="毕（结）业", label_en="Conclusion", value="毕业 Graduated"),
    # One long unbroken value: the layout must wrap it, not scroll sideways.
    Fact(
        key="certificate_no",
        label_zh="证书编号",
        label_en="Certificate no.",
        value="1024812023050012345678901234567890ABCDEFGH",
    ),
]
ACTIVE = Issuer(
    institution_id="10248",
    name_zh="北京示例大学",
    name_en="Beijing Example University",
    registry_status="active",
)
MERGED = Issuer(
    institution_id="10611",
    name_zh="北京示例工学院",
    name_en="Beijing Example Institute of Technology",
    registry_status="merged",
    successor_name_zh="北京示例大学",
    successor_name_en="Beijing Example University",
)


def photo_png() -> bytes:
    """A small portrait-shaped PNG standing in for the holder's photo."""
    image = Image.new("RGB", (90, 120), (70, 110, 170))
    image.paste((235, 225, 210), (25, 20, 65, 70))
    image.paste((40, 40, 60), (15, 80, 75, 120))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sample_answer(state: VerificationState) -> VerificationAnswer:
    """The answer a verifier gets for CODE when the report is in `state`."""
    if state == "unknown":
        return VerificationAnswer.unknown(CODE, CHECKED_AT)
    moments = {
        "valid_from": datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
        "valid_until": datetime(2027, 5, 1, 0, 0, tzinfo=UTC),
    }
    extra: dict[str, object] = {}
    if state == "not_yet_valid":
        moments["valid_from"] = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    if state == "expired":
        moments["valid_until"] = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
        extra["state_since"] = moments["valid_until"]
    if state == "closed":
        extra["state_since"] = datetime(2026, 11, 20, 2, 15, tzinfo=UTC)
    if state == "revoked":
        extra |= {
            "state_since": datetime(2026, 11, 25, 1, 5, tzinfo=UTC),
            "reason_zh": "学籍记录经复查有误，已由学校更正",
            "reason_en": "The institution found its record wrong on review and corrected it",
        }
    return VerificationAnswer(
        state=state,
        code=CODE,
        document_type="qualification_report",
        title_zh="教育部学历证书电子注册备案表",
        title_en="Online Verification Report of Higher Education Qualification Certificate",
        facts=FACTS,
        photo=photo_png() if state == "valid" else None,
        issuer=MERGED if state == "revoked" else ACTIVE,
        checked_at=CHECKED_AT,
        **moments,
        **extra,
    )
