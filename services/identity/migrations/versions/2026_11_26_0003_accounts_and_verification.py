"""Accounts, sessions, codes, links, registry, face sessions, appeals, API keys, audit.

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from educert_common.audit import create_audit_table, drop_audit_table
from educert_common.db import UtcDateTime

revision: str = "identity_0003"
down_revision: str | None = "identity_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activation_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activation_links")),
    )
    op.create_index(
        op.f("ix_activation_links_user_id"), "activation_links", ["user_id"], unique=False
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("institution_id", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("last_used_at", UtcDateTime(), nullable=True),
        sa.Column("rotated_from_id", sa.Uuid(), nullable=True),
        sa.Column("rotated_to_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_index(
        op.f("ix_api_keys_institution_id"), "api_keys", ["institution_id"], unique=False
    )
    create_audit_table(op)
    op.create_table(
        "face_callback_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_face_callback_nonces")),
    )
    op.create_index(
        op.f("ix_face_callback_nonces_received_at"),
        "face_callback_nonces",
        ["received_at"],
        unique=False,
    )
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UtcDateTime(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "registry_people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("id_type", sa.String(length=32), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("id_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("name_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("gender", sa.String(length=6), nullable=False),
        sa.Column("birth_date_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("valid_from_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("valid_to_encrypted", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_people")),
        sa.UniqueConstraint(
            "id_type", "id_number_hash", name=op.f("uq_registry_people_id_type_id_number_hash")
        ),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("roles", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("institution_id", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("mobile_is_mainland", sa.Boolean(), nullable=False),
        sa.Column("mobile_verified", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("password_changed_at", UtcDateTime(), nullable=True),
        sa.Column("real_name", sa.String(length=100), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("gender", sa.String(length=6), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("id_type", sa.String(length=32), nullable=True),
        sa.Column("id_number_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_hash", sa.String(length=64), nullable=True),
        sa.Column("id_valid_from_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("id_valid_to_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("id_holder", sa.Boolean(), nullable=False),
        sa.Column("realname_status", sa.String(length=16), nullable=False),
        sa.Column("realname_mismatch_field", sa.String(length=32), nullable=True),
        sa.Column("realname_verified_at", UtcDateTime(), nullable=True),
        sa.Column("realname_attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("mobile", name=op.f("uq_users_mobile")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_id_number_hash"), "users", ["id_number_hash"], unique=False)
    op.create_index(op.f("ix_users_institution_id"), "users", ["institution_id"], unique=False)
    op.create_index(
        "uq_users_id_number_holder",
        "users",
        ["id_number_hash"],
        unique=True,
        postgresql_where=sa.text("id_holder"),
    )
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("consumed_at", UtcDateTime(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_codes")),
    )
    op.create_index(
        "ix_verification_codes_destination",
        "verification_codes",
        ["destination", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_verification_codes_ip", "verification_codes", ["ip", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_verification_codes_user_id"), "verification_codes", ["user_id"], unique=False
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("id_scan_key", sa.String(length=64), nullable=False),
        sa.Column("id_scan_type", sa.String(length=40), nullable=False),
        sa.Column("head_photo_key", sa.String(length=64), nullable=False),
        sa.Column("head_photo_type", sa.String(length=40), nullable=False),
        sa.Column("statement", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["users.id"], name=op.f("fk_appeals_holder_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_appeals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    op.create_index(op.f("ix_appeals_id_number_hash"), "appeals", ["id_number_hash"], unique=False)
    op.create_index(op.f("ix_appeals_status"), "appeals", ["status"], unique=False)
    op.create_index(op.f("ix_appeals_user_id"), "appeals", ["user_id"], unique=False)
    op.create_table(
        "face_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("failure_reason", sa.String(length=100), nullable=True),
        sa.Column("entry_exit_records", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_face_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_sessions")),
    )
    op.create_index(op.f("ix_face_sessions_status"), "face_sessions", ["status"], unique=False)
    op.create_index(op.f("ix_face_sessions_user_id"), "face_sessions", ["user_id"], unique=False)
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_used_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
    )
    op.create_index(op.f("ix_login_sessions_user_id"), "login_sessions", ["user_id"], unique=False)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["login_sessions.id"],
            name=op.f("fk_refresh_tokens_session_id_login_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_refresh_tokens_session_id"), "refresh_tokens", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_tokens_session_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index(op.f("ix_login_sessions_user_id"), table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_index(op.f("ix_face_sessions_user_id"), table_name="face_sessions")
    op.drop_index(op.f("ix_face_sessions_status"), table_name="face_sessions")
    op.drop_table("face_sessions")
    op.drop_index(op.f("ix_appeals_user_id"), table_name="appeals")
    op.drop_index(op.f("ix_appeals_status"), table_name="appeals")
    op.drop_index(op.f("ix_appeals_id_number_hash"), table_name="appeals")
    op.drop_table("appeals")
    op.drop_index(op.f("ix_verification_codes_user_id"), table_name="verification_codes")
    op.drop_index("ix_verification_codes_ip", table_name="verification_codes")
    op.drop_index("ix_verification_codes_destination", table_name="verification_codes")
    op.drop_table("verification_codes")
    op.drop_index(
        "uq_users_id_number_holder", table_name="users", postgresql_where=sa.text("id_holder")
    )
    op.drop_index(op.f("ix_users_institution_id"), table_name="users")
    op.drop_index(op.f("ix_users_id_number_hash"), table_name="users")
    op.drop_table("users")
    op.drop_table("registry_people")
    op.drop_table("login_throttles")
    op.drop_index(op.f("ix_face_callback_nonces_received_at"), table_name="face_callback_nonces")
    op.drop_table("face_callback_nonces")
    drop_audit_table(op)
    op.drop_index(op.f("ix_api_keys_institution_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_activation_links_user_id"), table_name="activation_links")
    op.drop_table("activation_links")
