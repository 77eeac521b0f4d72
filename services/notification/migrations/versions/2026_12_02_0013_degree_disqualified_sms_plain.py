"""The degree-application disqualification SMS (notification_0011) reads only plain values,
like every other SMS (notification_0010, 0012): it no longer puts the institution's free-text
reason, nor the round's title (also free text, written by the institution), into the body.

A carrier template takes only plain values (numbers, dates) as parameters; the disqualified
event carries neither (no application number, no time), so the new body takes no parameters
at all: it says what happened and where to read why. The reason stays in the e-mail and the
inbox, which are unchanged.

A carrier template's code names one registered text, so the new body gets a new code, named
as the others are: `SMS_EDUCERT_` + the template key + locale (notification_0010, 0012). The
downgrade restores the old bodies and codes. Both directions overwrite whatever the rows hold
(an admin's edit of these two rows included: the audit log keeps it) and count a version.

Revision ID: notification_0013
Revises: notification_0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "notification_0013"
down_revision: str | None = "notification_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the table as this revision knows it (migrations never import models).
templates = sa.table(
    "templates",
    sa.column("key", sa.String),
    sa.column("channel", sa.String),
    sa.column("locale", sa.String),
    sa.column("body", sa.Text),
    sa.column("sms_template_code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("updated_by", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)

KEY = "degree_application_disqualified"

SMS_ZH = "您的学士学位申请已被院校取消资格，原因请登录 EduCert 查看；如有异议，请联系院校。"
SMS_EN = (
    "EduCert: your bachelor's degree application was disqualified by the institution. Sign in "
    "to see the reason; contact the institution if you disagree."
)
SMS_CODE = "SMS_EDUCERT_" + KEY.upper()

# As notification_0011 wrote them (copied, not imported: a migration stays as it was run).
OLD_SMS_ZH = (
    "您的学士学位申请（{{ round_title }}）已被院校取消资格，原因：{{ reason }}。"
    "如有异议，请联系院校。"
)
OLD_SMS_EN = (
    "Your bachelor's degree application ({{ round_title }}) was disqualified by the "
    "institution: {{ reason }}. Contact the institution if you disagree."
)
OLD_SMS_CODE = "SMS_EDUCERT_DEGREE_DISQUALIFIED"

# locale -> (body, carrier template code), after and before this revision
NEW = {"zh": (SMS_ZH, SMS_CODE + "_ZH"), "en": (SMS_EN, SMS_CODE + "_EN")}
OLD = {"zh": (OLD_SMS_ZH, OLD_SMS_CODE + "_ZH"), "en": (OLD_SMS_EN, OLD_SMS_CODE + "_EN")}


def _set_sms(bodies: dict[str, tuple[str, str]]) -> None:
    now = datetime.now(UTC)
    for locale, (body, code) in bodies.items():
        op.execute(
            sa.update(templates)
            .where(
                templates.c.key == KEY,
                templates.c.channel == "sms",
                templates.c.locale == locale,
            )
            .values(
                body=body,
                sms_template_code=code,
                version=templates.c.version + 1,
                updated_by="migration",
                updated_at=now,
            )
        )


def upgrade() -> None:
    _set_sms(NEW)


def downgrade() -> None:
    _set_sms(OLD)
