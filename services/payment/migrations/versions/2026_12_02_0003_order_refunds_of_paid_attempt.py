"""Count only refunds of the attempt that paid an order in the order's `refunded_fen`.

Refunds of duplicate and late payments used to be added to it too: recompute it from the
paying attempt (zero for orders that were never paid).

Revision ID: payment_0003
Revises: payment_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "payment_0003"
down_revision: str | None = "payment_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE orders SET refunded_fen = COALESCE(
            (SELECT a.refunded_fen FROM payment_attempts a WHERE a.id = orders.paid_attempt_id), 0
        )
        """
    )


def downgrade() -> None:
    """Nothing to undo: the recomputed totals are the right ones under either code."""
