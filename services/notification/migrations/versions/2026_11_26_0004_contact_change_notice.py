"""Route and templates for identity.contact_change.announced (the old contact is told).

Revision ID: notification_0004
Revises: notification_0003
Create Date: 2026-11-26
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0004"
down_revision: str | None = "notification_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_TYPE = "identity.contact_change.announced"
KEY = "contact_change_notice"

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

SAMPLE = {
    "user_id": "00000000-0000-4000-8000-000000000001",
    "channel": "sms",
    "destination": "13800138000",
    "changed": "mobile",
    "new_value_masked": "139****0000",
    "locale": "zh",
}
WHAT_ZH = '{% set what = {"email": "邮箱", "mobile": "手机号"}[changed] %}'
WHAT_EN = '{% set what = {"email": "e-mail address", "mobile": "mobile number"}[changed] %}'

# channel, locale, subject, body, html body, carrier template code
TEMPLATES = [
    (
        "sms",
        "zh",
        None,
        WHAT_ZH
        + "您的EduCert账号{{ what }}已改为{{ new_value_masked }}。如非本人操作，请立即找回账号。",
        None,
        "SMS_EDUCERT_CONTACT_CHANGED_ZH",
    ),
    (
        "sms",
        "en",
        None,
        WHAT_EN + "Your EduCert {{ what }} was changed to {{ new_value_masked }}. "
        "If this was not you, recover your account now.",
        None,
        "SMS_EDUCERT_CONTACT_CHANGED_EN",
    ),
    (
        "email",
        "zh",
        "EduCert 账号联系方式已变更",
        WHAT_ZH + "您的 EduCert 账号{{ what }}已改为 {{ new_value_masked }}。\n"
        "如非本人操作，请立即通过找回密码恢复账号。",
        WHAT_ZH + "<p>您的 EduCert 账号{{ what }}已改为 <strong>{{ new_value_masked }}</strong>。"
        "</p><p>如非本人操作，请立即通过找回密码恢复账号。</p>",
        None,
    ),
    (
        "email",
        "en",
        "Your EduCert contact details changed",
        WHAT_EN + "The {{ what }} of your EduCert account was changed to "
        "{{ new_value_masked }}.\nIf this was not you, recover your account now.",
        WHAT_EN + "<p>The {{ what }} of your EduCert account was changed to "
        "<strong>{{ new_value_masked }}</strong>.</p>"
        "<p>If this was not you, recover your account now.</p>",
        None,
    ),
    (
        "inbox",
        "zh",
        "联系方式已变更",
        WHAT_ZH + "账号{{ what }}已改为 {{ new_value_masked }}。",
        None,
        None,
    ),
    (
        "inbox",
        "en",
        "Contact details changed",
        WHAT_EN + "Your {{ what }} was changed to {{ new_value_masked }}.",
        None,
        None,
    ),
]


def upgrade() -> None:
    now = datetime.now(UTC)
    op.bulk_insert(
        routes,
        [
            {
                "event_type": EVENT_TYPE,
                "template_key": KEY,
                # The old contact hears about it on the channel the event names; a security
                # notice, so it cannot be muted.
                "channels": ["sms", "email", "inbox"],
                "essential": True,
                "rate_limited": False,
                "enabled": True,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    op.bulk_insert(
        templates,
        [
            {
                "id": uuid.uuid4(),
                "key": KEY,
                "channel": channel,
                "locale": locale,
                "subject": subject,
                "body": body,
                "html_body": html_body,
                "sms_template_code": code,
                "sample_data": {**SAMPLE, "channel": "email", "destination": "a@example.com"}
                if channel == "email"
                else SAMPLE,
                "version": 1,
                "updated_by": "migration",
                "created_at": now,
                "updated_at": now,
            }
            for channel, locale, subject, body, html_body, code in TEMPLATES
        ],
    )


def downgrade() -> None:
    op.execute(sa.delete(templates).where(templates.c.key == KEY))
    op.execute(sa.delete(routes).where(routes.c.event_type == EVENT_TYPE))
