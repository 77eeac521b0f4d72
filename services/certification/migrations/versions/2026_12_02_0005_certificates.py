"""Certificates' paper-report dispatches, and the counted limits (rate_events) behind the
per-address budget of verification codes that match nothing.

Revision ID: certification_0005
Revises: certification_0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime
from educert_common.limits import create_rate_events_table, drop_rate_events_table

revision: str = "certification_0005"
down_revision: str | None = "certification_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_rate_events_table(op)
    op.create_table(
        "certificate_dispatches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("courier_company", sa.String(length=40), nullable=False),
        sa.Column("tracking_number", sa.String(length=40), nullable=False),
        sa.Column("dispatched_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_dispatches_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_dispatches")),
    )
    op.create_index(
        op.f("ix_certificate_dispatches_certificate_id"),
        "certificate_dispatches",
        ["certificate_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_certificate_dispatches_certificate_id"), table_name="certificate_dispatches"
    )
    op.drop_table("certificate_dispatches")
    drop_rate_events_table(op)
