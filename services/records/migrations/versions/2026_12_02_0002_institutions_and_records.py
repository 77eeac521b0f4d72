"""Institutions; student-status, qualification and degree records with their versions and
status history; audit and idempotency tables.

Revision ID: records_0002
Revises: records_0001
Create Date: 2026-12-02 03:36:33.576391
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.audit import create_audit_table, drop_audit_table
from educert_common.db import UtcDateTime
from educert_common.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "records_0002"
down_revision: str | None = "records_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_table(op)
    create_idempotency_table(op)
    op.create_table(
        "institutions",
        sa.Column("id", sa.String(length=10), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=True),
        sa.Column("authority", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("successor_id", sa.String(length=10), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "(status = 'merged') = (successor_id IS NOT NULL)",
            name=op.f("ck_institutions_successor_iff_merged"),
        ),
        sa.CheckConstraint("id ~ '^[0-9]{10}$'", name=op.f("ck_institutions_code_ten_digits")),
        sa.CheckConstraint(
            "kind IN ('undergraduate', 'vocational', 'adult', 'research_institute')",
            name=op.f("ck_institutions_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'merged', 'closed')", name=op.f("ck_institutions_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["institutions.id"],
            name=op.f("fk_institutions_successor_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
    )
    op.create_table(
        "record_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("id_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
        sa.UniqueConstraint(
            "kind", "record_id", "version", name=op.f("uq_record_versions_kind_record_id_version")
        ),
    )
    op.create_table(
        "degree_records",
        sa.Column("certificate_number", sa.String(length=40), nullable=False),
        sa.Column("certificate_key", sa.String(length=40), nullable=False),
        sa.Column("degree_level", sa.String(length=20), nullable=False),
        sa.Column("discipline", sa.String(length=20), nullable=False),
        sa.Column("major", sa.String(length=100), nullable=False),
        sa.Column("awarding_institution_id", sa.String(length=10), nullable=False),
        sa.Column("conferred_date", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("student_number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_type", sa.String(length=30), nullable=False),
        sa.Column("id_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("photo_key", sa.String(length=100), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("bound_at", UtcDateTime(), nullable=True),
        sa.Column("bound_via", sa.String(length=10), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "conferred_date >= DATE '1991-01-01'", name=op.f("ck_degree_records_since_1991")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_degree_records_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_degree_records")),
        sa.UniqueConstraint(
            "institution_id",
            "certificate_key",
            name=op.f("uq_degree_records_institution_id_certificate_key"),
        ),
        sa.UniqueConstraint(
            "institution_id",
            "student_number",
            name=op.f("uq_degree_records_institution_id_student_number"),
        ),
    )
    op.create_index(
        "ix_degree_records_certificate_key", "degree_records", ["certificate_key"], unique=False
    )
    op.create_index(
        "ix_degree_records_id_number_hash", "degree_records", ["id_number_hash"], unique=False
    )
    op.create_index("ix_degree_records_owner_id", "degree_records", ["owner_id"], unique=False)
    op.create_table(
        "qualification_records",
        sa.Column("certificate_number", sa.String(length=40), nullable=False),
        sa.Column("certificate_key", sa.String(length=40), nullable=False),
        sa.Column("serial_number", sa.String(length=20), nullable=True),
        sa.Column("serial_key", sa.String(length=20), nullable=True),
        sa.Column("major", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("study_form", sa.String(length=20), nullable=True),
        sa.Column("education_type", sa.String(length=20), nullable=True),
        sa.Column("enrollment_date", sa.Date(), nullable=True),
        sa.Column("graduation_date", sa.Date(), nullable=False),
        sa.Column("conclusion", sa.String(length=20), nullable=False),
        sa.Column("principal_name", sa.String(length=50), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("student_number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_type", sa.String(length=30), nullable=False),
        sa.Column("id_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("photo_key", sa.String(length=100), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("bound_at", UtcDateTime(), nullable=True),
        sa.Column("bound_via", sa.String(length=10), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "graduation_date >= DATE '1991-01-01'", name=op.f("ck_qualification_records_since_1991")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_qualification_records_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_records")),
        sa.UniqueConstraint(
            "institution_id",
            "certificate_key",
            name=op.f("uq_qualification_records_institution_id_certificate_key"),
        ),
        sa.UniqueConstraint(
            "institution_id",
            "student_number",
            name=op.f("uq_qualification_records_institution_id_student_number"),
        ),
    )
    op.create_index(
        "ix_qualification_records_certificate_key",
        "qualification_records",
        ["certificate_key"],
        unique=False,
    )
    op.create_index(
        "ix_qualification_records_id_number_hash",
        "qualification_records",
        ["id_number_hash"],
        unique=False,
    )
    op.create_index(
        "ix_qualification_records_owner_id", "qualification_records", ["owner_id"], unique=False
    )
    op.create_index(
        "ix_qualification_records_serial_key", "qualification_records", ["serial_key"], unique=False
    )
    op.create_table(
        "student_status_records",
        sa.Column("ethnicity", sa.String(length=20), nullable=True),
        sa.Column("major", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("study_form", sa.String(length=20), nullable=True),
        sa.Column("education_type", sa.String(length=20), nullable=True),
        sa.Column("enrollment_date", sa.Date(), nullable=False),
        sa.Column("study_years", sa.Numeric(precision=3, scale=1), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("student_number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_type", sa.String(length=30), nullable=False),
        sa.Column("id_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("photo_key", sa.String(length=100), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("bound_at", UtcDateTime(), nullable=True),
        sa.Column("bound_via", sa.String(length=10), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("institution_id", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "enrollment_date >= DATE '1991-01-01'",
            name=op.f("ck_student_status_records_since_1991"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_student_status_records_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_status_records")),
        sa.UniqueConstraint(
            "institution_id",
            "student_number",
            name=op.f("uq_student_status_records_institution_id_student_number"),
        ),
    )
    op.create_index(
        "ix_student_status_records_id_number_hash",
        "student_status_records",
        ["id_number_hash"],
        unique=False,
    )
    op.create_index(
        "ix_student_status_records_owner_id", "student_status_records", ["owner_id"], unique=False
    )
    op.create_table(
        "student_status_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["student_status_records.id"],
            name=op.f("fk_student_status_changes_record_id_student_status_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_status_changes")),
    )
    op.create_index(
        op.f("ix_student_status_changes_record_id"),
        "student_status_changes",
        ["record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_student_status_changes_record_id"), table_name="student_status_changes")
    op.drop_table("student_status_changes")
    op.drop_index("ix_student_status_records_owner_id", table_name="student_status_records")
    op.drop_index("ix_student_status_records_id_number_hash", table_name="student_status_records")
    op.drop_table("student_status_records")
    op.drop_index("ix_qualification_records_serial_key", table_name="qualification_records")
    op.drop_index("ix_qualification_records_owner_id", table_name="qualification_records")
    op.drop_index("ix_qualification_records_id_number_hash", table_name="qualification_records")
    op.drop_index("ix_qualification_records_certificate_key", table_name="qualification_records")
    op.drop_table("qualification_records")
    op.drop_index("ix_degree_records_owner_id", table_name="degree_records")
    op.drop_index("ix_degree_records_id_number_hash", table_name="degree_records")
    op.drop_index("ix_degree_records_certificate_key", table_name="degree_records")
    op.drop_table("degree_records")
    op.drop_table("record_versions")
    op.drop_table("institutions")
    drop_idempotency_table(op)
    drop_audit_table(op)
