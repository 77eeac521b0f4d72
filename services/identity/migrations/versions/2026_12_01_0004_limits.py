"""Counted limits (registrations, appeals, real-name checks) and the address of activation
links (they count against the same caps as codes).

Revision ID: identity_0004
Revises: identity_0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime

revision: str = "identity_0004"
down_revision: str | None = "identity_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
    )
    op.create_index("ix_rate_events_kind_key_created", "rate_events", ["kind", "key", "created_at"])
    op.create_index(op.f("ix_rate_events_created_at"), "rate_events", ["created_at"])
    op.add_column("activation_links", sa.Column("ip", sa.String(length=64), nullable=True))
    op.create_index("ix_activation_links_email", "activation_links", ["email", "created_at"])
    op.create_index("ix_activation_links_ip", "activation_links", ["ip", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_activation_links_ip", table_name="activation_links")
    op.drop_index("ix_activation_links_email", table_name="activation_links")
    op.drop_column("activation_links", "ip")
    op.drop_index(op.f("ix_rate_events_created_at"), table_name="rate_events")
    op.drop_index("ix_rate_events_kind_key_created", table_name="rate_events")
    op.drop_table("rate_events")
