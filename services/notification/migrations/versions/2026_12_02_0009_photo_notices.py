"""Routes and templates for photo upload attempts (学历照片上传): paid, the registry check's
result (with the expected review date), approved and rejected (with the reviewer's reason).

Revision ID: notification_0009
Revises: notification_0008
Create Date: 2026-12-02
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0009"
down_revision: str | None = "notification_0008"
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

# event type, template key, channels; none essential (a student may mute them).
ROUTES = [
    ("records.photo.paid", "photo_paid", ["inbox"]),
    ("records.photo.registry_checked", "photo_registry_checked", ["inbox"]),
    ("records.photo.approved", "photo_approved", ["email", "inbox"]),
    ("records.photo.rejected", "photo_rejected", ["email", "inbox"]),
]

USER = "00000000-0000-4000-8000-000000000001"
ATTEMPT = "00000000-0000-4000-8000-0000000000c1"
RECORD = "00000000-0000-4000-8000-0000000000a1"
ORDER = "00000000-0000-4000-8000-0000000000d1"
BASE = {"attempt_id": ATTEMPT, "user_id": USER, "kind": "qualification", "record_id": RECORD}
PAID_SAMPLE = {**BASE, "order_id": ORDER}
CHECKED_SAMPLE = {
    **BASE,
    "passed": True,
    "outcome": "match",
    "field": None,
    "review_due_on": "2026-12-12",
}
APPROVED_SAMPLE = {**BASE, "institution_id": "4111010001", "version": 3}
REJECTED_SAMPLE = {
    **BASE,
    "institution_id": "4111010001",
    "reason": "背景不是浅色 / the background is not light",
}

KINDS_ZH = '{% set kinds = {"student_status": "学籍", "qualification": "学历", "degree": "学位"} %}'
KINDS_EN = (
    '{% set kinds = {"student_status": "student status", "qualification": "qualification", '
    '"degree": "degree"} %}'
)

PAID_ZH = (
    KINDS_ZH + "您为{{ kinds[kind] }}照片上传支付的技术服务费已到账，正在进行身份核验，"
    "结果将在几秒内通知您。"
)
PAID_EN = (
    KINDS_EN + "We received the fee for your {{ kinds[kind] }} photo upload. The identity check "
    "is running; you will hear the result within seconds."
)
CHECKED_ZH = (
    KINDS_ZH + "{% if passed %}您上传的{{ kinds[kind] }}照片已通过身份核验，进入人工审核，"
    "预计 {{ review_due_on }} 前完成。"
    "{% else %}您上传的{{ kinds[kind] }}照片未通过身份核验"
    "{% if field %}（不一致项：{{ field }}）{% endif %}，如需上传须重新提交并支付。{% endif %}"
)
CHECKED_EN = (
    KINDS_EN + "{% if passed %}Your {{ kinds[kind] }} photo passed the identity check and waits "
    "for manual review, expected by {{ review_due_on }}."
    "{% else %}Your {{ kinds[kind] }} photo did not pass the identity check"
    "{% if field %} ({{ field }} does not match){% endif %}. To try again, upload a new photo "
    "and pay again.{% endif %}"
)
APPROVED_ZH = (
    KINDS_ZH + "您上传的{{ kinds[kind] }}照片已审核通过，已成为记录中的照片。"
    "此后生成的在线验证报告将显示新照片。"
)
APPROVED_EN = (
    KINDS_EN + "Your {{ kinds[kind] }} photo was approved and is now the photo on your record. "
    "Reports you order from now on show it."
)
REJECTED_ZH = (
    KINDS_ZH + "您上传的{{ kinds[kind] }}照片审核未通过：{{ reason }}。"
    "如需重新上传，请按要求拍摄后重新提交并支付技术服务费。"
)
REJECTED_EN = (
    KINDS_EN + "Your {{ kinds[kind] }} photo was not approved: {{ reason }}. To try again, "
    "upload a new photo that meets the requirements and pay the fee again."
)


def _html(text: str) -> str:
    return "<p>" + text + "</p>"


# key, channel, locale, subject, body, html body, carrier template code, sample data
TEMPLATES: list[tuple[str, str, str, str | None, str, str | None, str | None, dict[str, Any]]] = []
for key, sample, zh, en, subject_zh, subject_en, email in (
    ("photo_paid", PAID_SAMPLE, PAID_ZH, PAID_EN, "照片上传已支付", "Photo upload paid", False),
    (
        "photo_registry_checked",
        CHECKED_SAMPLE,
        CHECKED_ZH,
        CHECKED_EN,
        "照片身份核验结果",
        "Photo identity check result",
        False,
    ),
    (
        "photo_approved",
        APPROVED_SAMPLE,
        APPROVED_ZH,
        APPROVED_EN,
        "照片审核通过",
        "Your photo was approved",
        True,
    ),
    (
        "photo_rejected",
        REJECTED_SAMPLE,
        REJECTED_ZH,
        REJECTED_EN,
        "照片审核未通过",
        "Your photo was not approved",
        True,
    ),
):
    if email:
        TEMPLATES += [
            (key, "email", "zh", "EduCert " + subject_zh, zh, _html(zh), None, sample),
            (key, "email", "en", "EduCert: " + subject_en, en, _html(en), None, sample),
        ]
    TEMPLATES += [
        (key, "inbox", "zh", subject_zh, zh, None, None, sample),
        (key, "inbox", "en", subject_en, en, None, None, sample),
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
