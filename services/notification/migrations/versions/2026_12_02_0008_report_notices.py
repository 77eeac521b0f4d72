"""Routes and templates for a student's online verification reports: issued, closed or
revoked, and (for holders who asked) verified by someone, with a one-step close link in the
e-mail (a secret: never in a subject or the inbox copy, where the app's close button serves).

Revision ID: notification_0008
Revises: notification_0007
Create Date: 2026-12-02
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0008"
down_revision: str | None = "notification_0007"
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
    ("records.report.issued", "report_issued", ["inbox"]),
    ("records.report.closed", "report_closed", ["email", "inbox"]),
    ("records.report.verified", "report_verified", ["email", "inbox"]),
]

USER = "00000000-0000-4000-8000-000000000001"
REPORT = "00000000-0000-4000-8000-0000000000b1"
RECORD = "00000000-0000-4000-8000-0000000000a1"
ISSUED_SAMPLE = {
    "report_id": REPORT,
    "user_id": USER,
    "kind": "qualification",
    "record_id": RECORD,
    "valid_from": "2026-12-02T02:00:00+00:00",
    "valid_until": "2027-01-01T02:00:00+00:00",
}
CLOSED_SAMPLE = {
    "report_id": REPORT,
    "user_id": USER,
    "kind": "qualification",
    "closed_at": "2026-12-10T02:00:00+00:00",
    "reason": "record_changed",
    "revoked": True,
}
VERIFIED_SAMPLE = {
    "report_id": REPORT,
    "user_id": USER,
    "kind": "degree",
    "verified_at": "2026-12-05T06:30:00+00:00",
    "channel": "page",
    "state": "valid",
    "partner": None,
    "close_link": "https://educert.example/api/v1/records/reports/close-links/0123abcd.ef",
}

KINDS_ZH = '{% set kinds = {"student_status": "学籍", "qualification": "学历", "degree": "学位"} %}'
KINDS_EN = (
    '{% set kinds = {"student_status": "student status", "qualification": "qualification", '
    '"degree": "degree"} %}'
)
CHANNELS_ZH = '{% set channels = {"page": "验证网页", "api": "验证接口", "bulk": "机构批量核验"} %}'
CHANNELS_EN = (
    '{% set channels = {"page": "the verification page", "api": "the verification API", '
    '"bulk": "an organisation\'s bulk check"} %}'
)
REASONS_ZH = (
    '{% set reasons = {"holder": "您已关闭该报告", "alert_link": "您已通过提醒邮件关闭该报告", '
    '"record_changed": "报告所依据的记录已更正", "record_unbound": "该记录已移出您的学信档案", '
    '"operator": "平台已撤销该报告"} %}'
)
REASONS_EN = (
    '{% set reasons = {"holder": "you closed it", "alert_link": "you closed it from an alert", '
    '"record_changed": "the record it shows was corrected", '
    '"record_unbound": "the record left your archive", "operator": "the platform revoked it"} %}'
)

ISSUED_ZH = (
    KINDS_ZH
    + "您的{{ kinds[kind] }}在线验证报告已生成，有效期至 {{ valid_until_local }}（北京时间）。"
    "请在“我的报告”中查看验证码、下载 PDF 或电子凭证。"
)
ISSUED_EN = (
    KINDS_EN + "Your {{ kinds[kind] }} online verification report is ready and valid until "
    "{{ valid_until_local }} (Beijing time). Its code, PDF and credential are under My reports."
)
CLOSED_ZH = (
    KINDS_ZH + REASONS_ZH + "您的{{ kinds[kind] }}在线验证报告自 {{ closed_at_local }} 起"
    "{% if revoked %}已撤销{% else %}已关闭{% endif %}：{{ reasons.get(reason, reason) }}。"
    "此后查询将显示该状态。{% if revoked %}如需证明，请重新申请报告。{% endif %}"
)
CLOSED_EN = (
    KINDS_EN + REASONS_EN + "Your {{ kinds[kind] }} online verification report "
    "{% if revoked %}was revoked{% else %}was closed{% endif %} at {{ closed_at_local }} "
    "(Beijing time): {{ reasons.get(reason, reason) }}. Anyone checking it now sees this."
    "{% if revoked %} Order a new report if you need one.{% endif %}"
)
VERIFIED_ZH = (
    KINDS_ZH
    + CHANNELS_ZH
    + "您的{{ kinds[kind] }}在线验证报告于 {{ verified_at_local }}（北京时间）"
    "通过{{ channels.get(channel, channel) }}被查询"
    "{% if partner %}（机构 {{ partner }}）{% endif %}。"
    "如非您授权，请立即关闭该报告。"
)
VERIFIED_EN = (
    KINDS_EN + CHANNELS_EN + "Your {{ kinds[kind] }} online verification report was checked at "
    "{{ verified_at_local }} (Beijing time) through {{ channels.get(channel, channel) }}"
    "{% if partner %} by organisation {{ partner }}{% endif %}. If you did not share it, close "
    "it now."
)
CLOSE_ZH = " 一键关闭：{{ close_link }}"
CLOSE_EN = " Close it in one step: {{ close_link }}"
APP_ZH = " 可在“我的报告”中一键关闭。"
APP_EN = " You can close it in one step under My reports."


def _html(text: str) -> str:
    return "<p>" + text + "</p>"


# key, channel, locale, subject, body, html body, carrier template code, sample data
TEMPLATES: list[tuple[str, str, str, str | None, str, str | None, str | None, dict[str, Any]]] = []
for key, sample, zh, en, subject_zh, subject_en in (
    (
        "report_issued",
        ISSUED_SAMPLE,
        ISSUED_ZH,
        ISSUED_EN,
        "在线验证报告已生成",
        "Your report is ready",
    ),
    (
        "report_closed",
        CLOSED_SAMPLE,
        CLOSED_ZH,
        CLOSED_EN,
        "在线验证报告状态变更",
        "Your report was closed",
    ),
):
    TEMPLATES += [
        (key, "email", "zh", "EduCert " + subject_zh, zh, _html(zh), None, sample),
        (key, "email", "en", "EduCert: " + subject_en, en, _html(en), None, sample),
        (key, "inbox", "zh", subject_zh, zh, None, None, sample),
        (key, "inbox", "en", subject_en, en, None, None, sample),
    ]
# The e-mail carries the close link (a secret: only the holder's mailbox sees it); the inbox
# copy points at the app's own close button instead.
TEMPLATES += [
    ("report_verified", "email", "zh", "EduCert 您的在线验证报告被查询", VERIFIED_ZH + CLOSE_ZH,
     _html(VERIFIED_ZH + CLOSE_ZH), None, VERIFIED_SAMPLE),
    ("report_verified", "email", "en", "EduCert: your report was checked", VERIFIED_EN + CLOSE_EN,
     _html(VERIFIED_EN + CLOSE_EN), None, VERIFIED_SAMPLE),
    ("report_verified", "inbox", "zh", "您的在线验证报告被查询", VERIFIED_ZH + APP_ZH, None, None,
     VERIFIED_SAMPLE),
    ("report_verified", "inbox", "en", "Your report was checked", VERIFIED_EN + APP_EN, None, None,
     VERIFIED_SAMPLE),
]  # fmt: skip


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
