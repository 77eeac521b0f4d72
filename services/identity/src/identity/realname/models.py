"""The development population registry's table of known people."""

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base


class RegistryPerson(Base):
    """A person the development registry knows; every personal field encrypted."""

    __tablename__ = "registry_people"
    __table_args__ = (UniqueConstraint("id_type", "id_number_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    id_type: Mapped[str] = mapped_column(String(32))
    id_number_hash: Mapped[str] = mapped_column(String(64))
    id_number_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    name_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    gender: Mapped[str] = mapped_column(String(6))
    birth_date_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    valid_to_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
