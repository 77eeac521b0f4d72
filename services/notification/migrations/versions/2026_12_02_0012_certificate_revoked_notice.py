"""Route and templates for `certification.certificate.revoked`: the holder is told by SMS,
e-mail and the inbox that their certificate was revoked, when (Beijing time), why, and what
they can do (contact the certification centre, or apply for a reconsideration).

Essential, unlike the other certification results (certified, refused; notification_0010)
and like a degree application's disqualification (notification_0011). Those results answer
an application the applicant is waiting on and shows them on its page, so muting them hides
nothing the applicant would not look for. A revocation comes long after, from an operator,
unasked: nothing prompts the holder to look, and a muted holder would go on presenting a
certificate that now verifies as revoked, without knowing why or that it can be contested.
Being essential also lets its SMS use the budget's reserve, and only admins may change the
route or its templates.

Channels as the other results: SMS, e-mail and inbox. The SMS reads only plain values (the
certificate number, the revocation time), all a carrier template takes; the reason, free text
written by the operator, is in the e-mail and the inbox.

Revision ID: notification_0012
Revises: notification_0011
Create Date: 2026-12-02
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0012"
down_revision: str | None = "notification_0011"
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

# event type, template key, channels, essential (why: the module docstring)
ROUTES = [
    ("certification.certificate.revoked", "certificate_revoked", ["sms", "email", "inbox"], True),
]

# The event's fields (educert_common.events.catalogue.CertificateRevoked) as they arrive,
# JSON-encoded; no personal data. 06:30 UTC is 14:30 in Beijing.
REVOKED_SAMPLE = {
    "certificate_id": "00000000-0000-4000-8000-0000000000c2",
    "application_id": "00000000-0000-4000-8000-0000000000d1",
    "user_id": "00000000-0000-4000-8000-000000000001",
    "number": "ZG20260000123",
    "revoked_at": "2026-12-02T06:30:00Z",
    "reason": "经核实，认证所依据的学位证书系伪造",
}

# `revoked_at_local` is the context's Asia/Shanghai rendering of `revoked_at` (minutes).
REVOKED_ZH = (
    "您的认证证书（{{ number }}）已于 {{ revoked_at_local }}（北京时间）被撤销，"
    "原因：{{ reason }}。此后凭验证码核验将显示该证书已撤销，证书 PDF 和电子凭证不再提供下载。"
    "如有疑问，请联系认证中心；如有异议，可提出复议申请。"
)
REVOKED_EN = (
    "Your certificate {{ number }} was revoked at {{ revoked_at_local }} (Beijing time), for "
    "this reason: {{ reason }}. Anyone checking its verification code now sees it as revoked, "
    "and its PDF and credential can no longer be downloaded. Contact the certification centre "
    "with any questions; if you disagree, you may apply for a reconsideration."
)
REVOKED_SMS_ZH = (
    "您的认证证书 {{ number }} 已于 {{ revoked_at_local }}（北京时间）被撤销，"
    "原因及复议方式请登录 EduCert 查看。"
)
REVOKED_SMS_EN = (
    "EduCert: certificate {{ number }} was revoked at {{ revoked_at_local }} (Beijing time). "
    "Sign in to see the reason and how to ask for a reconsideration."
)
SUBJECT_ZH = "认证证书已撤销"
SUBJECT_EN = "Your certificate was revoked"
SMS_CODE = "SMS_EDUCERT_CERTIFICATE_REVOKED"


def _html(text: str) -> str:
    return "<p>" + text + "</p>"


# key, channel, locale, subject, body, html body, carrier template code, sample data
TEMPLATES: list[tuple[str, str, str, str | None, str, str | None, str | None, dict[str, Any]]] = [
    ("certificate_revoked", "email", "zh", "EduCert " + SUBJECT_ZH, REVOKED_ZH,
     _html(REVOKED_ZH), None, REVOKED_SAMPLE),
    ("certificate_revoked", "email", "en", "EduCert: " + SUBJECT_EN, REVOKED_EN,
     _html(REVOKED_EN), None, REVOKED_SAMPLE),
    ("certificate_revoked", "inbox", "zh", SUBJECT_ZH, REVOKED_ZH, None, None, REVOKED_SAMPLE),
    ("certificate_revoked", "inbox", "en", SUBJECT_EN, REVOKED_EN, None, None, REVOKED_SAMPLE),
    ("certificate_revoked", "sms", "zh", None, REVOKED_SMS_ZH, None, SMS_CODE + "_ZH",
     REVOKED_SAMPLE),
    ("certificate_revoked", "sms", "en", None, REVOKED_SMS_EN, None, SMS_CODE + "_EN",
     REVOKED_SAMPLE),
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
                "essential": essential,
                "rate_limited": False,
                "enabled": True,
                "created_at": now,
                "updated_at": now,
            }
            for event_type, key, channels, essential in ROUTES
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
    keys = [key for _, key, _, _ in ROUTES]
    op.execute(sa.delete(templates).where(templates.c.key.in_(keys)))
    op.execute(sa.delete(routes).where(routes.c.event_type.in_([e for e, *_ in ROUTES])))
