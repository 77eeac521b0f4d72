"""/readyz on a real ASGI app: a failing dependency makes it 503, a warning never does."""

import asyncio
from collections.abc import Mapping

import httpx
import pytest
from fastapi import FastAPI

from educert_common.http import health
from educert_common.http.health import HealthCheck, WarningCheck, health_router


async def reachable() -> None:
    return None


async def unreachable() -> None:
    raise ConnectionError("refused")


async def quiet() -> str | None:
    return None


async def data_running_out() -> str | None:
    return "the data ends on 2026-12-31: add the next year"


async def broken() -> str | None:
    raise RuntimeError("bug")


async def readyz(checks: Mapping[str, HealthCheck]) -> httpx.Response:
    app = FastAPI()
    app.include_router(health_router(lambda request: checks))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/readyz")


async def test_a_warning_is_shown_and_the_process_stays_ready() -> None:
    response = await readyz(
        {
            "database": reachable,
            "quiet": WarningCheck(quiet),
            "holiday_calendar": WarningCheck(data_running_out),
            "buggy": WarningCheck(broken),
        }
    )
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "quiet": "ok",
            "holiday_calendar": "warning: the data ends on 2026-12-31: add the next year",
            "buggy": "warning: the check failed: RuntimeError",
        },
    }


async def test_a_failing_dependency_is_503_and_names_only_itself_as_the_cause() -> None:
    response = await readyz(
        {"database": unreachable, "holiday_calendar": WarningCheck(data_running_out)}
    )
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["detail"] == "database: unavailable: ConnectionError"
    assert body["checks"]["holiday_calendar"].startswith("warning: the data ends")


async def test_a_warning_check_that_hangs_is_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    hung = asyncio.Event()

    async def hangs() -> str | None:
        await hung.wait()
        return None

    monkeypatch.setattr(health, "READINESS_TIMEOUT_SECONDS", 0.05)
    response = await readyz({"database": reachable, "slow": WarningCheck(hangs)})
    assert response.status_code == 200
    assert response.json()["checks"]["slow"] == "warning: the check failed: TimeoutError"
