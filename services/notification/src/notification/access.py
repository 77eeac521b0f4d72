"""Who owns what: users are keyed by the UUID in their token's subject."""

import uuid


def owner_id(subject: str) -> uuid.UUID | None:
    """Users are keyed by the UUID in their token's subject; anything else owns nothing."""
    try:
        return uuid.UUID(subject)
    except (TypeError, ValueError):
        return None
