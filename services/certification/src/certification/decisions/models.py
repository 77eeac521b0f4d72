"""Decisions on applications (certified or refused, by whom, why) and the managed list of
refusal reasons reviewers choose from."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from certification.base import Base
from educert_common.db import UtcDateTime, utcnow


class RefusalReason(Base):
    """One reason a refusal may give; operators keep the list (inactive ones are kept so
    that past decisions still read, but reviewers cannot choose them)."""

    __tablename__ = "refusal_reasons"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApplicationDecision(Base):
    """The decision on an application: one per application."""

    __tablename__ = "application_decisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    # certified or refused
    outcome: Mapped[str] = mapped_column(String(10))
    # The refusal reasons chosen, as they read when chosen: [{code, text_zh, text_en}] (a
    # snapshot, so editing the managed list later does not rewrite past letters).
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # The reviewer's free text (shown to the applicant with the reasons).
    comment: Mapped[str] = mapped_column(Text, default="")
    certificate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certificates.id"))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
