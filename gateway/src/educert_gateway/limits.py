"""Per-client token buckets and the request body limit.

Buckets live in this process (`RateLimiter`, the single-machine default) or in Redis
(`RedisRateLimiter`, when `GATEWAY_RATE_LIMIT_REDIS_URL` is set), so that every replica
draws from one budget per client. If Redis does not answer within its timeout the gateway
fails open to its own in-memory buckets: limits then hold per replica (looser by the number
of replicas) instead of turning a Redis outage into an outage of the whole API. The
services' own caps (logins, codes, registrations) live in their databases and still hold.
"""

import asyncio
import logging
import math
import time
from collections.abc import Callable

import redis.asyncio as redis
from prometheus_client import Counter
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RATE_LIMIT_STORE_ERRORS = Counter(
    "educert_gateway_rate_limit_store_errors_total",
    "Takes that fell back to the replica's own buckets because Redis did not answer",
)

# A bucket that would be full again is the same as no bucket: it expires then, so Redis
# drops only idle clients and never hands a busy one a fresh burst. Redis's own clock is used,
# so replicas with skewed clocks agree.
_TAKE_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""
# After Redis failed, this long goes by before it is asked again (each try costs a timeout).
_RETRY_STORE_AFTER_SECONDS = 2.0


class BodyTooLarge(Exception):
    """The request body grew past the limit while it was being streamed."""


class RateLimiter:
    """A token bucket per client key: `rate` tokens per second, at most `burst` saved up.

    At most `max_clients` buckets are kept. When the table is full, only buckets that have
    refilled completely are dropped (a new one would be the same); while every kept client is
    still busy, newcomers share one overflow bucket instead of anyone's being reset.
    """

    _OVERFLOW = "\x00overflow"

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        # key -> [tokens, clock time of the last update]
        self._buckets: dict[str, list[float]] = {}

    async def take(self, key: str) -> float:
        return self.acquire(key)

    def acquire(self, key: str) -> float:
        """Take one token for `key`; return 0 if allowed, else the seconds until one is free."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_clients:
                self._forget_idle(now)
            if len(self._buckets) >= self.max_clients:
                key = self._OVERFLOW
                bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = [self.burst - 1.0, now]
                return 0.0
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled completely (their clients are idle)."""
        full_after = self.burst / self.rate
        idle = [k for k, (_, last) in self._buckets.items() if now - last >= full_after]
        for key in idle:
            del self._buckets[key]

    async def aclose(self) -> None:
        return None


class RedisRateLimiter:
    """The same buckets in Redis, shared by every gateway replica; `local` when Redis is away."""

    def __init__(
        self, *, url: str, prefix: str, timeout_seconds: float, local: RateLimiter
    ) -> None:
        self.local = local
        self.prefix = prefix
        self.rate = local.rate
        self.burst = int(local.burst)
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry_on_timeout=False,
        )
        self._take = self._client.register_script(_TAKE_SCRIPT)
        self._timeout = timeout_seconds
        self._store_down_until = 0.0

    async def take(self, key: str) -> float:
        now = time.monotonic()
        if now >= self._store_down_until:
            try:
                async with asyncio.timeout(self._timeout):
                    wait = await self._take(keys=[self.prefix + key], args=[self.rate, self.burst])
                return float(wait)
            except (RedisError, OSError, TimeoutError) as exc:
                self._store_down_until = now + _RETRY_STORE_AFTER_SECONDS
                RATE_LIMIT_STORE_ERRORS.inc()
                logger.warning("rate-limit store unreachable", extra={"error": repr(exc)})
        else:
            RATE_LIMIT_STORE_ERRORS.inc()
        return self.local.acquire(key)

    async def aclose(self) -> None:
        await self._client.aclose()


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
