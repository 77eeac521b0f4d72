"""Async engine, sessions and the one transaction scope every request and message runs in."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """Return a MetaData with the platform's constraint naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamptz column that refuses naive datetimes and always returns UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None


# A pooled connection idle for longer than this is pinged before use, so one that the server
# or a failover closed meanwhile is replaced instead of failing the request. Connections in
# steady use skip the ping: SQLAlchemy's pool_pre_ping would add three round trips (BEGIN,
# ";", ROLLBACK on asyncpg) to every checkout.
PING_AFTER_IDLE_SECONDS = 5.0


class ReadOnlySession(Session):
    """The session of a read-only scope: its statements run without BEGIN/COMMIT, so an ORM
    write would not be atomic; it is refused instead."""

    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise RuntimeError("a read-only scope cannot write; use Database.transaction()")


def _ping_connections_after_idle(engine: AsyncEngine, seconds: float) -> None:
    pool_events = engine.sync_engine.pool

    @event.listens_for(pool_events, "checkin")
    def note_idle(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool_events, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            # The pool discards this connection and checks out another (a fresh one).
            raise DisconnectionError("a pooled connection was closed while idle") from error


@dataclass(slots=True)
class Database:
    """One service's engine and session factories."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    read_sessionmaker: async_sessionmaker[AsyncSession]
    pool_size: int
    # The pool of `raw`, opened on first use (only the services with such routes have one).
    _raw_pool: asyncpg.Pool | None = None
    _raw_pool_opening: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Callers past the pool's size queue here, first come first served: asyncpg's own
    # queue lets a newcomer take a connection given back before a waiter wakes, and the
    # waiter goes to the back (seen as a p99 four times the median under load).
    _raw_turns: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._raw_turns = asyncio.Semaphore(self.pool_size)

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 10) -> "Database":
        # hide_parameters: errors and logs never carry bound values (codes, personal data).
        # Overflow connections are closed when given back, and opening one costs more than
        # most requests: a pool sized for the concurrency a replica serves keeps them open.
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            hide_parameters=True,
        )
        _ping_connections_after_idle(engine, PING_AFTER_IDLE_SECONDS)
        # expire_on_commit=False: objects stay readable after the scope commits (no lazy reloads).
        return cls(
            engine,
            async_sessionmaker(engine, expire_on_commit=False),
            async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"),
                sync_session_class=ReadOnlySession,
                expire_on_commit=False,
                autoflush=False,
            ),
            pool_size,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a session in a transaction; commit when the block ends, roll back if it raises."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """Open a session for reads only: each statement runs on its own (autocommit), which
        saves the BEGIN and COMMIT round trips of `transaction`. Use it where one consistent
        snapshot across statements is not needed, or where a single statement reads it all."""
        async with self.read_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def raw(self) -> AsyncIterator[Any]:
        """An asyncpg connection, each statement on its own (autocommit), for the busiest
        read routes: there the ORM's work per statement (session, compile cache, result
        rows) costs more than PostgreSQL's. The SQL stays in the service's repository;
        hand-written statements are prepared once per connection (asyncpg's statement cache).

        From a pool of its own (at most `pool_size` connections, opened as needed): taking
        and giving back one of asyncpg's costs a quarter of SQLAlchemy's checkout, and past
        its size callers wait instead of opening overflow connections (which, under load,
        were opened and closed per request). A connection idle for
        `PING_AFTER_IDLE_SECONDS` is closed rather than trusted, as the ORM's pool pings it."""
        async with self._raw_turns:
            pool = self._raw_pool or await self._open_raw_pool()
            async with pool.acquire() as connection:
                yield connection

    async def _open_raw_pool(self) -> "asyncpg.Pool":
        async with self._raw_pool_opening:
            if self._raw_pool is None:
                url = self.engine.url.set(drivername="postgresql")
                self._raw_pool = await asyncpg.create_pool(
                    url.render_as_string(hide_password=False),
                    min_size=0,
                    max_size=self.pool_size,
                    max_inactive_connection_lifetime=PING_AFTER_IDLE_SECONDS,
                    init=_json_codecs,
                    reset=_roll_back_if_open,
                )
        return self._raw_pool

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._raw_pool is not None:
            await self._raw_pool.close()
            self._raw_pool = None
        await self.engine.dispose()


async def _json_codecs(connection: asyncpg.Connection) -> None:
    """JSON columns as Python values, as the ORM's connections read them. Binary format, so
    that JSON inside a row value (`ARRAY(SELECT ROW(...))`) decodes too; jsonb's binary
    form is a version byte (1) and the text."""
    await connection.set_type_codec(
        "json",
        encoder=lambda value: json.dumps(value).encode(),
        decoder=json.loads,
        schema="pg_catalog",
        format="binary",
    )
    await connection.set_type_codec(
        "jsonb",
        encoder=lambda value: b"\x01" + json.dumps(value).encode(),
        decoder=lambda data: json.loads(data[1:]),
        schema="pg_catalog",
        format="binary",
    )


async def _roll_back_if_open(connection: asyncpg.Connection) -> None:
    # `raw` users run single statements and set no session state, so asyncpg's full reset
    # (a round trip of RESET ALL, UNLISTEN and unlocks per release) is not needed; only a
    # transaction left open by an error is closed.
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def _server_url(database_url: str) -> tuple[str, str]:
    url = make_url(database_url)
    if not url.database:
        raise ValueError("the database URL names no database")
    return url.set(database="postgres").render_as_string(hide_password=False), url.database


async def _autocommit_execute(database_url: str, statement: str) -> None:
    server_url, _ = _server_url(database_url)
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def database_exists(database_url: str) -> bool:
    server_url, name = _server_url(database_url)
    engine = create_async_engine(server_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            return found is not None
    finally:
        await engine.dispose()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL if it is missing; return True if it was created."""
    if await database_exists(database_url):
        return False
    _, name = _server_url(database_url)
    try:
        await _autocommit_execute(database_url, f"CREATE DATABASE {_quoted(name)}")
    except Exception:
        # Another process may have created it at the same moment.
        if not await database_exists(database_url):
            raise
        return False
    return True


async def drop_database(database_url: str) -> None:
    _, name = _server_url(database_url)
    await _autocommit_execute(database_url, f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
