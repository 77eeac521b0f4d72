"""Reviewers' notes, decisions, the managed refusal reasons (seeded with the usual ones),
and the indexes the reviewers' queue reads applications by.

Revision ID: certification_0004
Revises: certification_0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.db import UtcDateTime

revision: str = "certification_0004"
down_revision: str | None = "certification_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The refusal reasons reviewers start with; operators keep the list afterwards.
REFUSAL_REASONS = [
    (
        "degree_not_recognised",
        "所获学位不属于国（境）外正规学位，不予认证",
        "The degree is not a recognised degree of its country's higher education system",
    ),
    (
        "institution_not_accredited",
        "颁发学位的院校未获所在国家（地区）认可",
        "The awarding institution is not accredited in its country or region",
    ),
    (
        "distance_learning",
        "以远程教育（函授、网络）方式获得的学位，不予认证",
        "The degree was obtained through distance learning (correspondence or online)",
    ),
    (
        "documents_not_authentic",
        "所提交的材料经核查不真实",
        "The documents submitted were found not to be authentic",
    ),
    (
        "study_period_not_verified",
        "在外学习经历无法核实（出入境记录与学习时间不符）",
        "The study abroad could not be verified (entry-exit records do not cover the study)",
    ),
    (
        "insufficient_materials",
        "材料不全，经补交后仍不足以作出认证结论",
        "The materials, even after supplements, are not sufficient to decide",
    ),
    (
        "study_not_completed",
        "未完成学业或未获得学位",
        "The studies were not completed or the degree was not awarded",
    ),
    (
        "institution_no_response",
        "颁发学位的院校未回复核查，无法确认学位",
        "The awarding institution did not answer the verification, so the degree is unconfirmed",
    ),
]

WAITING = "state IN ('submitted', 'resubmitted')"
# The reviewers' queue: each ends with (queued_at, id), its order and keyset.
QUEUE_INDEXES = [
    ("ix_applications_waiting", ["queued_at", "id"], WAITING),
    ("ix_applications_waiting_kind", ["kind", "queued_at", "id"], WAITING),
    ("ix_applications_waiting_country", ["country", "queued_at", "id"], WAITING),
    ("ix_applications_state_queued", ["state", "queued_at", "id"], None),
    ("ix_applications_state_country_queued", ["state", "country", "queued_at", "id"], None),
    ("ix_applications_claimer_queued", ["claimed_by", "queued_at", "id"], "claimed_by IS NOT NULL"),
]


def upgrade() -> None:
    op.create_table(
        "refusal_reasons",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_refusal_reasons")),
    )
    op.create_table(
        "review_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_review_notes_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_notes")),
    )
    op.create_index(
        "ix_review_notes_application",
        "review_notes",
        ["application_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "application_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_decisions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_application_decisions_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_decisions")),
        sa.UniqueConstraint("application_id", name=op.f("uq_application_decisions_application_id")),
    )
    reasons = sa.table(
        "refusal_reasons",
        sa.column("code", sa.String),
        sa.column("text_zh", sa.Text),
        sa.column("text_en", sa.Text),
        sa.column("active", sa.Boolean),
        sa.column("created_at", UtcDateTime()),
        sa.column("updated_at", UtcDateTime()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        reasons,
        [
            {
                "code": code, "text_zh": zh, "text_en": en, "active": True,
                "created_at": now, "updated_at": now,
            }
            for code, zh, en in REFUSAL_REASONS
        ],
    )  # fmt: skip
    for name, columns, where in QUEUE_INDEXES:
        op.create_index(
            name, "applications", columns, unique=False,
            postgresql_where=sa.text(where) if where else None,
        )  # fmt: skip


def downgrade() -> None:
    for name, _, _ in reversed(QUEUE_INDEXES):
        op.drop_index(name, table_name="applications")
    op.drop_table("application_decisions")
    op.drop_index("ix_review_notes_application", table_name="review_notes")
    op.drop_table("review_notes")
    op.drop_table("refusal_reasons")
