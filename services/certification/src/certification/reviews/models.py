"""Reviewers' internal notes on applications (never shown to the applicant), and the indexes
the reviewers' queue reads applications by."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from certification.applications.models import Application
from certification.base import Base
from educert_common.db import UtcDateTime, utcnow


class ReviewNote(Base):
    __tablename__ = "review_notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    # The reviewer's (or operator's) account id, as their token names them.
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_review_notes_application", "application_id", "created_at"),)


# The waiting applications, written as the queue's query writes them: a literal, so that even
# a generic prepared plan (asyncpg prepares statements) proves the partial index applies.
WAITING_PREDICATE = "state IN ('submitted', 'resubmitted')"

# The queue is read oldest queued first with a keyset on (queued_at, id), so every index it
# uses ends with those two: a page is then an ordered index range read, however many
# applications are decided, and a filter narrows the range instead of sorting what matches
# (asyncpg's prepared statements may run generic plans, which cannot guess a value's
# selectivity: the right index has to exist for each filter). The waiting view (submitted
# or resubmitted) has partial indexes of its own, alone and by kind and by country.
Index(
    "ix_applications_waiting",
    Application.queued_at,
    Application.id,
    postgresql_where=text(WAITING_PREDICATE),
)
Index(
    "ix_applications_waiting_kind",
    Application.kind,
    Application.queued_at,
    Application.id,
    postgresql_where=text(WAITING_PREDICATE),
)
Index(
    "ix_applications_waiting_country",
    Application.country,
    Application.queued_at,
    Application.id,
    postgresql_where=text(WAITING_PREDICATE),
)
Index("ix_applications_state_queued", Application.state, Application.queued_at, Application.id)
Index(
    "ix_applications_state_country_queued",
    Application.state,
    Application.country,
    Application.queued_at,
    Application.id,
)
# A reviewer's own claims, in queue order ("claimed=mine").
Index(
    "ix_applications_claimer_queued",
    Application.claimed_by,
    Application.queued_at,
    Application.id,
    postgresql_where=text("claimed_by IS NOT NULL"),
)
