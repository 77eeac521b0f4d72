"""The global daily SMS budget (against SMS pumping and runaway sends: SMS cost real money).

Every SMS delivery a handler writes takes one unit of the day's budget (Asia/Shanghai day,
one counter row in the database, so every replica agrees). Non-essential SMS stop at
`budget × (100 − reserve) %`; essential ones (codes, security notices) may use the reserve up
to the budget. Over it, the SMS is refused: the delivery is `failed` with reason
`sms_budget_exhausted` and `notification.message.failed` carries that reason, so the service
that asked for a code can offer the e-mail path. Operators see it as a warning log line when
the count reaches 80 % and 100 % (exactly once each per day: the counter is serialised), in
`GET /deliveries/stats` (`sms_budget`) and in the Prometheus gauge
`notification_sms_budget_used_ratio`.
"""

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from notification.config import NotificationSettings
from notification.limits.repository import SmsBudgetRepository

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXHAUSTED = "sms_budget_exhausted"
ALERT_PERCENTS = (80, 100)

BUDGET_USED = Gauge(
    "notification_sms_budget_used_ratio", "Share of today's SMS budget used (1.0 = all)"
)
BUDGET_REFUSED = Counter(
    "notification_sms_budget_refused_total", "SMS refused over the daily budget", ["essential"]
)


@dataclass(frozen=True, slots=True)
class SmsBudget:
    day: date
    used: int
    limit: int
    non_essential_limit: int


def budget_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _non_essential_limit(settings: NotificationSettings) -> int:
    share = 100 - settings.sms_budget_essential_reserve_percent
    return settings.sms_daily_budget * share // 100


async def take(
    session: AsyncSession, *, essential: bool, settings: NotificationSettings, now: datetime
) -> str | None:
    """Count one SMS against today's budget; return the refusal reason when over it."""
    budget = settings.sms_daily_budget
    if budget <= 0:
        return None
    limit = budget if essential else _non_essential_limit(settings)
    day = budget_day(now)
    used = await SmsBudgetRepository(session).take(day, limit=limit)
    if used is None:
        BUDGET_REFUSED.labels(str(essential).lower()).inc()
        return EXHAUSTED
    BUDGET_USED.set(used / budget)
    for percent in ALERT_PERCENTS:
        if used == math.ceil(budget * percent / 100):
            logger.warning(
                "SMS budget %d%% used: %d of %d on %s (non-essential SMS stop at %d)",
                percent,
                used,
                budget,
                day.isoformat(),
                _non_essential_limit(settings),
                extra={"sms_budget_used": used, "sms_budget": budget},
            )
    return None


async def status(
    session: AsyncSession, *, settings: NotificationSettings, now: datetime
) -> SmsBudget:
    """Today's count against the budget (for operators)."""
    day = budget_day(now)
    used = await SmsBudgetRepository(session).used(day)
    return SmsBudget(day, used, settings.sms_daily_budget, _non_essential_limit(settings))
