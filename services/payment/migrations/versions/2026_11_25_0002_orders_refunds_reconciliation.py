"""Orders, payment attempts, fees (seeded), refunds, callbacks log, reconciliation; audit and
idempotency tables.

Revision ID: payment_0002
Revises: payment_0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from educert_common.audit import create_audit_table, drop_audit_table
from educert_common.db import UtcDateTime
from educert_common.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "payment_0002"
down_revision: str | None = "payment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_FEES = {"certification": 36000, "photo_check": 200, "report": 3000, "courier": 2200}
SEEDED_AT = datetime(2026, 11, 25, tzinfo=UTC)


def upgrade() -> None:
    create_audit_table(op)
    op.create_table(
        "fees",
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_fees_amount_positive")),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_fees")),
    )
    create_idempotency_table(op)
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("reference_id", sa.String(length=100), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_via", sa.String(length=20), nullable=False),
        sa.Column("holder_name_masked", sa.String(length=100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("paid_channel", sa.String(length=10), nullable=True),
        sa.Column("paid_attempt_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("refunded_fen", sa.Integer(), nullable=False),
        sa.Column("proxy_token", sa.String(length=64), nullable=True),
        sa.Column("receipt_code", sa.String(length=20), nullable=True),
        sa.Column("last_queried_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('created', 'paid', 'expired', 'closed')",
            name=op.f("ck_orders_status_known"),
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_orders_amount_positive")),
        sa.CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= amount_fen", name=op.f("ck_orders_refund_bound")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("proxy_token", name=op.f("uq_orders_proxy_token")),
        sa.UniqueConstraint("receipt_code", name=op.f("uq_orders_receipt_code")),
    )
    op.create_index("ix_orders_status_expires_at", "orders", ["status", "expires_at"], unique=False)
    op.create_index("ix_orders_user_created", "orders", ["user_id", "created_at"], unique=False)
    op.create_index(
        "uq_orders_open_per_reference",
        "orders",
        ["user_id", "purpose", "reference_id"],
        unique=True,
        postgresql_where=sa.text("status = 'created'"),
    )
    op.create_table(
        "provider_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("out_trade_no", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_notifications")),
    )
    op.create_index(
        op.f("ix_provider_notifications_out_trade_no"),
        "provider_notifications",
        ["out_trade_no"],
        unique=False,
    )
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider_lines", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("mismatch_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_runs")),
    )
    op.create_index(
        op.f("ix_reconciliation_runs_day"), "reconciliation_runs", ["day"], unique=False
    )
    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("code_url", sa.Text(), nullable=True),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("reserved_fen", sa.Integer(), nullable=False),
        sa.Column("refunded_fen", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= reserved_fen",
            name=op.f("ck_payment_attempts_refunded_bound"),
        ),
        sa.CheckConstraint(
            "reserved_fen >= 0 AND reserved_fen <= amount_fen",
            name=op.f("ck_payment_attempts_reserved_bound"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_attempts_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint(
            "channel", "transaction_id", name=op.f("uq_payment_attempts_channel_transaction_id")
        ),
        sa.UniqueConstraint(
            "order_id", "channel", name=op.f("uq_payment_attempts_order_id_channel")
        ),
    )
    op.create_table(
        "reconciliation_mismatches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("entry", sa.String(length=10), nullable=False),
        sa.Column("out_trade_no", sa.String(length=64), nullable=False),
        sa.Column("out_refund_no", sa.String(length=64), nullable=True),
        sa.Column("provider_amount_fen", sa.Integer(), nullable=True),
        sa.Column("our_amount_fen", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation_runs.id"],
            name=op.f("fk_reconciliation_mismatches_run_id_reconciliation_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_mismatches")),
    )
    op.create_index(
        op.f("ix_reconciliation_mismatches_run_id"),
        "reconciliation_mismatches",
        ["run_id"],
        unique=False,
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=64), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_try_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["payment_attempts.id"],
            name=op.f("fk_refunds_attempt_id_payment_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_refunds_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint(
            "order_id", "request_key", name=op.f("uq_refunds_order_id_request_key")
        ),
    )
    op.create_index(op.f("ix_refunds_order_id"), "refunds", ["order_id"], unique=False)
    op.create_index(
        "ix_refunds_due",
        "refunds",
        ["next_try_at"],
        postgresql_where=sa.text("status = 'requested'"),
    )
    # Fees in fen. Certification (360 CNY) and photo check (2 CNY) come from DOMAIN.md; report
    # and courier fees are set by operators, seeded with placeholders (30 and 22 CNY).
    fees = sa.table(
        "fees",
        sa.column("purpose", sa.String),
        sa.column("amount_fen", sa.Integer),
        sa.column("updated_at", UtcDateTime()),
        sa.column("updated_by", sa.String),
    )
    op.bulk_insert(
        fees,
        [
            {
                "purpose": purpose,
                "amount_fen": fen,
                "updated_at": SEEDED_AT,
                "updated_by": "migration",
            }
            for purpose, fen in SEED_FEES.items()
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_refunds_due", table_name="refunds")
    op.drop_index(op.f("ix_refunds_order_id"), table_name="refunds")
    op.drop_table("refunds")
    op.drop_index(
        op.f("ix_reconciliation_mismatches_run_id"), table_name="reconciliation_mismatches"
    )
    op.drop_table("reconciliation_mismatches")
    op.drop_table("payment_attempts")
    op.drop_index(op.f("ix_reconciliation_runs_day"), table_name="reconciliation_runs")
    op.drop_table("reconciliation_runs")
    op.drop_index(
        op.f("ix_provider_notifications_out_trade_no"), table_name="provider_notifications"
    )
    op.drop_table("provider_notifications")
    op.drop_index(
        "uq_orders_open_per_reference",
        table_name="orders",
        postgresql_where=sa.text("status = 'created'"),
    )
    op.drop_index("ix_orders_user_created", table_name="orders")
    op.drop_index("ix_orders_status_expires_at", table_name="orders")
    op.drop_table("orders")
    drop_idempotency_table(op)
    op.drop_table("fees")
    drop_audit_table(op)
