"""When each account's e-mail and mobile were set, so unverified claims can be released.

Revision ID: identity_0006
Revises: identity_0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime

revision: str = "identity_0006"
down_revision: str | None = "identity_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email_claimed_at", UtcDateTime(), nullable=True))
    op.add_column("users", sa.Column("mobile_claimed_at", UtcDateTime(), nullable=True))
    # Existing contacts count as claimed when last updated (at the latest).
    op.execute(
        "UPDATE users SET "
        "email_claimed_at = CASE WHEN email IS NULL THEN NULL ELSE updated_at END, "
        "mobile_claimed_at = CASE WHEN mobile IS NULL THEN NULL ELSE updated_at END"
    )


def downgrade() -> None:
    op.drop_column("users", "mobile_claimed_at")
    op.drop_column("users", "email_claimed_at")
