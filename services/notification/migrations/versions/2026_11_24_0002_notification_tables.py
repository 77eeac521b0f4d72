"""Notification tables: recipients, preferences, templates, routes, messages, deliveries,
send log, inbox, captured development mail, audit entries; and the delivery wake-up trigger.

Revision ID: notification_0002
Revises: notification_0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.audit import create_audit_table, drop_audit_table
from educert_common.db import UtcDateTime

revision: str = "notification_0002"
down_revision: str | None = "notification_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_table(op)
    op.create_table(
        "captured_mail",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("mail_from", sa.String(length=320), nullable=False),
        sa.Column("recipients", sa.ARRAY(sa.String(length=320)), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captured_mail")),
    )
    op.create_index("ix_captured_mail_created", "captured_mail", ["created_at", "id"], unique=False)
    op.create_index(
        op.f("ix_captured_mail_message_id"), "captured_mail", ["message_id"], unique=False
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("source_event_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("template_key", sa.String(length=80), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("source_event_id", name=op.f("uq_messages_source_event_id")),
    )
    op.create_index(op.f("ix_messages_user_id"), "messages", ["user_id"], unique=False)
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("mute_non_essential", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_preferences")),
    )
    op.create_table(
        "recipients",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("mobile", sa.String(length=32), nullable=True),
        sa.Column("mobile_is_mainland", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("contacts_as_of", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("locale IN ('zh', 'en')", name=op.f("ck_recipients_locale")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_recipients")),
    )
    op.create_table(
        "routes",
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("template_key", sa.String(length=80), nullable=False),
        sa.Column("channels", sa.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        sa.Column("rate_limited", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_type", name=op.f("pk_routes")),
    )
    op.create_table(
        "send_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("destination_key", sa.String(length=340), nullable=False),
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at", UtcDateTime(), server_default=sa.text("clock_timestamp()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_log")),
    )
    op.create_index(
        "ix_send_log_destination_time", "send_log", ["destination_key", "created_at"], unique=False
    )
    op.create_table(
        "templates",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("sms_template_code", sa.String(length=64), nullable=True),
        sa.Column("sample_data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('sms', 'email', 'inbox')", name=op.f("ck_templates_channel")
        ),
        sa.CheckConstraint("locale IN ('zh', 'en')", name=op.f("ck_templates_locale")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint(
            "key", "channel", "locale", name=op.f("uq_templates_key_channel_locale")
        ),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("source_event_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("destination", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("failure_reason", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("attempt_token", sa.UUID(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("sms_template_code", sa.String(length=64), nullable=True),
        sa.Column("sms_params", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('sms', 'email', 'inbox')", name=op.f("ck_deliveries_channel")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'dead')",
            name=op.f("ck_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_deliveries_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "source_event_id", "channel", name=op.f("uq_deliveries_source_event_id_channel")
        ),
    )
    op.create_index("ix_deliveries_created", "deliveries", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_deliveries_destination"), "deliveries", ["destination"], unique=False)
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('queued', 'sending')"),
    )
    op.create_index(op.f("ix_deliveries_event_type"), "deliveries", ["event_type"], unique=False)
    op.create_index(op.f("ix_deliveries_message_id"), "deliveries", ["message_id"], unique=False)
    op.create_index(op.f("ix_deliveries_user_id"), "deliveries", ["user_id"], unique=False)
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_inbox_items_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbox_items_message_id")),
    )
    op.create_index(
        "ix_inbox_items_owner_created", "inbox_items", ["user_id", "created_at", "id"], unique=False
    )

    # One NOTIFY per inserting statement wakes the delivery workers once the rows commit.
    op.execute(
        """
        CREATE FUNCTION notify_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('notification_deliveries', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries "
        "FOR EACH STATEMENT EXECUTE FUNCTION notify_deliveries()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS deliveries_notify ON deliveries")
    op.execute("DROP FUNCTION IF EXISTS notify_deliveries()")
    op.drop_index("ix_inbox_items_owner_created", table_name="inbox_items")
    op.drop_table("inbox_items")
    op.drop_index(op.f("ix_deliveries_user_id"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_message_id"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_event_type"), table_name="deliveries")
    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        postgresql_where=sa.text("status IN ('queued', 'sending')"),
    )
    op.drop_index(op.f("ix_deliveries_destination"), table_name="deliveries")
    op.drop_index("ix_deliveries_created", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("templates")
    op.drop_index("ix_send_log_destination_time", table_name="send_log")
    op.drop_table("send_log")
    op.drop_table("routes")
    op.drop_table("recipients")
    op.drop_table("preferences")
    op.drop_index(op.f("ix_messages_user_id"), table_name="messages")
    op.drop_table("messages")
    op.drop_index(op.f("ix_captured_mail_message_id"), table_name="captured_mail")
    op.drop_index("ix_captured_mail_created", table_name="captured_mail")
    op.drop_table("captured_mail")
    drop_audit_table(op)
