"""Routes every service carries under its prefix, so each has its part of the OpenAPI document."""

from fastapi import APIRouter, Request
from pydantic import BaseModel

from educert_common.auth import CurrentPrincipal


class ServiceAbout(BaseModel):
    service: str
    version: str
    title: str


class WhoAmI(BaseModel):
    subject: str
    roles: list[str]
    institution: str | None
    scopes: list[str]


def platform_router(service: str) -> APIRouter:
    router = APIRouter(tags=[service])

    @router.get("/about", response_model=ServiceAbout, summary=f"Describe the {service} service")
    async def about(request: Request) -> ServiceAbout:
        """Return the service's name and version."""
        app = request.app
        return ServiceAbout(service=service, version=app.version, title=app.title)

    @router.get(
        "/whoami",
        response_model=WhoAmI,
        summary=f"Show the caller as the {service} service sees it",
    )
    async def whoami(principal: CurrentPrincipal) -> WhoAmI:
        """Return the subject, roles, institution and scopes of the caller's access token."""
        return WhoAmI(
            subject=principal.subject,
            roles=sorted(principal.roles),
            institution=principal.institution,
            scopes=sorted(principal.scopes),
        )

    return router
