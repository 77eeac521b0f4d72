"""The loop every background job runs: a step again at once while it finds work, else after
an interval or as soon as something wakes it. A failing step is logged and retried; it never
stops the job."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


async def run_forever(
    name: str,
    interval: float,
    step: Callable[[], Awaitable[int | bool]],
    wakeup: asyncio.Event | None = None,
) -> None:
    """Run `step` forever: again at once while it reports work, else after `interval` or when
    `wakeup` is set (cleared before the next step, so a wake-up during it is not lost)."""
    while True:
        try:
            busy = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("job step failed", extra={"job": name})
            busy = 0
        if busy:
            continue
        if wakeup is None:
            await asyncio.sleep(interval)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), interval)
            wakeup.clear()
