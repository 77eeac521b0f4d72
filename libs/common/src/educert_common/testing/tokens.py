"""Access tokens for tests, minted with identity's own signing key and code.

Identity is imported lazily, so libs/common does not depend on it at import time; the root
conftest's `tokens` fixture builds one of these.
"""

from dataclasses import dataclass
from datetime import timedelta

from educert_common.db import Database


@dataclass
class Tokens:
    """Mints access tokens with identity's own signing key, as a logged-in user would hold."""

    database: Database
    kid: str
    private_pem: str
    public_pem: bytes

    async def mint(
        self,
        subject: str = "user-1",
        *,
        roles: tuple[str, ...] = ("applicant",),
        institution: str | None = None,
        scopes: tuple[str, ...] = (),
        ttl: timedelta = timedelta(minutes=15),
    ) -> str:
        from identity.service import issue_access_token

        async with self.database.transaction() as session:
            return await issue_access_token(
                session,
                subject=subject,
                roles=roles,
                institution=institution,
                scopes=scopes,
                ttl=ttl,
            )
