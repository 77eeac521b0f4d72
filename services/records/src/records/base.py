"""The declarative base and messaging tables shared by the records service's sub-packages
(their models import `Base` from here; `records.models` gathers every table for Alembic)."""

from sqlalchemy.orm import DeclarativeBase

from educert_common.db import service_metadata
from educert_common.events.tables import MessagingTables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
