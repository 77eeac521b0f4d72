"""Each service starts for real, owns its migrated database, and exposes its probes and API."""

from collections.abc import AsyncIterator

import httpx
import pytest

from educert_common.settings import SERVICE_NAMES
from educert_common.testing.processes import RunningProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def services(migrated_services: None) -> AsyncIterator[dict[str, RunningProcess]]:
    started = {
        name: RunningProcess(name, f"{name}.main:create_app").start() for name in SERVICE_NAMES
    }
    try:
        for process in started.values():
            await process.wait_ready()
        yield started
    finally:
        for process in started.values():
            process.stop()


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_a_service_is_alive_ready_and_measured(
    services: dict[str, RunningProcess], name: str
) -> None:
    async with httpx.AsyncClient(base_url=services[name].url) as client:
        alive = await client.get("/healthz")
        ready = await client.get("/readyz")
        about = await client.get(f"/api/v1/{name}/about", headers={"X-Request-ID": "probe-1"})
        metrics = await client.get("/metrics")

    assert alive.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    checks = ready.json()["checks"]
    dependencies = {"database": "ok", "broker": "ok", "revocations": "ok"}
    assert {key: checks.get(key) for key in dependencies} == dependencies
    # Certification also says how long its holiday data lasts: "ok" or a warning, by today's
    # real date, never a failure (test_calendar_health.py pins both with a moved clock).
    warnings = {key: value for key, value in checks.items() if key not in dependencies}
    if name == "certification":
        assert set(warnings) == {"holiday_calendar"}
        assert warnings["holiday_calendar"] == "ok" or warnings["holiday_calendar"].startswith(
            "warning: the Chinese holiday data"
        )
    else:
        assert warnings == {}
    assert about.json()["service"] == name
    assert about.headers["x-request-id"] == "probe-1"
    assert f'educert_http_requests_total{{method="GET",route="/api/v1/{name}/about"' in (
        metrics.text.replace(f'service="{name}",', "")
    )


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_a_service_publishes_its_part_of_the_openapi_document(
    services: dict[str, RunningProcess], name: str
) -> None:
    async with httpx.AsyncClient(base_url=services[name].url) as client:
        document = (await client.get(f"/api/v1/{name}/openapi.json")).json()

    assert f"/api/v1/{name}/about" in document["paths"]
    assert all(path.startswith(f"/api/v1/{name}/") for path in document["paths"])


async def test_a_service_stops_cleanly_on_sigterm(migrated_services: None) -> None:
    process = RunningProcess("records-stop", "records.main:create_app").start()
    await process.wait_ready()

    exit_code = process.stop(timeout=15)

    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert exit_code in (0, -15)
    assert '"service stopped"' in process.output()
