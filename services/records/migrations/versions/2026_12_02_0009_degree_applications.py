"""Degree application rounds (学士学位申请), the applications in them and their file
versions.

Revision ID: records_0009
Revises: records_0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.db import UtcDateTime

revision: str = "records_0009"
down_revision: str | None = "records_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "degree_rounds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("opens_at", UtcDateTime(), nullable=False),
        sa.Column("closes_at", UtcDateTime(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("education_type", sa.String(length=20), nullable=True),
        sa.Column("required_materials", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_degree_rounds_window_sane")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_degree_rounds_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_degree_rounds")),
    )
    op.create_index(
        op.f("ix_degree_rounds_institution_id"), "degree_rounds", ["institution_id"], unique=False
    )
    op.create_table(
        "degree_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("registration_report_id", sa.Uuid(), nullable=True),
        sa.Column("registration_report_code", sa.String(length=16), nullable=True),
        sa.Column("return_reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.Column("returned_at", UtcDateTime(), nullable=True),
        sa.Column("approved_at", UtcDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("receipt_code", sa.String(length=16), nullable=True),
        sa.Column("disqualified_at", UtcDateTime(), nullable=True),
        sa.Column("disqualified_by", sa.String(length=100), nullable=True),
        sa.Column("disqualified_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'approved', 'confirmed', 'disqualified')",
            name=op.f("ck_degree_applications_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_degree_applications_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["degree_rounds.id"],
            name=op.f("fk_degree_applications_round_id_degree_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_degree_applications")),
        sa.UniqueConstraint("receipt_code", name=op.f("uq_degree_applications_receipt_code")),
        sa.UniqueConstraint(
            "round_id", "applicant_id", name=op.f("uq_degree_applications_round_id_applicant_id")
        ),
    )
    op.create_index(
        op.f("ix_degree_applications_applicant_id"),
        "degree_applications",
        ["applicant_id"],
        unique=False,
    )
    op.create_index(
        "ix_degree_applications_round_status",
        "degree_applications",
        ["round_id", "status"],
        unique=False,
    )
    op.create_table(
        "degree_application_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_key", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["degree_applications.id"],
            name=op.f("fk_degree_application_files_application_id_degree_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_degree_application_files")),
        sa.UniqueConstraint(
            "application_id",
            "slot",
            "version",
            name=op.f("uq_degree_application_files_application_id_slot_version"),
        ),
    )


def downgrade() -> None:
    op.drop_table("degree_application_files")
    op.drop_index("ix_degree_applications_round_status", table_name="degree_applications")
    op.drop_index(op.f("ix_degree_applications_applicant_id"), table_name="degree_applications")
    op.drop_table("degree_applications")
    op.drop_index(op.f("ix_degree_rounds_institution_id"), table_name="degree_rounds")
    op.drop_table("degree_rounds")
