"""Seed the routes and the Chinese and English templates for every event that reaches a person.

Revision ID: notification_0003
Revises: notification_0002
Create Date: 2026-11-24
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0003"
down_revision: str | None = "notification_0002"
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

ROUTES = [
    # event type, template key, channels, essential, rate limited
    (
        "identity.verification_code.issued",
        "verification_code",
        ["sms", "email", "inbox"],
        True,
        True,
    ),
    ("identity.activation_link.issued", "activation_link", ["email", "inbox"], True, True),
    ("payment.order.paid", "order_paid", ["sms", "email", "inbox"], False, False),
    ("payment.order.refunded", "order_refunded", ["sms", "email", "inbox"], False, False),
    ("payment.order.expired", "order_expired", ["email", "inbox"], False, False),
]

CODE_SAMPLE = {
    "user_id": "00000000-0000-4000-8000-000000000001",
    "channel": "sms",
    "destination": "13800138000",
    "code": "123456",
    "purpose": "register",
    "expires_at": "2026-01-01T08:05:00+00:00",
    "locale": "zh",
}
LINK_SAMPLE = {
    "user_id": "00000000-0000-4000-8000-000000000001",
    "email": "someone@example.com",
    "link": "https://educert.local/activate?token=sample",
    "expires_at": "2026-01-02T08:00:00+00:00",
    "locale": "zh",
}
ORDER_SAMPLE = {
    "order_id": "00000000-0000-4000-8000-00000000000a",
    "user_id": "00000000-0000-4000-8000-000000000001",
    "purpose": "certification",
    "reference_id": "CERT-2026-0001",
    "amount_fen": 36000,
    "channel": "wechat",
    "paid_at": "2026-01-01T08:00:00+00:00",
}
REFUND_SAMPLE = {
    **{k: v for k, v in ORDER_SAMPLE.items() if k not in ("channel", "paid_at")},
    "refund_id": "00000000-0000-4000-8000-00000000000b",
    "refunded_total_fen": 36000,
}
EXPIRED_SAMPLE = {k: ORDER_SAMPLE[k] for k in ("order_id", "user_id", "purpose", "reference_id")}

PURPOSES_ZH = (
    '{% set purposes = {"certification": "学历学位认证", "photo_check": "图像校对", '
    '"report": "验证报告", "courier": "快递"} %}'
)
PURPOSES_EN = (
    '{% set purposes = {"certification": "certification", "photo_check": "photo check", '
    '"report": "verification report", "courier": "courier"} %}'
)

# key, channel, locale, subject, body, html body, carrier template code, sample data
TEMPLATES: list[tuple[str, str, str, str | None, str, str | None, str | None, dict[str, Any]]] = [
    (
        "verification_code",
        "sms",
        "zh",
        None,
        "您的验证码为{{ code }}，{{ expires_minutes }}分钟内有效，请勿告诉他人。",
        None,
        "SMS_EDUCERT_CODE_ZH",
        CODE_SAMPLE,
    ),
    (
        "verification_code",
        "sms",
        "en",
        None,
        "Your EduCert code is {{ code }}, valid for {{ expires_minutes }} minutes. "
        "Do not share it.",
        None,
        "SMS_EDUCERT_CODE_EN",
        CODE_SAMPLE,
    ),
    (
        "verification_code",
        "email",
        "zh",
        "EduCert 验证码",
        "您的验证码为 {{ code }}，{{ expires_minutes }} 分钟内有效，请勿告诉他人。\n"
        "如非本人操作，请忽略本邮件。",
        "<p>您的验证码为 <strong>{{ code }}</strong>，{{ expires_minutes }} 分钟内有效，"
        "请勿告诉他人。</p><p>如非本人操作，请忽略本邮件。</p>",
        None,
        {**CODE_SAMPLE, "channel": "email", "destination": "someone@example.com"},
    ),
    (
        "verification_code",
        "email",
        "en",
        "Your EduCert verification code",
        "Your verification code is {{ code }}. It is valid for {{ expires_minutes }} minutes; "
        "do not share it.\nIf you did not ask for it, ignore this e-mail.",
        "<p>Your verification code is <strong>{{ code }}</strong>. It is valid for "
        "{{ expires_minutes }} minutes; do not share it.</p>"
        "<p>If you did not ask for it, ignore this e-mail.</p>",
        None,
        {**CODE_SAMPLE, "channel": "email", "destination": "someone@example.com"},
    ),
    (
        "verification_code",
        "inbox",
        "zh",
        "验证码已发送",
        "验证码已发送至 {{ destination_masked }}，{{ expires_minutes }} 分钟内有效。"
        "如非本人操作，请及时修改密码。",
        None,
        None,
        CODE_SAMPLE,
    ),
    (
        "verification_code",
        "inbox",
        "en",
        "Verification code sent",
        "A verification code was sent to {{ destination_masked }}; it is valid for "
        "{{ expires_minutes }} minutes. If this was not you, change your password.",
        None,
        None,
        CODE_SAMPLE,
    ),
    (
        "activation_link",
        "email",
        "zh",
        "请激活您的 EduCert 邮箱",
        "请在 {{ expires_at_local }}（北京时间）前打开以下链接激活邮箱：\n{{ link }}\n"
        "如非本人操作，请忽略本邮件。",
        "<p>请在 {{ expires_at_local }}（北京时间）前点击以下链接激活邮箱：</p>"
        '<p><a href="{{ link }}">{{ link }}</a></p><p>如非本人操作，请忽略本邮件。</p>',
        None,
        LINK_SAMPLE,
    ),
    (
        "activation_link",
        "email",
        "en",
        "Activate your EduCert e-mail address",
        "Open this link before {{ expires_at_local }} (Beijing time) to activate your "
        "address:\n{{ link }}\nIf you did not ask for it, ignore this e-mail.",
        "<p>Open this link before {{ expires_at_local }} (Beijing time) to activate your "
        'address:</p><p><a href="{{ link }}">{{ link }}</a></p>'
        "<p>If you did not ask for it, ignore this e-mail.</p>",
        None,
        LINK_SAMPLE,
    ),
    (
        "activation_link",
        "inbox",
        "zh",
        "激活邮件已发送",
        "激活邮件已发送至 {{ email_masked }}，请在 {{ expires_at_local }}（北京时间）前完成激活。",
        None,
        None,
        LINK_SAMPLE,
    ),
    (
        "activation_link",
        "inbox",
        "en",
        "Activation e-mail sent",
        "An activation e-mail was sent to {{ email_masked }}; activate before "
        "{{ expires_at_local }} (Beijing time).",
        None,
        None,
        LINK_SAMPLE,
    ),
    (
        "order_paid",
        "sms",
        "zh",
        None,
        PURPOSES_ZH + "您的{{ purposes.get(purpose, purpose) }}订单{{ reference_id }}"
        "已支付{{ amount_yuan }}元。",
        None,
        "SMS_EDUCERT_PAID_ZH",
        ORDER_SAMPLE,
    ),
    (
        "order_paid",
        "sms",
        "en",
        None,
        PURPOSES_EN + "Your {{ purposes.get(purpose, purpose) }} order {{ reference_id }} "
        "is paid: CNY {{ amount_yuan }}.",
        None,
        "SMS_EDUCERT_PAID_EN",
        ORDER_SAMPLE,
    ),
    (
        "order_paid",
        "email",
        "zh",
        "EduCert 订单已支付",
        PURPOSES_ZH + "您的{{ purposes.get(purpose, purpose) }}订单 {{ reference_id }} 已于 "
        "{{ paid_at_local }}（北京时间）支付 {{ amount_yuan }} 元。",
        PURPOSES_ZH + "<p>您的{{ purposes.get(purpose, purpose) }}订单 "
        "<strong>{{ reference_id }}</strong> 已于 {{ paid_at_local }}（北京时间）支付 "
        "{{ amount_yuan }} 元。</p>",
        None,
        ORDER_SAMPLE,
    ),
    (
        "order_paid",
        "email",
        "en",
        "Your EduCert order is paid",
        PURPOSES_EN + "Your {{ purposes.get(purpose, purpose) }} order {{ reference_id }} was "
        "paid on {{ paid_at_local }} (Beijing time): CNY {{ amount_yuan }}.",
        PURPOSES_EN + "<p>Your {{ purposes.get(purpose, purpose) }} order "
        "<strong>{{ reference_id }}</strong> was paid on {{ paid_at_local }} (Beijing time): "
        "CNY {{ amount_yuan }}.</p>",
        None,
        ORDER_SAMPLE,
    ),
    (
        "order_paid",
        "inbox",
        "zh",
        "订单已支付",
        PURPOSES_ZH + "{{ purposes.get(purpose, purpose) }}订单 {{ reference_id }} 已支付 "
        "{{ amount_yuan }} 元。",
        None,
        None,
        ORDER_SAMPLE,
    ),
    (
        "order_paid",
        "inbox",
        "en",
        "Order paid",
        PURPOSES_EN + "The {{ purposes.get(purpose, purpose) }} order {{ reference_id }} is "
        "paid: CNY {{ amount_yuan }}.",
        None,
        None,
        ORDER_SAMPLE,
    ),
    (
        "order_refunded",
        "sms",
        "zh",
        None,
        "您的订单{{ reference_id }}已退款{{ amount_yuan }}元，款项将原路退回。",
        None,
        "SMS_EDUCERT_REFUND_ZH",
        REFUND_SAMPLE,
    ),
    (
        "order_refunded",
        "sms",
        "en",
        None,
        "Your order {{ reference_id }} was refunded: CNY {{ amount_yuan }}, to the original "
        "payment method.",
        None,
        "SMS_EDUCERT_REFUND_EN",
        REFUND_SAMPLE,
    ),
    (
        "order_refunded",
        "email",
        "zh",
        "EduCert 订单已退款",
        "您的订单 {{ reference_id }} 已退款 {{ amount_yuan }} 元（累计退款 "
        "{{ refunded_total_yuan }} 元），款项将原路退回。",
        "<p>您的订单 <strong>{{ reference_id }}</strong> 已退款 {{ amount_yuan }} 元"
        "（累计退款 {{ refunded_total_yuan }} 元），款项将原路退回。</p>",
        None,
        REFUND_SAMPLE,
    ),
    (
        "order_refunded",
        "email",
        "en",
        "Your EduCert order was refunded",
        "Your order {{ reference_id }} was refunded CNY {{ amount_yuan }} (CNY "
        "{{ refunded_total_yuan }} in total), to the original payment method.",
        "<p>Your order <strong>{{ reference_id }}</strong> was refunded CNY {{ amount_yuan }} "
        "(CNY {{ refunded_total_yuan }} in total), to the original payment method.</p>",
        None,
        REFUND_SAMPLE,
    ),
    (
        "order_refunded",
        "inbox",
        "zh",
        "订单已退款",
        "订单 {{ reference_id }} 已退款 {{ amount_yuan }} 元。",
        None,
        None,
        REFUND_SAMPLE,
    ),
    (
        "order_refunded",
        "inbox",
        "en",
        "Order refunded",
        "Order {{ reference_id }} was refunded CNY {{ amount_yuan }}.",
        None,
        None,
        REFUND_SAMPLE,
    ),
    (
        "order_expired",
        "email",
        "zh",
        "EduCert 订单已过期",
        PURPOSES_ZH + "您的{{ purposes.get(purpose, purpose) }}订单 {{ reference_id }} "
        "未在规定时间内支付，已过期。如需继续，请重新下单。",
        PURPOSES_ZH + "<p>您的{{ purposes.get(purpose, purpose) }}订单 "
        "<strong>{{ reference_id }}</strong> 未在规定时间内支付，已过期。"
        "如需继续，请重新下单。</p>",
        None,
        EXPIRED_SAMPLE,
    ),
    (
        "order_expired",
        "email",
        "en",
        "Your EduCert order expired",
        PURPOSES_EN + "Your {{ purposes.get(purpose, purpose) }} order {{ reference_id }} was "
        "not paid in time and has expired. Place a new order to continue.",
        PURPOSES_EN + "<p>Your {{ purposes.get(purpose, purpose) }} order "
        "<strong>{{ reference_id }}</strong> was not paid in time and has expired. "
        "Place a new order to continue.</p>",
        None,
        EXPIRED_SAMPLE,
    ),
    (
        "order_expired",
        "inbox",
        "zh",
        "订单已过期",
        "订单 {{ reference_id }} 未在规定时间内支付，已过期。",
        None,
        None,
        EXPIRED_SAMPLE,
    ),
    (
        "order_expired",
        "inbox",
        "en",
        "Order expired",
        "Order {{ reference_id }} was not paid in time and has expired.",
        None,
        None,
        EXPIRED_SAMPLE,
    ),
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
                "essential": essential,
                "rate_limited": limited,
                "enabled": True,
                "created_at": now,
                "updated_at": now,
            }
            for event_type, key, channels, essential, limited in ROUTES
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
    op.execute(templates.delete().where(templates.c.updated_by == "migration"))
    op.execute(routes.delete().where(routes.c.event_type.in_([r[0] for r in ROUTES])))
