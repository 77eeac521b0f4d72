"""Per-client token buckets (in memory, per gateway replica) and the request body limit."""

import math
import time


class BodyTooLarge(Exception):
    """The request body grew past the limit while it was being streamed."""


class RateLimiter:
    """A token bucket per client key: `rate` tokens per second, at most `burst` saved up."""

    def __init__(self, *, rate: float, burst: int, max_clients: int = 100_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_clients = max_clients
        # key -> [tokens, monotonic time of the last update]
        self._buckets: dict[str, list[float]] = {}

    def acquire(self, key: str) -> float:
        """Take one token for `key`; return 0 if allowed, else the seconds until one is free."""
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_clients:
                self._forget_idle(now)
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
        """Drop buckets that have refilled completely (their clients are idle); else the oldest."""
        full_after = self.burst / self.rate
        idle = [k for k, (_, last) in self._buckets.items() if now - last >= full_after]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) >= self.max_clients:
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for key in oldest[: max(1, len(oldest) // 10)]:
                del self._buckets[key]


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
