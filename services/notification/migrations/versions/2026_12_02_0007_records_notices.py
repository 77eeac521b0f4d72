"""Routes and templates for the records events a student hears about: a record joined the
archive, a photo-check conclusion took effect, a correction request was received and decided.

Revision ID: notification_0007
Revises: notification_0006
Create Date: 2026-12-02
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0007"
down_revision: str | None = "notification_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the tables as this revision knows them (migrations never import models).
routes = sa.table(
    "routes",
    sa.column("event_type", sa.String),
    sa.column("template_key", sa.String),
    sa.column("channels", postgresql.ARRAY(sa.String)),
    sa.column("essential", sa.Boolean),
    sa.column("rate_limited", sa.Boolean),
    sa.column("enabled", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
templates = sa.table(
    "templates",
    sa.column("id", sa.Uuid),
    sa.column("key", sa.String),
    sa.column("channel", sa.String),
    sa.column("locale", sa.String),
    sa.column("subject", sa.Text),
    sa.column("body", sa.Text),
    sa.column("html_body", sa.Text),
    sa.column("sms_template_code", sa.String),
    sa.column("sample_data", postgresql.JSONB),
    sa.column("version", sa.Integer),
    sa.column("updated_by", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)

# event type, template key, channels; none essential (a student may mute them), none rate
# limited. A decision also goes by SMS, like a payment: it ends something the student started.
ROUTES = [
    ("records.record.bound", "record_bound", ["email", "inbox"]),
    ("records.photo_check.concluded", "photo_check_concluded", ["email", "inbox"]),
    ("records.correction.requested", "correction_requested", ["email", "inbox"]),
    ("records.correction.decided", "correction_decided", ["sms", "email", "inbox"]),
]

# The events carry no personal data (no name, no ID number): only kinds, field names, the
# decision and its reason, so no message can leak an ID number.
USER = "00000000-0000-4000-8000-000000000001"
RECORD = "00000000-0000-4000-8000-0000000000a1"
CORRECTION = "00000000-0000-4000-8000-0000000000c1"
BOUND_SAMPLE = {
    "record_id": RECORD,
    "kind": "qualification",
    "institution_id": "4111010001",
    "user_id": USER,
    "method": "automatic",
}
CONCLUDED_SAMPLE = {
    "record_id": RECORD,
    "kind": "student_status",
    "user_id": USER,
    "conclusion": "wrong",
    "wrong_fields": ["photo", "name"],
    "correction_id": CORRECTION,
}
REQUESTED_SAMPLE = {
    "correction_id": CORRECTION,
    "record_id": RECORD,
    "kind": "student_status",
    "institution_id": "4111010001",
    "user_id": USER,
    "fields": ["name", "birth_date"],
}
DECIDED_SAMPLE = {
    "correction_id": CORRECTION,
    "record_id": RECORD,
    "kind": "student_status",
    "institution_id": "4111010001",
    "user_id": USER,
    "decision": "rejected",
    "reason": "证明材料不足",
}

KINDS_ZH = '{% set kinds = {"student_status": "学籍", "qualification": "学历", "degree": "学位"} %}'
KINDS_EN = (
    '{% set kinds = {"student_status": "student status", "qualification": "qualification", '
    '"degree": "degree"} %}'
)
FIELDS_ZH = (
    '{% set labels = {"photo": "照片", "name": "姓名", "gender": "性别", "id_number": "证件号码", '
    '"birth_date": "出生日期", "major": "专业"} %}'
)
FIELDS_EN = (
    '{% set labels = {"photo": "photo", "name": "name", "gender": "gender", '
    '"id_number": "ID number", "birth_date": "date of birth", "major": "major"} %}'
)


def _listed(names: str, separator: str) -> str:
    return (
        f"{{% for f in {names} %}}{{{{ labels.get(f, f) }}}}"
        f"{{% if not loop.last %}}{separator}{{% endif %}}{{% endfor %}}"
    )


WRONG_ZH = _listed("wrong_fields", "、")
WRONG_EN = _listed("wrong_fields", ", ")
ASKED_ZH = _listed("fields", "、")
ASKED_EN = _listed("fields", ", ")

BOUND_ZH = KINDS_ZH + "您的一条{{ kinds[kind] }}记录已加入您的学信档案，请登录查看并进行图像校对。"
BOUND_EN = (
    KINDS_EN + "A {{ kinds[kind] }} record has joined your EduCert archive. Sign in to see it "
    "and check its photo and details."
)
CONCLUDED_ZH = (
    KINDS_ZH
    + FIELDS_ZH
    + "您对{{ kinds[kind] }}记录的图像校对结论已生效："
    + "{% if conclusion == 'correct' %}信息正确。"
    + "{% else %}信息有误（"
    + WRONG_ZH
    + "），更正申请已提交给院校，处理结果将另行通知。{% endif %}"
)
CONCLUDED_EN = (
    KINDS_EN
    + FIELDS_EN
    + "Your photo check of your {{ kinds[kind] }} record has taken effect: "
    + "{% if conclusion == 'correct' %}the details are correct."
    + "{% else %}the details are wrong ("
    + WRONG_EN
    + "). A correction request was sent to the institution; you will hear of its decision."
    + "{% endif %}"
)
REQUESTED_ZH = (
    KINDS_ZH
    + FIELDS_ZH
    + "已收到您对{{ kinds[kind] }}记录的更正申请（"
    + ASKED_ZH
    + "），院校处理后将通知您。"
)
REQUESTED_EN = (
    KINDS_EN
    + FIELDS_EN
    + "We have received your request to correct your {{ kinds[kind] }} record ("
    + ASKED_EN
    + "). You will hear when the institution decides."
)
DECIDED_ZH = (
    KINDS_ZH
    + "您对{{ kinds[kind] }}记录的更正申请"
    + "{% if decision == 'accepted' %}已通过，记录已更新。"
    + "{% else %}未通过。{% endif %}"
    + "{% if reason %}说明：{{ reason }}{% endif %}"
)
DECIDED_EN = (
    KINDS_EN
    + "Your request to correct your {{ kinds[kind] }} record "
    + "{% if decision == 'accepted' %}was accepted and the record updated."
    + "{% else %}was rejected.{% endif %}"
    + "{% if reason %} Reason: {{ reason }}{% endif %}"
)


def _html(text: str) -> str:
    return "<p>" + text + "</p>"


# key, channel, locale, subject, body, html body, carrier template code, sample data
TEMPLATES: list[tuple[str, str, str, str | None, str, str | None, str | None, dict[str, Any]]] = []
for key, sample, zh, en, subject_zh, subject_en, sms in (
    (
        "record_bound",
        BOUND_SAMPLE,
        BOUND_ZH,
        BOUND_EN,
        "记录已加入学信档案",
        "A record joined your archive",
        None,
    ),
    (
        "photo_check_concluded",
        CONCLUDED_SAMPLE,
        CONCLUDED_ZH,
        CONCLUDED_EN,
        "图像校对结论已生效",
        "Your photo check has taken effect",
        None,
    ),
    (
        "correction_requested",
        REQUESTED_SAMPLE,
        REQUESTED_ZH,
        REQUESTED_EN,
        "更正申请已提交",
        "Correction request received",
        None,
    ),
    (
        "correction_decided",
        DECIDED_SAMPLE,
        DECIDED_ZH,
        DECIDED_EN,
        "更正申请已处理",
        "Your correction request was decided",
        "SMS_EDUCERT_CORRECTION_DECIDED",
    ),
):
    TEMPLATES += [
        (key, "email", "zh", "EduCert " + subject_zh, zh, _html(zh), None, sample),
        (key, "email", "en", "EduCert: " + subject_en, en, _html(en), None, sample),
        (key, "inbox", "zh", subject_zh, zh, None, None, sample),
        (key, "inbox", "en", subject_en, en, None, None, sample),
    ]
    if sms:
        TEMPLATES += [
            (key, "sms", "zh", None, zh, None, sms + "_ZH", sample),
            (key, "sms", "en", None, en, None, sms + "_EN", sample),
        ]


def upgrade() -> None:
    now = datetime.now(UTC)
    op.bulk_insert(
        routes,
        [
            {
                "event_type": event_type,
                "template_key": key,
                "channels": channels,
                "essential": False,
                "rate_limited": False,
                "enabled": True,
                "created_at": now,
                "updated_at": now,
            }
            for event_type, key, channels in ROUTES
        ],
    )
    op.bulk_insert(
        templates,
        [
            {
                "id": uuid.uuid4(),
                "key": key,
                "channel": channel,
                "locale": locale,
                "subject": subject,
                "body": body,
                "html_body": html_body,
                "sms_template_code": code,
                "sample_data": sample,
                "version": 1,
                "updated_by": "migration",
                "created_at": now,
                "updated_at": now,
            }
            for key, channel, locale, subject, body, html_body, code, sample in TEMPLATES
        ],
    )


def downgrade() -> None:
    keys = [key for _, key, _ in ROUTES]
    op.execute(sa.delete(templates).where(templates.c.key.in_(keys)))
    op.execute(sa.delete(routes).where(routes.c.event_type.in_([e for e, _, _ in ROUTES])))
