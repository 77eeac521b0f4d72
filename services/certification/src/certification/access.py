"""Who may act on which applications: applicants on their own (queries are scoped by the
account id in the repositories, so another's application is simply not found), reviewers
on the queue, operators and admins on everything reviewers can do plus the managed lists."""

import uuid
from typing import Annotated

from fastapi import Depends

from educert_common.auth import OVERSEEING_ROLES, CurrentPrincipal, Principal, require_roles
from educert_common.errors import PermissionDenied
from educert_common.http.contract import declares_problems

REVIEWING_ROLES = frozenset({"reviewer", *OVERSEEING_ROLES})


@declares_problems(403)
async def _applicant(principal: CurrentPrincipal) -> uuid.UUID:
    """The caller's own account id; callers that are not accounts (partner keys) have no
    applications."""
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        raise PermissionDenied() from None


ApplicantId = Annotated[uuid.UUID, Depends(_applicant)]
Reviewer = Annotated[Principal, Depends(require_roles(*REVIEWING_ROLES))]
