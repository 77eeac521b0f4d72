"""/healthz (alive), /readyz (dependencies reachable) and /metrics (Prometheus)."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from educert_common.http.problems import PROBLEM_CONTENT_TYPE, problem_body

ReadinessCheck = Callable[[], Awaitable[None]]
READINESS_TIMEOUT_SECONDS = 2.0


def health_router(checks: Callable[[Request], Mapping[str, ReadinessCheck]]) -> APIRouter:
    """Build the probe routes; `checks` names each dependency and how to test it."""
    # Probes are for orchestrators, not API users: kept out of the OpenAPI document.
    router = APIRouter(tags=["health"], include_in_schema=False)

    @router.get("/healthz", summary="Liveness probe")
    async def healthz() -> dict[str, str]:
        """Answer while the process is alive."""
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness probe")
    async def readyz(request: Request) -> JSONResponse:
        """Answer 200 when the database and the broker are reachable, 503 otherwise."""
        results: dict[str, str] = {}
        for name, check in checks(request).items():
            try:
                await asyncio.wait_for(check(), READINESS_TIMEOUT_SECONDS)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {type(exc).__name__}"
        if all(value == "ok" for value in results.values()):
            return JSONResponse({"status": "ready", "checks": results})
        body = problem_body(
            status=503,
            code="not_ready",
            title="Not ready",
            detail=", ".join(f"{k}: {v}" for k, v in results.items() if v != "ok"),
        )
        body["checks"] = results
        return JSONResponse(body, status_code=503, media_type=PROBLEM_CONTENT_TYPE)

    @router.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
