"""What was revoked, kept while tokens it could affect may still be alive."""

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime
from identity.base import Base


class CredentialRevocation(Base):
    """One revoked session, API key or disabled user (the catch-up read of other processes)."""

    __tablename__ = "credential_revocations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # session, api_key or user (see educert_common.events.catalogue.CredentialsRevoked)
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The last token this revocation could affect has expired by then.
    tokens_expire_by: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
