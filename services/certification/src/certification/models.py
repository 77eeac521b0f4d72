"""Tables of the certification service's own database."""

from sqlalchemy.orm import DeclarativeBase

from educert_common.db import service_metadata
from educert_common.events.tables import MessagingTables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
