"""Tables of the identity service's own database."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base, audit_log, messaging

__all__ = ["Base", "SigningKey", "SigningKeyStatus", "audit_log", "messaging"]


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


# Every sub-package's tables belong to the same metadata (Alembic's env imports this module).
from identity.accounts import models as _accounts  # noqa: E402,F401
from identity.apikeys import models as _apikeys  # noqa: E402,F401
from identity.appeals import models as _appeals  # noqa: E402,F401
from identity.captcha import models as _captcha  # noqa: E402,F401
from identity.face import models as _face  # noqa: E402,F401
from identity.realname import models as _realname  # noqa: E402,F401
from identity.revocations import models as _revocations  # noqa: E402,F401
from identity.sessions import models as _sessions  # noqa: E402,F401
from identity.verification import models as _verification  # noqa: E402,F401
