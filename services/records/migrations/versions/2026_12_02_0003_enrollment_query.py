"""The public new-student query: image captchas (answers hashed) and counted limits.

Revision ID: records_0003
Revises: records_0002
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime
from educert_common.limits import create_rate_events_table, drop_rate_events_table

revision: str = "records_0003"
down_revision: str | None = "records_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_rate_events_table(op)
    op.create_table(
        "query_captchas",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("answer_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("wrong_guesses", sa.Integer(), nullable=False),
        sa.Column("spent_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_captchas")),
    )
    op.create_index("ix_query_captchas_expires_at", "query_captchas", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_query_captchas_expires_at", table_name="query_captchas")
    op.drop_table("query_captchas")
    drop_rate_events_table(op)
