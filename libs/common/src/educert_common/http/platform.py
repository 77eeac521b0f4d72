"""Routes every service carries under its prefix, so each has its part of the OpenAPI document."""

from fastapi import APIRouter, Request
from pydantic import BaseModel


class ServiceAbout(BaseModel):
    service: str
    version: str
    title: str


def platform_router(service: str) -> APIRouter:
    router = APIRouter(tags=[service])

    @router.get("/about", response_model=ServiceAbout, summary=f"Describe the {service} service")
    async def about(request: Request) -> ServiceAbout:
        """Return the service's name and version."""
        app = request.app
        return ServiceAbout(service=service, version=app.version, title=app.title)

    return router
