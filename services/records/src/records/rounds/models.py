"""Degree application rounds (学士学位申请批次) an institution opens: the window, who may
apply, and the materials each application must hold (the applications are
`records.degreeapps`)."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class DegreeRound(Base):
    __tablename__ = "degree_rounds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Who may apply: records of this level (bachelor...) and, if set, education type.
    level: Mapped[str] = mapped_column(String(20))
    education_type: Mapped[str | None] = mapped_column(String(20))
    # Slot names the application must fill before it is submitted.
    required_materials: Mapped[list[str]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("closes_at > opens_at", name="window_sane"),)
