"""One robust RabbitMQ connection per process, the topic exchange, and the names around it."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection

logger = logging.getLogger(__name__)

EXCHANGE = "educert.events"
INITIAL_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 15.0


class BrokerUnavailable(ConnectionError):
    """The broker cannot be reached right now."""


class Broker:
    """Connects in the background (and reconnects on its own), so a service starts without it."""

    def __init__(self, url: str, *, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._connection: AbstractRobustConnection | None = None
        self._connected = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._on_connect: list[Callable[[], Awaitable[None]]] = []

    @property
    def exchange_name(self) -> str:
        return f"{self.prefix}{EXCHANGE}"

    def queue_name(self, service: str, suffix: str = "") -> str:
        return f"{self.prefix}{service}.events{suffix}"

    async def start(self) -> None:
        """Begin connecting; returns at once."""
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._connect_until_connected())

    def on_first_connect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` once the first connection is up (robust channels restore after that)."""
        self._on_connect.append(callback)
        if self._connected.is_set():
            asyncio.get_running_loop().create_task(callback())

    async def _connect_until_connected(self) -> None:
        delay = INITIAL_RETRY_SECONDS
        while True:
            try:
                self._connection = await aio_pika.connect_robust(
                    self.url, client_properties={"connection_name": "educert"}
                )
                break
            except (OSError, aio_pika.exceptions.AMQPError) as exc:
                logger.warning(
                    "broker unreachable, retrying",
                    extra={"retry_in_seconds": delay, "error": repr(exc)},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
        async with self._connection.channel() as channel:
            await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        self._connected.set()
        logger.info("broker connected")
        for callback in self._on_connect:
            await callback()

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def ping(self) -> None:
        """Raise unless the connection is open (for /readyz)."""
        if not self._connected.is_set() or not self.is_connected:
            raise BrokerUnavailable("not connected to the broker")

    async def channel(self, *, prefetch: int | None = None) -> AbstractRobustChannel:
        """Open a channel with publisher confirms on the live connection."""
        if self._connection is None or not self._connected.is_set():
            raise BrokerUnavailable("not connected to the broker")
        channel = await self._connection.channel(publisher_confirms=True)
        if prefetch is not None:
            await channel.set_qos(prefetch_count=prefetch)
        return channel  # type: ignore[return-value]

    async def exchange(self, channel: AbstractRobustChannel) -> AbstractExchange:
        return await channel.get_exchange(self.exchange_name, ensure=False)

    async def close(self) -> None:
        if self._supervisor is not None and not self._supervisor.done():
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()
        self._connected.clear()
