"""Certificates (认证证书) of certified applications: the number and verification code people
quote, the facts certified (a snapshot taken at the decision), the status-list entry that says
whether it still stands, and its revocation."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from certification.base import Base
from educert_common.db import UtcDateTime, utcnow


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    # The printed number: 教留服认 + year + a sequence (see certificates.service).
    number: Mapped[str] = mapped_column(String(30), unique=True)
    # 16 characters of Crockford base32 (80 random bits), stored normalised.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # The entry of the certificates' status list (random, so neighbours say nothing).
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    # What was certified, as the reviewer decided it (holder, degree, institution, country).
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class CertificateDispatch(Base):
    """A paper report sent by courier (domestic certification with a paper report): who sent
    it with which company and tracking number, when; the applicant sees these. More than one
    when a lost report is sent again."""

    __tablename__ = "certificate_dispatches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    certificate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certificates.id"), index=True)
    courier_company: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(40))
    dispatched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
