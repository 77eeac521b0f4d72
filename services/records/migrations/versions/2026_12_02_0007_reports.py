"""Online verification reports, who verified them, and the operators" ordering policy
(one row, validity 30 to 365 days, free).

Revision ID: records_0007
Revises: records_0006
Create Date: 2026-12-02 07:24:23.965563
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.db import UtcDateTime

revision: str = "records_0007"
down_revision: str | None = "records_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("min_validity_days", sa.Integer(), nullable=False),
        sa.Column("max_validity_days", sa.Integer(), nullable=False),
        sa.Column("fee_required", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_report_policy_single_row")),
        sa.CheckConstraint(
            "min_validity_days >= 1 AND max_validity_days >= min_validity_days "
            "AND max_validity_days <= 3660",
            name=op.f("ck_report_policy_range_sane"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_policy")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("valid_from", UtcDateTime(), nullable=True),
        sa.Column("valid_until", UtcDateTime(), nullable=True),
        sa.Column("disclosure", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("photo_key", sa.String(length=100), nullable=True),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("alert_on_verify", sa.Boolean(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('awaiting_payment', 'active', 'closed', 'revoked', 'cancelled')",
            name=op.f("ck_reports_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_reports_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("code", name=op.f("uq_reports_code")),
        sa.UniqueConstraint("status_index", name=op.f("uq_reports_status_index")),
    )
    op.create_index(op.f("ix_reports_owner_id"), "reports", ["owner_id"], unique=False)
    op.create_index("ix_reports_record", "reports", ["record_kind", "record_id"], unique=False)
    op.create_table(
        "report_verifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("verified_at", UtcDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("partner", sa.String(length=40), nullable=True),
        sa.Column("client_masked", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_verifications_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_verifications")),
    )
    op.create_index(
        "ix_report_verifications_report",
        "report_verifications",
        ["report_id", "verified_at"],
        unique=False,
    )
    op.execute(
        "INSERT INTO report_policy (id, min_validity_days, max_validity_days, fee_required, "
        "updated_by, updated_at) VALUES (1, 30, 365, false, 'migration', now())"
    )


def downgrade() -> None:
    op.drop_index("ix_report_verifications_report", table_name="report_verifications")
    op.drop_table("report_verifications")
    op.drop_index("ix_reports_record", table_name="reports")
    op.drop_index(op.f("ix_reports_owner_id"), table_name="reports")
    op.drop_table("reports")
    op.drop_table("report_policy")
