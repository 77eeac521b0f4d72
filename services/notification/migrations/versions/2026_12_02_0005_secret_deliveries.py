"""Deliveries that carry a secret (codes, links) are marked, and redacted once final.

Revision ID: notification_0005
Revises: notification_0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notification_0005"
down_revision: str | None = "notification_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "deliveries",
        sa.Column("carries_secret", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("deliveries", sa.Column("redacted_at", sa.DateTime(timezone=True)))
    # Rows written before this revision: the two event types that carry a secret. The
    # delivery worker's sweep then redacts the final ones.
    op.execute(
        "UPDATE deliveries SET carries_secret = true WHERE event_type IN "
        "('identity.verification_code.issued', 'identity.activation_link.issued')"
    )
    # The sweep looks for final secret-bearing rows not yet redacted.
    op.create_index(
        "ix_deliveries_unredacted",
        "deliveries",
        ["created_at"],
        postgresql_where=sa.text("carries_secret AND redacted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_unredacted", table_name="deliveries")
    op.drop_column("deliveries", "redacted_at")
    op.drop_column("deliveries", "carries_secret")
