"""Supplement requests: a reviewer returns an application asking for items (a file added to a
slot, a material uploaded again, or paper sent by courier), and the applicant's answers."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from certification.base import Base
from educert_common.db import UtcDateTime, utcnow


class SupplementRequest(Base):
    __tablename__ = "supplement_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    requested_by: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when the applicant resubmits: the request is closed, its items take no answers.
    resubmitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_supplement_requests_application", "application_id", "requested_at"),
        # At most one open request per application (the application is returned once at a time).
        Index(
            "ux_supplement_requests_open",
            "application_id",
            unique=True,
            postgresql_where=text("resubmitted_at IS NULL"),
        ),
    )


class SupplementItem(Base):
    __tablename__ = "supplement_items"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supplement_requests.id"))
    # 1, 2, ... in the order the reviewer listed them.
    position: Mapped[int] = mapped_column(Integer)
    # add_file, reupload_file, paper
    mode: Mapped[str] = mapped_column(String(20))
    slot: Mapped[str] = mapped_column(String(64))
    # reupload_file: the material to upload again.
    material_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("materials.id"))
    message: Mapped[str] = mapped_column(Text)
    # First answered (an upload recording this item, or the courier details).
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    courier_company: Mapped[str | None] = mapped_column(String(20))
    tracking_number: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("request_id", "position"),)
