"""The outbox and inbox tables every service carries in its own database."""

from dataclasses import dataclass

from alembic.operations import Operations
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from educert_common.db import UtcDateTime

OUTBOX_TABLE = "outbox_events"
INBOX_TABLE = "inbox_events"
# NOTIFY channel that wakes the relay when an outbox row commits (per database).
OUTBOX_CHANNEL = "educert_outbox"


def _outbox_columns() -> list[Column[object]]:
    return [
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("event_type", String(120), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
        Column("published_at", UtcDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    ]


def _inbox_columns() -> list[Column[object]]:
    return [
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("event_type", String(120), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False, server_default=func.now()),
    ]


_PENDING_INDEX = "ix_outbox_events_pending"
_PENDING_WHERE = text("published_at IS NULL")


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table

    @classmethod
    def define(cls, metadata: MetaData) -> "MessagingTables":
        """Add the outbox and inbox tables to a service's metadata."""
        outbox = Table(OUTBOX_TABLE, metadata, *_outbox_columns())
        Index(_PENDING_INDEX, outbox.c.id, postgresql_where=_PENDING_WHERE)
        inbox = Table(INBOX_TABLE, metadata, *_inbox_columns())
        return cls(outbox=outbox, inbox=inbox)


def create_messaging_tables(op: Operations) -> None:
    """Migration step every service's first revision runs: tables, index and wake-up trigger."""
    op.create_table(OUTBOX_TABLE, *_outbox_columns())
    op.create_index(_PENDING_INDEX, OUTBOX_TABLE, ["id"], postgresql_where=_PENDING_WHERE)
    op.create_table(INBOX_TABLE, *_inbox_columns())
    # One NOTIFY per inserting statement; PostgreSQL delivers it only if the transaction commits.
    op.execute(
        f"""
        CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER outbox_events_notify AFTER INSERT ON {OUTBOX_TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()"
    )


def drop_messaging_tables(op: Operations) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS outbox_events_notify ON {OUTBOX_TABLE}")
    op.execute("DROP FUNCTION IF EXISTS notify_outbox()")
    op.drop_table(INBOX_TABLE)
    op.drop_table(OUTBOX_TABLE)
