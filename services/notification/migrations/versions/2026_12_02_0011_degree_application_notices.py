"""Routes and templates for a student's degree application (学士学位申请): returned for
fixes with the reasons, approved by the institution's first review (confirm it now), and
disqualified for forged documents with the reason.

Revision ID: notification_0011
Revises: notification_0010
Create Date: 2026-12-02
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0011"
down_revision: str | None = "notification_0010"
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

# event type, template key, channels; none essential except the disqualification, which the
# student must hear of even with notices muted (it ends the application).
ROUTES = [
    ("records.degree_application.returned", "degree_application_returned", ["email", "inbox"]),
    ("records.degree_application.approved", "degree_application_approved", ["email", "inbox"]),
    (
        "records.degree_application.disqualified",
        "degree_application_disqualified",
        ["sms", "email", "inbox"],
    ),
]
ESSENTIAL = {"records.degree_application.disqualified"}

USER = "00000000-0000-4000-8000-000000000001"
APPLICATION = "00000000-0000-4000-8000-0000000000d1"
ROUND = "00000000-0000-4000-8000-0000000000d2"
BASE_SAMPLE = {
    "application_id": APPLICATION,
    "round_id": ROUND,
    "institution_id": "4143010542",
    "user_id": USER,
    "round_title": "2026 年上学士学位申请",
}
RETURNED_SAMPLE = {
    **BASE_SAMPLE,
    "reasons": [
        {"field": "diploma_scan", "reason": "扫描件不清晰"},
        {"field": "general", "reason": "请核对外语成绩"},
    ],
}
APPROVED_SAMPLE = dict(BASE_SAMPLE)
DISQUALIFIED_SAMPLE = {**BASE_SAMPLE, "reason": "外语成绩单系伪造"}

FIELDS_ZH = (
    '{% set fields = {"id_card_front": "身份证正面", "id_card_back": "身份证反面", '
    '"diploma_scan": "毕业证扫描件", "language_proof": "外语水平证明", '
    '"registration_form": "毕业生电子注册备案表", "photo": "电子照片", '
    '"registration_report": "备案表验证码", "general": "其他"} %}'
)
FIELDS_EN = (
    '{% set fields = {"id_card_front": "ID card front", "id_card_back": "ID card back", '
    '"diploma_scan": "diploma scan", "language_proof": "language proof", '
    '"registration_form": "registration form", "photo": "photo", '
    '"registration_report": "registration report code", "general": "general"} %}'
)
RETURNED_ZH = (
    FIELDS_ZH + "您的学士学位申请（{{ round_title }}）已被院校退回修改："
    "{% for item in reasons %}{{ fields.get(item.field, item.field) }}：{{ item.reason }}"
    "{% if not loop.last %}；{% endif %}{% endfor %}。请修改后重新提交。"
)
RETURNED_EN = (
    FIELDS_EN + "Your bachelor's degree application ({{ round_title }}) was returned for "
    "fixes: {% for item in reasons %}{{ fields.get(item.field, item.field) }}: "
    "{{ item.reason }}{% if not loop.last %}; {% endif %}{% endfor %}. Fix it and submit again."
)
APPROVED_ZH = (
    "您的学士学位申请（{{ round_title }}）已通过院校初审。请登录核对信息并最终确认，"
    "确认后不能再修改，并可打印回执（领取学位证凭证）。"
)
APPROVED_EN = (
    "Your bachelor's degree application ({{ round_title }}) passed the institution's first "
    "review. Check it and confirm it finally (no changes after); then print the receipt, the "
    "voucher to collect the degree certificate."
)
DISQUALIFIED_ZH = (
    "您的学士学位申请（{{ round_title }}）已被院校取消资格，原因：{{ reason }}。"
    "如有异议，请联系院校。"
)
DISQUALIFIED_EN = (
    "Your bachelor's degree application ({{ round_title }}) was disqualified by the "
    "institution: {{ reason }}. Contact the institution if you disagree."
)


def _html(text: str) -> str:
    return "<p>" + text + "</p>"


# key, channel, locale, subject, body, html body, carrier template code, sample data
TEMPLATES: list[tuple[str, str, str, str | None, str, str | None, str | None, dict[str, Any]]] = []
for key, sample, zh, en, subject_zh, subject_en, sms in (
    ("degree_application_returned", RETURNED_SAMPLE, RETURNED_ZH, RETURNED_EN,
     "学位申请被退回修改", "Degree application returned", None),
    ("degree_application_approved", APPROVED_SAMPLE, APPROVED_ZH, APPROVED_EN,
     "学位申请通过初审", "Degree application approved", None),
    ("degree_application_disqualified", DISQUALIFIED_SAMPLE, DISQUALIFIED_ZH, DISQUALIFIED_EN,
     "学位申请被取消资格", "Degree application disqualified",
     "SMS_EDUCERT_DEGREE_DISQUALIFIED"),
):  # fmt: skip
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
                "essential": event_type in ESSENTIAL,
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
