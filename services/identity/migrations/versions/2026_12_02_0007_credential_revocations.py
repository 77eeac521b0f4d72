"""Credential revocations: what other processes read to catch up on identity.credentials.revoked.

Revision ID: identity_0007
Revises: identity_0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime

revision: str = "identity_0007"
down_revision: str | None = "identity_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credential_revocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=False),
        sa.Column("tokens_expire_by", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_revocations")),
    )
    op.create_index(
        op.f("ix_credential_revocations_tokens_expire_by"),
        "credential_revocations",
        ["tokens_expire_by"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_credential_revocations_tokens_expire_by"), table_name="credential_revocations"
    )
    op.drop_table("credential_revocations")
