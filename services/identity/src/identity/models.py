"""Tables of the identity service's own database."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from educert_common.db import UtcDateTime, service_metadata, utcnow
from educert_common.events.tables import MessagingTables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)


class SigningKeyStatus(StrEnum):
    ACTIVE = "active"  # signs new tokens and is published
    RETIRING = "retiring"  # no longer signs, still published while its tokens live
    RETIRED = "retired"  # neither signs nor is published


class SigningKey(Base):
    """An RSA key pair that signs access tokens; the private half is encrypted at rest."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'retiring', 'retired')", name="status"),
    )

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="RS256")
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # 12-byte nonce followed by the AES-GCM ciphertext (tag included) of the PKCS#8 PEM.
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=SigningKeyStatus.ACTIVE, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The key signs until then; afterwards it is published only while its tokens can live.
    not_after: Mapped[datetime] = mapped_column(UtcDateTime)
