"""Certification applications: the draft's steps, where the application is in its workflow,
every transition it made, and the payment orders of its fees."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from certification.base import Base
from educert_common.db import UtcDateTime, utcnow


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The reference people quote: RZ + Asia/Shanghai date + a daily sequence.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    # A reconsideration names the application whose result it contests.
    reconsideration_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"))
    # Step name -> the step's data as validated when it was saved.
    steps: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # One application certifies one degree: a key of it (country, institution, level, date)
    # so the same applicant cannot have two open applications for the same degree.
    degree_key: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    # The face check (identity's session) and the entry-exit records it yielded.
    face_session_id: Mapped[uuid.UUID | None] = mapped_column()
    entry_exit_records: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    # The pre-submission checks' findings when last run (certification.checks).
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # Who holds it in review now (one reviewer at a time), and since when.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When it last joined the reviewers' queue (submitted or resubmitted), and the working
    # day its review is due by (the SLA).
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        # One open application per degree and applicant (withdrawn and refused ones free it).
        Index(
            "ux_applications_open_degree",
            "user_id",
            "degree_key",
            unique=True,
            postgresql_where=text(
                "degree_key IS NOT NULL AND kind <> 'reconsideration' "
                "AND state NOT IN ('withdrawn', 'refused')"
            ),
        ),
        # The reviewers' queue: waiting applications by kind and age.
        Index("ix_applications_queue", "state", "kind", "queued_at"),
        Index("ix_applications_country", "country", "state"),
        Index(
            "ix_applications_claimed", "claimed_by", postgresql_where=text("claimed_by IS NOT NULL")
        ),
    )


class ApplicationTransition(Base):
    """Every move of the state machine: from where to where, by whom, why."""

    __tablename__ = "application_transitions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_application_transitions_to_at", "to_state", "at"),)


class ApplicationOrder(Base):
    """A payment order for one of the application's fees (payment owns the order)."""

    __tablename__ = "application_orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    # created, paid, expired
    status: Mapped[str] = mapped_column(String(10), default="created")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # At most one live (created or paid) order per fee of an application.
        Index(
            "ux_application_orders_live",
            "application_id",
            "purpose",
            unique=True,
            postgresql_where=text("status <> 'expired'"),
        ),
    )


class NumberSequence(Base):
    """Sequences of the numbers people quote: application numbers per Asia/Shanghai day
    ("application:20261202"), certificate numbers per year ("certificate:2026")."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
