"""Binding records to accounts: records' copy of real-name-verified accounts, the manual
binding attempt counter, operators' unbindings.

Revision ID: records_0005
Revises: records_0004
Create Date: 2026-12-02 03:45:06.218816
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime

revision: str = "records_0005"
down_revision: str | None = "records_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verified_accounts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("real_name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("verified_at", UtcDateTime(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_verified_accounts")),
        sa.UniqueConstraint("id_number_hash", name=op.f("uq_verified_accounts_id_number_hash")),
    )
    op.create_table(
        "binding_attempts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_binding_attempts")),
    )
    op.create_table(
        "record_unbindings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("unbound_by", sa.String(length=100), nullable=False),
        sa.Column("unbound_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_unbindings")),
    )
    op.create_index(
        "ix_record_unbindings_record", "record_unbindings", ["kind", "record_id", "user_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_record_unbindings_record", table_name="record_unbindings")
    op.drop_table("record_unbindings")
    op.drop_table("binding_attempts")
    op.drop_table("verified_accounts")
