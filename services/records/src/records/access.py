"""Who may act on which institution's records.

Institution staff and partner keys carry their institution (`inst`) and act only on it;
operators and admins act on any institution they name. A merged or closed institution's
staff still read what it reported, but no longer write: its successor reports now.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from educert_common.auth import OVERSEEING_ROLES, CurrentPrincipal, Principal
from educert_common.errors import PermissionDenied
from educert_common.http.contract import declares_problems

INSTITUTION_ROLES = frozenset({"institution_staff", "partner"})


@dataclass(frozen=True)
class InstitutionActor:
    """A caller acting for institutions: its own one, or (operators) any."""

    principal: Principal
    # None for operators and admins, who are not tied to one institution.
    institution_id: str | None

    @property
    def actor(self) -> str:
        return self.principal.subject

    @property
    def oversees(self) -> bool:
        return self.institution_id is None

    def may_act_on(self, institution_id: str) -> bool:
        return self.institution_id is None or self.institution_id == institution_id


def institution_actor_with(*scopes: str) -> Callable[..., Awaitable[InstitutionActor]]:
    """A dependency: staff of an institution, a partner key with every one of `scopes`, or
    an operator; anyone else is refused (403)."""
    wanted = frozenset(scopes)

    @declares_problems(403)
    async def dependency(principal: CurrentPrincipal) -> InstitutionActor:
        if not principal.roles.isdisjoint(OVERSEEING_ROLES):
            return InstitutionActor(principal, None)
        if "institution_staff" in principal.roles and principal.institution:
            return InstitutionActor(principal, principal.institution)
        if "partner" in principal.roles and principal.institution and wanted <= principal.scopes:
            return InstitutionActor(principal, principal.institution)
        raise PermissionDenied()

    return dependency


InstitutionReader = Annotated[InstitutionActor, Depends(institution_actor_with("records:read"))]
InstitutionWriter = Annotated[InstitutionActor, Depends(institution_actor_with("records:import"))]


@declares_problems(403)
async def _account(principal: CurrentPrincipal) -> uuid.UUID:
    """The caller's own account id; callers that are not accounts (partner keys) have no
    archive."""
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        raise PermissionDenied() from None


# The account whose archive a route reads: queries are scoped by it in the repository.
AccountId = Annotated[uuid.UUID, Depends(_account)]
