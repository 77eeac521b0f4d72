"""Rate-limit buckets: eviction that never hands out a fresh burst, and the shared (Redis)
store with its fallback when Redis is away."""

import time
import uuid

from educert_common.testing.processes import free_port
from educert_gateway.limits import RateLimiter, RedisRateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_eviction_never_refills_a_busy_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1.0, burst=2, max_clients=2, clock=clock)
    assert limiter.acquire("a") == 0 and limiter.acquire("a") == 0
    assert limiter.acquire("a") > 0
    # The table fills up with clients that are still busy: nobody's bucket is dropped...
    assert limiter.acquire("b") == 0
    for newcomer in ("c", "d", "e"):
        limiter.acquire(newcomer)
    # ... so "a" is still out of tokens, not handed a fresh burst.
    assert limiter.acquire("a") > 0
    # Once a bucket has refilled completely it may go: it would be created full anyway.
    clock.now += 10
    assert limiter.acquire("f") == 0
    assert limiter.acquire("a") == 0


async def test_redis_buckets_are_shared_by_every_limiter() -> None:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    limiters = [
        RedisRateLimiter(
            url="redis://127.0.0.1:6379/0",
            prefix=prefix,
            timeout_seconds=1.0,
            local=RateLimiter(rate=0.2, burst=3),
        )
        for _ in range(2)
    ]
    try:
        waits = [await limiters[i % 2].take("ip:203.0.113.5") for i in range(4)]
        assert waits[:3] == [0, 0, 0]
        assert 0 < waits[3] <= 5.0
        # Another client has its own bucket.
        assert await limiters[0].take("ip:203.0.113.6") == 0
    finally:
        for limiter in limiters:
            await limiter.aclose()


async def test_redis_away_falls_back_to_local_buckets_quickly() -> None:
    limiter = RedisRateLimiter(
        url=f"redis://127.0.0.1:{free_port()}/0",
        prefix="t-away:",
        timeout_seconds=0.2,
        local=RateLimiter(rate=0.2, burst=2),
    )
    try:
        started = time.monotonic()
        waits = [await limiter.take("ip:203.0.113.7") for _ in range(3)]
        assert time.monotonic() - started < 2.0
        # Still limited, per replica, while the shared store is unreachable.
        assert waits[:2] == [0, 0] and waits[2] > 0
    finally:
        await limiter.aclose()
