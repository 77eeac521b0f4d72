"""Every table of the certification service's own database, so that `Base.metadata` (used by
Alembic) knows all of them; tables are defined in the sub-packages, on `certification.base`."""

from certification.base import Base, messaging

__all__ = ["Base", "messaging"]
