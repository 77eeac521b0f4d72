"""/healthz (alive), /readyz (dependencies reachable, and warnings) and /metrics
(Prometheus)."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from educert_common.http.problems import PROBLEM_CONTENT_TYPE, problem_body

# Raises when the dependency is unreachable: the process is not ready.
ReadinessCheck = Callable[[], Awaitable[None]]
READINESS_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class WarningCheck:
    """Something operators must hear about that does not make the process unready (data
    running out, say): /readyz stays 200 and shows it under its name as "warning: <text>".
    A failing readiness would take every replica out of the load balancer at once, for a
    condition no restart fixes. `check` returns the warning's text, or None when all is
    well."""

    check: Callable[[], Awaitable[str | None]]


HealthCheck = ReadinessCheck | WarningCheck


async def run_warning_check(check: WarningCheck) -> str | None:
    """The warning's text, or None; a check that fails or hangs is itself a warning."""
    try:
        return await asyncio.wait_for(check.check(), READINESS_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"the check failed: {type(exc).__name__}"


def health_router(checks: Callable[[Request], Mapping[str, HealthCheck]]) -> APIRouter:
    """Build the probe routes; `checks` names each dependency and how to test it, and each
    warning (never failing readiness)."""
    # Probes are for orchestrators, not API users: kept out of the OpenAPI document.
    router = APIRouter(tags=["health"], include_in_schema=False)

    @router.get("/healthz", summary="Liveness probe")
    async def healthz() -> dict[str, str]:
        """Answer while the process is alive."""
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness probe")
    async def readyz(request: Request) -> JSONResponse:
        """Answer 200 when the database and the broker are reachable, 503 otherwise; warnings
        are shown either way and never make it 503."""
        results: dict[str, str] = {}
        failed: dict[str, str] = {}
        for name, check in checks(request).items():
            if isinstance(check, WarningCheck):
                text = await run_warning_check(check)
                results[name] = "ok" if text is None else f"warning: {text}"
                continue
            try:
                await asyncio.wait_for(check(), READINESS_TIMEOUT_SECONDS)
                results[name] = "ok"
            except Exception as exc:
                results[name] = failed[name] = f"unavailable: {type(exc).__name__}"
        if not failed:
            return JSONResponse({"status": "ready", "checks": results})
        body = problem_body(
            status=503,
            code="not_ready",
            title="Not ready",
            detail=", ".join(f"{k}: {v}" for k, v in failed.items()),
        )
        body["checks"] = results
        return JSONResponse(body, status_code=503, media_type=PROBLEM_CONTENT_TYPE)

    @router.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
