"""Revoked credentials: the list every token verifier consults, and the feed that fills it.

Identity announces `identity.credentials.revoked` (through its outbox, in the transaction that
revokes). Each process (every replica of the gateway and of every service) hears every such
event on its own exclusive, auto-delete, server-named queue bound to that type: a service's
shared quorum queue would hand each event to one replica only. The queue lives only while the
process is connected, so on every (re)connection the feed first subscribes, then reads what
identity still holds (`GET /internal/revocations`), and nothing revoked in between is missed.

When the broker is unreachable the feed keeps asking identity over HTTP every few seconds, so
revocation still holds within seconds. Only when neither can be reached do revoked tokens keep
working, for at most their remaining lifetime: that is logged loudly, counted in
`educert_revocations_current`, and `/readyz` says so (see docs/identity.md for why this fails
open rather than refusing every token).
"""

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

import aio_pika
import httpx
from aio_pika.abc import AbstractIncomingMessage
from prometheus_client import Counter, Gauge
from pydantic import BaseModel, ValidationError

from educert_common.auth.verifier import Principal
from educert_common.events.broker import EXCHANGE
from educert_common.events.catalogue import CredentialsRevoked
from educert_common.events.envelope import EventEnvelope
from educert_common.http.internal import INTERNAL_TOKEN_HEADER
from educert_common.settings import PlatformSettings

logger = logging.getLogger(__name__)

REVOCATIONS_PATH = "/internal/revocations"

REVOCATIONS_CURRENT = Gauge(
    "educert_revocations_current",
    "1 while this process hears revocations (broker subscription or a recent catch-up), else 0",
)
REVOCATIONS_RECEIVED = Counter(
    "educert_revocations_received_total", "Revocations taken in, by way", ["way"]
)


class RevocationsStale(ConnectionError):
    """Neither the broker nor identity has told this process about revocations lately."""


class RevocationSnapshot(BaseModel):
    """What identity answers on `GET /internal/revocations`: every revocation whose tokens may
    still be alive."""

    revocations: list[CredentialsRevoked]


class RevocationList:
    """Revoked session ids, API key ids and disabled users, each kept until the tokens it
    could affect have expired (plus the verifier's leeway, which lets a token live that much
    past its `exp`)."""

    def __init__(
        self,
        *,
        leeway_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
        awaiting_first_load: bool = False,
    ) -> None:
        self.leeway_seconds = leeway_seconds
        self.clock = clock
        # A process fed by a RevocationFeed knows nothing until its first catch-up from
        # identity: revocations made before it subscribed reach it only that way.
        self._loaded = asyncio.Event()
        if not awaiting_first_load:
            self._loaded.set()
        # id -> wall-clock time after which the entry can go
        self._sessions: dict[str, float] = {}
        self._api_keys: dict[str, float] = {}
        # user id -> (revoked at, keep until): tokens issued until `revoked at` are refused
        self._users: dict[str, tuple[float, float]] = {}
        self._next_prune = 0.0

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set()

    def mark_loaded(self) -> None:
        self._loaded.set()

    async def wait_loaded(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the first catch-up; return whether it came."""
        try:
            await asyncio.wait_for(self._loaded.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def __len__(self) -> int:
        return len(self._sessions) + len(self._api_keys) + len(self._users)

    def add(self, revocation: CredentialsRevoked) -> None:
        keep_until = revocation.tokens_expire_by.timestamp() + self.leeway_seconds
        if keep_until <= self.clock():
            return
        ids = [str(i) for i in revocation.ids]
        if revocation.kind == "session":
            self._extend(self._sessions, ids, keep_until)
        elif revocation.kind == "api_key":
            self._extend(self._api_keys, ids, keep_until)
        else:
            revoked_at = revocation.revoked_at.timestamp()
            for user_id in ids:
                before = self._users.get(user_id)
                if before is not None:
                    revoked_at = max(revoked_at, before[0])
                    keep_until = max(keep_until, before[1])
                self._users[user_id] = (revoked_at, keep_until)

    def add_all(self, revocations: Iterable[CredentialsRevoked]) -> None:
        for revocation in revocations:
            self.add(revocation)

    @staticmethod
    def _extend(entries: dict[str, float], ids: list[str], keep_until: float) -> None:
        for entry in ids:
            entries[entry] = max(keep_until, entries.get(entry, 0.0))

    def revokes(self, principal: Principal) -> bool:
        """Say whether the principal's token was revoked before it expired."""
        now = self.clock()
        if now >= self._next_prune:
            self._prune(now)
        if principal.session_id is not None and self._sessions.get(principal.session_id, 0) > now:
            return True
        if principal.api_key_id is not None and self._api_keys.get(principal.api_key_id, 0) > now:
            return True
        disabled = self._users.get(principal.subject)
        return disabled is not None and disabled[1] > now and principal.issued_at <= disabled[0]

    def _prune(self, now: float) -> None:
        # Expired entries are ignored at once; they are dropped from memory now and then.
        self._next_prune = now + 30.0
        for entries in (self._sessions, self._api_keys):
            for entry in [k for k, until in entries.items() if until <= now]:
                del entries[entry]
        for user_id in [k for k, (_, until) in self._users.items() if until <= now]:
            del self._users[user_id]


class RevocationFeed:
    """Keeps a RevocationList current: a broadcast subscription plus catch-up reads."""

    def __init__(
        self,
        revocations: RevocationList,
        *,
        broker_url: str,
        exchange_name: str,
        catch_up_url: str,
        internal_token: str,
        process_name: str,
        poll_seconds: float = 5.0,
        stale_after_seconds: float = 15.0,
        max_token_lifetime_seconds: float = 900.0,
    ) -> None:
        self.revocations = revocations
        self.broker_url = broker_url
        self.exchange_name = exchange_name
        self.catch_up_url = catch_up_url
        self.internal_token = internal_token
        self.process_name = process_name
        self.poll_seconds = poll_seconds
        self.stale_after_seconds = stale_after_seconds
        self.max_token_lifetime_seconds = max_token_lifetime_seconds
        self._subscribed = False
        self._caught_up_since_subscribing = False
        self._caught_up_at: float | None = None  # monotonic time of the last good catch-up
        self._last_alarm = 0.0
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._connection: aio_pika.abc.AbstractConnection | None = None

    @classmethod
    def from_settings(
        cls, settings: PlatformSettings, revocations: RevocationList, *, process_name: str
    ) -> "RevocationFeed":
        return cls(
            revocations,
            broker_url=settings.broker_url,
            exchange_name=f"{settings.broker_prefix}{EXCHANGE}",
            catch_up_url=f"{settings.service_url('identity')}{REVOCATIONS_PATH}",
            internal_token=settings.internal_token,
            process_name=process_name,
            poll_seconds=settings.revocation_poll_seconds,
            stale_after_seconds=settings.revocation_stale_after_seconds,
        )

    @property
    def current(self) -> bool:
        """True while revocations reach this process within seconds: subscribed and caught up
        since subscribing, or caught up from identity a moment ago."""
        if self._subscribed and self._caught_up_since_subscribing:
            return True
        return self._recently_caught_up()

    def _recently_caught_up(self) -> bool:
        return (
            self._caught_up_at is not None
            and time.monotonic() - self._caught_up_at < self.stale_after_seconds
        )

    async def check(self) -> None:
        """Raise while new revocations cannot reach this process (for /readyz).

        A subscription alone passes: new revocations arrive, and identity being unreachable
        for the catch-up must not take every service out of rotation (it is logged and the
        gauge shows it). Not even before the first catch-up: identity's own pods read their
        revocations through identity's Service, which routes only to ready pods."""
        if not (self._subscribed or self._recently_caught_up()):
            raise RevocationsStale("revocations are neither subscribed to nor caught up")

    async def start(self) -> None:
        """Begin subscribing in the background; returns at once."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="revocation-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._close_connection()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- subscription -------------------------------------------------------------------

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._subscribe_and_follow()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "revocation feed cannot subscribe; polling identity meanwhile",
                    extra={"error": repr(exc), "retry_in_seconds": delay},
                )
            finally:
                self._subscribed = self._caught_up_since_subscribing = False
                REVOCATIONS_CURRENT.set(1 if self.current else 0)
                await self._close_connection()
            # Disconnected: identity is asked directly until the broker is back.
            await self.catch_up()
            self._alarm_if_blind()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.poll_seconds)

    async def _subscribe_and_follow(self) -> None:
        connection = await aio_pika.connect(
            self.broker_url,
            timeout=10,
            client_properties={"connection_name": f"educert-revocations-{self.process_name}"},
        )
        self._connection = connection
        lost = asyncio.Event()
        connection.close_callbacks.add(lambda *_: lost.set())
        channel = await connection.channel()
        channel.close_callbacks.add(lambda *_: lost.set())
        exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        # Server-named, exclusive, auto-delete: one queue per process, gone with its connection.
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=CredentialsRevoked.event_type)
        await queue.consume(self._on_message, no_ack=True)
        self._subscribed = True
        logger.info("revocation feed subscribed", extra={"queue": queue.name})
        # Subscribed first, then caught up: whatever was revoked in between arrives either way.
        # Identity may be down for a while: keep trying (loudly) without dropping the queue.
        retry_in = 0.25
        while not await self.catch_up():
            self._alarm_if_blind()
            try:
                # Soon at first (identity is often starting alongside), then every poll.
                await asyncio.wait_for(lost.wait(), retry_in)
            except TimeoutError:
                retry_in = min(retry_in * 2, self.poll_seconds)
                continue
            return
        self._caught_up_since_subscribing = True
        REVOCATIONS_CURRENT.set(1)
        await lost.wait()
        logger.error(
            "revocation feed lost the broker; catching up from identity until it is back",
            extra={"listener": self.process_name},
        )

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = EventEnvelope.model_validate_json(message.body)
            revocation = CredentialsRevoked.model_validate(envelope.data)
        except ValidationError as exc:
            logger.error("unreadable revocation ignored", extra={"error": str(exc)[:500]})
            return
        self.revocations.add(revocation)
        REVOCATIONS_RECEIVED.labels("broker").inc()

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except Exception:
                logger.debug("closing the revocation connection failed", exc_info=True)

    # --- catch-up -----------------------------------------------------------------------

    async def catch_up(self) -> bool:
        """Read every revocation identity still holds; return whether that worked."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=5.0, headers={INTERNAL_TOKEN_HEADER: self.internal_token}
            )
        try:
            response = await self._client.get(self.catch_up_url)
            response.raise_for_status()
            snapshot = RevocationSnapshot.model_validate_json(response.content)
        except (httpx.HTTPError, ValidationError) as exc:
            logger.warning(
                "revocation catch-up failed",
                extra={"url": self.catch_up_url, "error": repr(exc)[:300]},
            )
            return False
        self.revocations.add_all(snapshot.revocations)
        self.revocations.mark_loaded()
        REVOCATIONS_RECEIVED.labels("catch_up").inc(len(snapshot.revocations))
        self._caught_up_at = time.monotonic()
        REVOCATIONS_CURRENT.set(1)
        return True

    def _alarm_if_blind(self) -> None:
        if self.current:
            return
        REVOCATIONS_CURRENT.set(0)
        now = time.monotonic()
        if now - self._last_alarm < 60.0:
            return
        self._last_alarm = now
        logger.error(
            "REVOCATIONS NOT RECEIVED: %s; tokens revoked meanwhile may keep working until they "
            "expire (at most %d s)",
            "identity's catch-up read fails"
            if self._subscribed
            else "neither the broker nor identity answers",
            int(self.max_token_lifetime_seconds),
            extra={"listener": self.process_name},
        )
