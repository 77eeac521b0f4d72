"""Accounts: login names, contacts, password, roles and the real-name identity."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Index, Integer, LargeBinary, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base


class Role(StrEnum):
    APPLICANT = "applicant"
    INSTITUTION_STAFF = "institution_staff"
    REVIEWER = "reviewer"
    OPERATOR = "operator"
    ADMIN = "admin"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class RealnameStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    # Registered with an ID number another account holds; waits for an appeal decision.
    PENDING_APPEAL = "pending_appeal"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # One account holds an ID number; a duplicate waits as a non-holder for its appeal.
        Index(
            "uq_users_id_number_holder",
            "id_number_hash",
            unique=True,
            postgresql_where=text("id_holder"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.ACTIVE)
    roles: Mapped[list[str]] = mapped_column(JSONB, default=lambda: [Role.APPLICANT.value])
    institution_id: Mapped[str | None] = mapped_column(String(64), index=True)
    locale: Mapped[str] = mapped_column(String(2), default="zh")

    # Login names (lower case; e-mail and mobile are unique among all accounts).
    username: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    mobile_is_mainland: Mapped[bool] = mapped_column(Boolean, default=False)
    mobile_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the e-mail / mobile was set: an unverified one is released to someone else after
    # IDENTITY_UNVERIFIED_CONTACT_HOLD_HOURS (nobody squats on another person's contact).
    email_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=utcnow)
    mobile_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=utcnow)

    # None for staff created by an operator until they set one through recovery.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Real-name identity (None for staff accounts). ID number and validity dates encrypted
    # (AES-256-GCM, column name as associated data); the number's HMAC for lookups.
    real_name: Mapped[str | None] = mapped_column(String(100))
    nationality: Mapped[str | None] = mapped_column(String(2))
    gender: Mapped[str | None] = mapped_column(String(6))
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_type: Mapped[str | None] = mapped_column(String(32))
    id_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_valid_from_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_valid_to_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_holder: Mapped[bool] = mapped_column(Boolean, default=False)
    realname_status: Mapped[str] = mapped_column(String(16), default=RealnameStatus.UNVERIFIED)
    realname_mismatch_field: Mapped[str | None] = mapped_column(String(32))
    realname_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    realname_attempts: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def realname_locked(self) -> bool:
        """Name, gender, ID number and validity dates are immutable once verified."""
        return self.realname_status == RealnameStatus.VERIFIED
