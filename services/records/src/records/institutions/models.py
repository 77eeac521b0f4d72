"""Institutions, as the Ministry of Education lists them, keyed by their 10-digit code."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class Institution(Base):
    __tablename__ = "institutions"

    # 学校标识码: 4 + province + school code, e.g. 4111010001 (北京大学).
    id: Mapped[str] = mapped_column(String(10), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(40))
    # 主管部门, e.g. 教育部.
    authority: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="active")
    successor_id: Mapped[str | None] = mapped_column(ForeignKey("institutions.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint("id ~ '^[0-9]{10}$'", name="code_ten_digits"),
        CheckConstraint(
            "kind IN ('undergraduate', 'vocational', 'adult', 'research_institute')",
            name="kind_known",
        ),
        CheckConstraint("status IN ('active', 'merged', 'closed')", name="status_known"),
        CheckConstraint(
            "(status = 'merged') = (successor_id IS NOT NULL)", name="successor_iff_merged"
        ),
    )

    @property
    def school_code(self) -> str:
        """The 5-digit school code (学校代码) that e-registration numbers begin with."""
        return self.id[-5:]
