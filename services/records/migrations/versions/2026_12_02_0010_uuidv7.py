"""`uuidv7()`: time-ordered UUIDs (RFC 9562, version 7) for rows the bulk import writes.

A million random (version 4) keys land on random pages of every index they enter: the records'
primary key, record_versions' (kind, record_id, version), the status history's foreign key
and the outbox's event_id, each page read, split and written again. Keys that grow with time
are appended to the right-most pages instead. The import measured 68 s of merge for 1M rows
with random keys. PostgreSQL 18 ships `uuidv7()` in pg_catalog, which is searched first: this
definition then steps aside on its own.

Revision ID: records_0010
Revises: records_0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "records_0010"
down_revision: str | None = "records_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 48 bits of Unix milliseconds, then the version (7) and variant bits over 74 random ones.
    op.execute(
        """
        CREATE FUNCTION uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
            SELECT encode(
                set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp())
                        * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6), 52, 1), 53, 1),
                'hex')::uuid
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS uuidv7()")
