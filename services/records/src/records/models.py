"""Every table of the records service's own database, so that `Base.metadata` (used by
Alembic) knows all of them; tables are defined in the sub-packages, on `records.base`."""

from records.base import Base, messaging

__all__ = ["Base", "messaging"]
