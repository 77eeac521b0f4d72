"""Photo checks (one per record) and correction requests with their evidence files.

Revision ID: records_0004
Revises: records_0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.db import UtcDateTime

revision: str = "records_0004"
down_revision: str | None = "records_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("proposed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("proposed_id_number_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index(
        "ix_corrections_institution_queue",
        "corrections",
        ["institution_id", "status", "created_at"],
        unique=False,
    )
    op.create_index("ix_corrections_user_id", "corrections", ["user_id"], unique=False)
    op.create_index(
        "uq_corrections_one_open_per_record",
        "corrections",
        ["kind", "record_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "photo_checks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("conclusion", sa.String(length=10), nullable=False),
        sa.Column("wrong_fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("first_answered_at", UtcDateTime(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
        sa.Column("effective_at", UtcDateTime(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("concluded_at", UtcDateTime(), nullable=True),
        sa.Column("correction_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_checks")),
        sa.UniqueConstraint("kind", "record_id", name="uq_photo_checks_one_per_record"),
    )
    op.create_index(
        "ix_photo_checks_due",
        "photo_checks",
        ["effective_at"],
        unique=False,
        postgresql_where=sa.text("concluded_at IS NULL"),
    )
    op.create_index("ix_photo_checks_user_id", "photo_checks", ["user_id"], unique=False)
    op.create_table(
        "correction_evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("correction_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_key", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["corrections.id"],
            name=op.f("fk_correction_evidence_correction_id_corrections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_evidence")),
    )
    op.create_index(
        op.f("ix_correction_evidence_correction_id"),
        "correction_evidence",
        ["correction_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_correction_evidence_correction_id"), table_name="correction_evidence")
    op.drop_table("correction_evidence")
    op.drop_index("ix_photo_checks_user_id", table_name="photo_checks")
    op.drop_index(
        "ix_photo_checks_due",
        table_name="photo_checks",
        postgresql_where=sa.text("concluded_at IS NULL"),
    )
    op.drop_table("photo_checks")
    op.drop_index(
        "uq_corrections_one_open_per_record",
        table_name="corrections",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_corrections_user_id", table_name="corrections")
    op.drop_index("ix_corrections_institution_queue", table_name="corrections")
    op.drop_table("corrections")
