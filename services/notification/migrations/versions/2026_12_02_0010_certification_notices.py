"""Routes and templates for certification applications (issue 11 item 9): every request made
of the applicant and every result by SMS, e-mail and the inbox; the steps in between (awaiting
payment, submitted with its estimated date, supplements received, withdrawn) by e-mail and/or
the inbox only.

A request for supplements is essential (muting cannot hide it: the application waits on the
applicant); results and the rest may be muted like other notices. SMS bodies read only plain
values (the number, the certificate number), which is all a carrier template takes; the
lists (items asked for, reasons) are in the e-mail and the inbox.

Revision ID: notification_0010
Revises: notification_0009
Create Date: 2026-12-02
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notification_0010"
# notification_0009 (photo upload notices) lands from another branch: re-point this to it
# when both are merged.
down_revision: str | None = "notification_0009"
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

# event type, template key, channels, essential
ROUTES = [
    ("certification.application.awaiting_payment", "application_awaiting_payment", ["inbox"],
     False),
    ("certification.application.submitted", "application_submitted", ["email", "inbox"], False),
    ("certification.application.returned", "application_returned", ["sms", "email", "inbox"],
     True),
    ("certification.application.resubmitted", "application_resubmitted", ["inbox"], False),
    ("certification.application.certified", "application_certified", ["sms", "email", "inbox"],
     False),
    ("certification.application.refused", "application_refused", ["sms", "email", "inbox"],
     False),
    ("certification.application.withdrawn", "application_withdrawn", ["email", "inbox"], False),
]  # fmt: skip

# Samples: the events' fields (educert_common.events.catalogue, ApplicationMoved and its
# subclasses) as they arrive, JSON-encoded; no personal data (no name, no ID number).
USER = "00000000-0000-4000-8000-000000000001"
APPLICATION = "00000000-0000-4000-8000-0000000000d1"
MOVED = {
    "application_id": APPLICATION,
    "user_id": USER,
    "kind": "foreign_degree",
    "number": "RZ20261202000123",
    "occurred_at": "2026-12-02T02:00:00Z",
}
AWAITING_PAYMENT_SAMPLE = {
    **MOVED,
    "previous_state": "draft",
    "order_ids": ["00000000-0000-4000-8000-0000000000e1"],
}
SUBMITTED_SAMPLE = {
    **MOVED,
    "previous_state": "awaiting_payment",
    "estimated_completion": "2026-12-16",
}
RETURNED_SAMPLE = {
    **MOVED,
    "previous_state": "in_review",
    "request_id": "00000000-0000-4000-8000-0000000000f1",
    "items": [
        {"mode": "reupload_file", "slot": "transcript", "message": "第二页不清晰"},
        {"mode": "add_file", "slot": "translation", "message": "请补充成绩单的翻译件"},
        {"mode": "paper", "slot": "degree_certificate", "message": "请邮寄学位证书复印件"},
    ],
    "message": "请在30日内补交",
}
RESUBMITTED_SAMPLE = {
    **MOVED,
    "previous_state": "returned",
    "estimated_completion": "2026-12-23",
}
CERTIFIED_SAMPLE = {
    **MOVED,
    "previous_state": "in_review",
    "certificate_id": "00000000-0000-4000-8000-0000000000c2",
    "certificate_number": "ZG20260000123",
}
REFUSED_SAMPLE = {
    **MOVED,
    "previous_state": "in_review",
    "reasons": ["颁发机构未获所在国认可", "学习经历与出入境记录不符"],
}
WITHDRAWN_SAMPLE = {
    "application_id": APPLICATION,
    "user_id": USER,
    "reason": "withdrawn by the applicant",
    "kind": "foreign_degree",
    "number": "RZ20261202000123",
    "previous_state": "submitted",
    "occurred_at": "2026-12-02T02:00:00Z",
}

KINDS_ZH = (
    '{% set kinds = {"foreign_degree": "国(境)外学历学位认证", '
    '"hmt_degree": "港澳台地区学历学位认证", "domestic_qualification": "国内学历认证", '
    '"reconsideration": "认证结果复议"} %}'
)
KINDS_EN = (
    '{% set kinds = {"foreign_degree": "foreign degree certification", '
    '"hmt_degree": "Hong Kong, Macau or Taiwan degree certification", '
    '"domestic_qualification": "domestic qualification certification", '
    '"reconsideration": "reconsideration"} %}'
)
SLOTS_ZH = (
    '{% set slots = {"passport": "护照个人信息页", "entry_exit_pages": "出入境记录", '
    '"degree_certificate": "学位/学历证书", "transcript": "成绩单", "translation": "翻译件", '
    '"authorisation_letter": "授权声明书", "joint_programme_proof": "合作办学项目批准证明", '
    '"other": "其他证明材料", "id_photo": "证件照", "diploma_scan": "毕业证书扫描件", '
    '"new_evidence": "复议新证据材料"} %}'
)
SLOTS_EN = (
    '{% set slots = {"passport": "passport photo page", "entry_exit_pages": "entry-exit records", '
    '"degree_certificate": "degree or diploma certificate", "transcript": "transcript", '
    '"translation": "translation", "authorisation_letter": "authorisation letter", '
    '"joint_programme_proof": "proof of the joint programme", '
    '"other": "other supporting documents", "id_photo": "ID photo", '
    '"diploma_scan": "diploma scan", "new_evidence": "new evidence"} %}'
)
MODES_ZH = (
    '{% set modes = {"add_file": "补充新文件", "reupload_file": "重新上传", '
    '"paper": "邮寄纸质材料"} %}'
)
MODES_EN = (
    '{% set modes = {"add_file": "add a file", "reupload_file": "upload it again", '
    '"paper": "send it on paper by courier, with the tracking number"} %}'
)
# "您的国(境)外学历学位认证申请（RZ…）" / "Your foreign degree certification application RZ…"
WHICH_ZH = KINDS_ZH + "您的{{ kinds.get(kind, kind) }}申请（{{ number }}）"
WHICH_EN = KINDS_EN + "Your {{ kinds.get(kind, kind) }} application {{ number }}"

AWAITING_PAYMENT_ZH = (
    WHICH_ZH + "已提交，待支付费用。支付后进入审核队列；也可分享代付链接请他人支付。"
)
AWAITING_PAYMENT_EN = (
    WHICH_EN + " is submitted and awaits payment. Once paid it joins the reviewers' queue; "
    "you can also share the proxy-pay link for someone else to pay."
)
SUBMITTED_ZH = (
    WHICH_ZH
    + "已进入审核队列。{% if estimated_completion %}预计完成日期：{{ estimated_completion }}"
    "（按工作日估算，随排队情况更新）。{% else %}预计完成日期暂无法估算，请稍后在申请详情中查看。"
    "{% endif %}"
)
SUBMITTED_EN = (
    WHICH_EN + " is in the reviewers' queue. {% if estimated_completion %}Estimated completion: "
    "{{ estimated_completion }} (in working days; updated as the queue moves).{% else %}"
    "No completion date can be estimated yet; see the application's page later.{% endif %}"
)
RETURNED_ITEMS_ZH = (
    SLOTS_ZH + MODES_ZH + "{% for item in items %}\n{{ loop.index }}. "
    "{{ slots.get(item.slot, item.slot) }}（{{ modes.get(item.mode, item.mode) }}）："
    "{{ item.message }}{% endfor %}"
)
RETURNED_ITEMS_EN = (
    SLOTS_EN + MODES_EN + "{% for item in items %}\n{{ loop.index }}. "
    "{{ slots.get(item.slot, item.slot) }} ({{ modes.get(item.mode, item.mode) }}): "
    "{{ item.message }}{% endfor %}"
)
RETURNED_ZH = (
    WHICH_ZH + "需补交以下材料：" + RETURNED_ITEMS_ZH
    + "{% if message %}\n审核意见：{{ message }}{% endif %}\n请在申请详情中补交后重新提交。"
)  # fmt: skip
RETURNED_EN = (
    WHICH_EN + " needs supplementary materials:" + RETURNED_ITEMS_EN
    + "{% if message %}\nReviewer's note: {{ message }}{% endif %}\n"
    "Supply them on the application's page, then resubmit."
)  # fmt: skip
RETURNED_HTML_ZH = (
    SLOTS_ZH + MODES_ZH + "<p>" + WHICH_ZH + "需补交以下材料：</p><ol>"
    "{% for item in items %}<li>{{ slots.get(item.slot, item.slot) }}"
    "（{{ modes.get(item.mode, item.mode) }}）：{{ item.message }}</li>{% endfor %}</ol>"
    "{% if message %}<p>审核意见：{{ message }}</p>{% endif %}<p>请在申请详情中补交后重新提交。</p>"
)
RETURNED_HTML_EN = (
    SLOTS_EN + MODES_EN + "<p>" + WHICH_EN + " needs supplementary materials:</p><ol>"
    "{% for item in items %}<li>{{ slots.get(item.slot, item.slot) }} "
    "({{ modes.get(item.mode, item.mode) }}): {{ item.message }}</li>{% endfor %}</ol>"
    "{% if message %}<p>Reviewer's note: {{ message }}</p>{% endif %}"
    "<p>Supply them on the application's page, then resubmit.</p>"
)
RETURNED_SMS_ZH = "您的认证申请 {{ number }} 需补交材料，请登录 EduCert 查看审核意见并补交。"
RETURNED_SMS_EN = (
    "EduCert: your application {{ number }} needs supplementary materials. Sign in to see "
    "what is asked and supply it."
)
RESUBMITTED_ZH = WHICH_ZH + "的补交材料已收到，申请已重新进入审核队列。"
RESUBMITTED_EN = WHICH_EN + ": your supplements were received and it is back in the queue."
CERTIFIED_ZH = (
    WHICH_ZH + "已完成认证，认证证书编号 {{ certificate_number }}。"
    "可在申请详情中下载认证证书，他人可凭验证码核验。"
)
CERTIFIED_EN = (
    WHICH_EN + " is certified: certificate number {{ certificate_number }}. Download the "
    "certificate from the application's page; anyone can check it with its verification code."
)
CERTIFIED_SMS_ZH = "您的认证申请 {{ number }} 已完成，认证证书编号 {{ certificate_number }}。"
CERTIFIED_SMS_EN = (
    "EduCert: application {{ number }} is certified, certificate number {{ certificate_number }}."
)
REFUSED_ZH = (
    WHICH_ZH + "未通过认证，原因：{% for reason in reasons %}\n{{ loop.index }}. {{ reason }}"
    "{% endfor %}\n可在申请详情中下载不予认证告知书；如有异议，可提出复议申请。"
)
REFUSED_EN = (
    WHICH_EN + " was refused, for these reasons:{% for reason in reasons %}\n"
    "{{ loop.index }}. {{ reason }}{% endfor %}\nThe refusal letter is on the application's "
    "page; you may apply for a reconsideration."
)
REFUSED_HTML_ZH = (
    "<p>" + WHICH_ZH + "未通过认证，原因：</p><ol>{% for reason in reasons %}<li>{{ reason }}</li>"
    "{% endfor %}</ol><p>可在申请详情中下载不予认证告知书；如有异议，可提出复议申请。</p>"
)
REFUSED_HTML_EN = (
    "<p>" + WHICH_EN + " was refused, for these reasons:</p><ol>{% for reason in reasons %}"
    "<li>{{ reason }}</li>{% endfor %}</ol><p>The refusal letter is on the application's page; "
    "you may apply for a reconsideration.</p>"
)
REFUSED_SMS_ZH = "您的认证申请 {{ number }} 未通过认证，原因及复议方式请登录 EduCert 查看。"
REFUSED_SMS_EN = (
    "EduCert: application {{ number }} was refused. Sign in to see the reasons and how to ask "
    "for a reconsideration."
)
# The withdrawn event's kind and number are optional (older producers sent neither).
WITHDRAWN_ZH = (
    KINDS_ZH + "您的{% if kind %}{{ kinds.get(kind, kind) }}{% else %}认证{% endif %}申请"
    "{% if number %}（{{ number }}）{% endif %}已撤回。已支付的费用将原路退回。"
)
WITHDRAWN_EN = (
    KINDS_EN + "Your {% if kind %}{{ kinds.get(kind, kind) }}{% else %}certification{% endif %} "
    "application{% if number %} {{ number }}{% endif %} was withdrawn. Fees paid for it are "
    "refunded to where they came from."
)


def _html(text: str) -> str:
    return "<p>" + text + "</p>"


Row = tuple[str, str, str, str | None, str, str | None, str | None, dict[str, Any]]
# key, channel, locale, subject, body, html body, carrier template code, sample data
TEMPLATES: list[Row] = []
# key, sample, (zh, en) texts, (zh, en) subjects, (zh, en) html or None, SMS (zh, en) or None
NOTICES: list[
    tuple[
        str,
        dict[str, Any],
        tuple[str, str],
        tuple[str, str],
        tuple[str, str] | None,
        tuple[str, str] | None,
        list[str],
    ]
] = [
    ("application_awaiting_payment", AWAITING_PAYMENT_SAMPLE,
     (AWAITING_PAYMENT_ZH, AWAITING_PAYMENT_EN),
     ("认证申请待支付", "Your application awaits payment"), None, None, ["inbox"]),
    ("application_submitted", SUBMITTED_SAMPLE, (SUBMITTED_ZH, SUBMITTED_EN),
     ("认证申请已进入审核", "Your application is in the queue"), None, None, ["email", "inbox"]),
    ("application_returned", RETURNED_SAMPLE, (RETURNED_ZH, RETURNED_EN),
     ("认证申请需补交材料", "Supplements requested for your application"),
     (RETURNED_HTML_ZH, RETURNED_HTML_EN), (RETURNED_SMS_ZH, RETURNED_SMS_EN),
     ["email", "inbox"]),
    ("application_resubmitted", RESUBMITTED_SAMPLE, (RESUBMITTED_ZH, RESUBMITTED_EN),
     ("补交材料已收到", "Supplements received"), None, None, ["inbox"]),
    ("application_certified", CERTIFIED_SAMPLE, (CERTIFIED_ZH, CERTIFIED_EN),
     ("认证已完成", "Your certification is complete"), None,
     (CERTIFIED_SMS_ZH, CERTIFIED_SMS_EN), ["email", "inbox"]),
    ("application_refused", REFUSED_SAMPLE, (REFUSED_ZH, REFUSED_EN),
     ("认证申请未通过", "Your application was refused"), (REFUSED_HTML_ZH, REFUSED_HTML_EN),
     (REFUSED_SMS_ZH, REFUSED_SMS_EN), ["email", "inbox"]),
    ("application_withdrawn", WITHDRAWN_SAMPLE, (WITHDRAWN_ZH, WITHDRAWN_EN),
     ("认证申请已撤回", "Your application was withdrawn"), None, None, ["email", "inbox"]),
]  # fmt: skip
for key, sample, texts, subjects, html, sms, channels in NOTICES:
    for index, locale in enumerate(("zh", "en")):
        text, subject = texts[index], subjects[index]
        if "email" in channels:
            prefix = "EduCert " if locale == "zh" else "EduCert: "
            html_body = html[index] if html else _html(text)
            TEMPLATES.append(
                (key, "email", locale, prefix + subject, text, html_body, None, sample)
            )
        if "inbox" in channels:
            TEMPLATES.append((key, "inbox", locale, subject, text, None, None, sample))
        if sms:
            code = "SMS_EDUCERT_" + key.upper() + "_" + locale.upper()
            TEMPLATES.append((key, "sms", locale, None, sms[index], None, code, sample))


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
