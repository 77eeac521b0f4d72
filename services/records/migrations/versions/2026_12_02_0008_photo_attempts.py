"""Photo upload attempts (学历照片上传): paid tries of a student to replace a record's photo,
their registry check and manual review; one open attempt per record.

Revision ID: records_0008
Revises: records_0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime

revision: str = "records_0008"
down_revision: str | None = "records_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('awaiting_payment', 'paid', 'registry_checking', 'in_review')"


def upgrade() -> None:
    op.create_table(
        "photo_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("photo_key", sa.String(length=100), nullable=False),
        sa.Column("uploaded_bytes", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("registry_tries", sa.Integer(), nullable=False),
        sa.Column("registry_due_at", UtcDateTime(), nullable=True),
        sa.Column("registry_outcome", sa.String(length=20), nullable=True),
        sa.Column("registry_field", sa.String(length=30), nullable=True),
        sa.Column("registry_checked_at", UtcDateTime(), nullable=True),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", UtcDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_attempts")),
    )
    op.create_index("ix_photo_attempts_user_id", "photo_attempts", ["user_id"])
    op.create_index(
        "ix_photo_attempts_queue", "photo_attempts", ["institution_id", "status", "created_at"]
    )
    op.create_index(
        "uq_photo_attempts_one_open_per_record",
        "photo_attempts",
        ["kind", "record_id"],
        unique=True,
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_photo_attempts_registry_due",
        "photo_attempts",
        ["registry_due_at"],
        postgresql_where=sa.text("status IN ('paid', 'registry_checking')"),
    )


def downgrade() -> None:
    op.drop_index("ix_photo_attempts_registry_due", table_name="photo_attempts")
    op.drop_index("uq_photo_attempts_one_open_per_record", table_name="photo_attempts")
    op.drop_index("ix_photo_attempts_queue", table_name="photo_attempts")
    op.drop_index("ix_photo_attempts_user_id", table_name="photo_attempts")
    op.drop_table("photo_attempts")
