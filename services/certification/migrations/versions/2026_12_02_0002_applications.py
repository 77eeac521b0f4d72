"""Applications (draft steps, state, findings, claims), their transitions and payment orders,
certificates, number sequences, verified accounts; audit and idempotency tables.

Revision ID: certification_0002
Revises: certification_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.audit import create_audit_table, drop_audit_table
from educert_common.db import UtcDateTime
from educert_common.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "certification_0002"
down_revision: str | None = "certification_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reconsideration_of", sa.Uuid(), nullable=True),
        sa.Column("steps", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("degree_key", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("face_session_id", sa.Uuid(), nullable=True),
        sa.Column("entry_exit_records", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("queued_at", UtcDateTime(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("withdrawn_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reconsideration_of"],
            ["applications.id"],
            name=op.f("fk_applications_reconsideration_of_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_applications_number")),
    )
    op.create_index(
        "ix_applications_claimed",
        "applications",
        ["claimed_by"],
        unique=False,
        postgresql_where=sa.text("claimed_by IS NOT NULL"),
    )
    op.create_index("ix_applications_country", "applications", ["country", "state"], unique=False)
    op.create_index(
        "ix_applications_queue", "applications", ["state", "kind", "queued_at"], unique=False
    )
    op.create_index(op.f("ix_applications_user_id"), "applications", ["user_id"], unique=False)
    op.create_index(
        "ux_applications_open_degree",
        "applications",
        ["user_id", "degree_key"],
        unique=True,
        postgresql_where=sa.text(
            "degree_key IS NOT NULL AND kind <> 'reconsideration' "
            "AND state NOT IN ('withdrawn', 'refused')"
        ),
    )
    create_audit_table(op)
    create_idempotency_table(op)
    op.create_table(
        "number_sequences",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_number_sequences")),
    )
    op.create_table(
        "verified_accounts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("real_name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("verified_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_verified_accounts")),
    )
    op.create_table(
        "application_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_orders_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_orders")),
        sa.UniqueConstraint("order_id", name=op.f("uq_application_orders_order_id")),
    )
    op.create_index(
        op.f("ix_application_orders_application_id"),
        "application_orders",
        ["application_id"],
        unique=False,
    )
    op.create_index(
        "ux_application_orders_live",
        "application_orders",
        ["application_id", "purpose"],
        unique=True,
        postgresql_where=sa.text("status <> 'expired'"),
    )
    op.create_table(
        "application_transitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_transitions_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_transitions")),
    )
    op.create_index(
        op.f("ix_application_transitions_application_id"),
        "application_transitions",
        ["application_id"],
        unique=False,
    )
    op.create_index(
        "ix_application_transitions_to_at",
        "application_transitions",
        ["to_state", "at"],
        unique=False,
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_certificates_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("application_id", name=op.f("uq_certificates_application_id")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
        sa.UniqueConstraint("status_index", name=op.f("uq_certificates_status_index")),
    )
    op.create_index(op.f("ix_certificates_user_id"), "certificates", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_certificates_user_id"), table_name="certificates")
    op.drop_table("certificates")
    op.drop_index("ix_application_transitions_to_at", table_name="application_transitions")
    op.drop_index(
        op.f("ix_application_transitions_application_id"), table_name="application_transitions"
    )
    op.drop_table("application_transitions")
    op.drop_index(
        "ux_application_orders_live",
        table_name="application_orders",
        postgresql_where=sa.text("status <> 'expired'"),
    )
    op.drop_index(op.f("ix_application_orders_application_id"), table_name="application_orders")
    op.drop_table("application_orders")
    op.drop_table("verified_accounts")
    op.drop_table("number_sequences")
    drop_idempotency_table(op)
    drop_audit_table(op)
    op.drop_index(
        "ux_applications_open_degree",
        table_name="applications",
        postgresql_where=sa.text(
            "degree_key IS NOT NULL AND kind <> 'reconsideration' "
            "AND state NOT IN ('withdrawn', 'refused')"
        ),
    )
    op.drop_index(op.f("ix_applications_user_id"), table_name="applications")
    op.drop_index("ix_applications_queue", table_name="applications")
    op.drop_index("ix_applications_country", table_name="applications")
    op.drop_index(
        "ix_applications_claimed",
        table_name="applications",
        postgresql_where=sa.text("claimed_by IS NOT NULL"),
    )
    op.drop_table("applications")
