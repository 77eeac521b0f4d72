"""Staff accounts (operators create them; institution staff see their own institution's)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import Operator, Principal, require_roles
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from educert_common.masking import mask_email
from identity.accounts.models import User
from identity.accounts.repository import UserRepository
from identity.staff import service
from identity.staff.schemas import StaffCreate, StaffView

router = APIRouter(tags=["identity: staff"])


def _view(user: User) -> StaffView:
    return StaffView(
        id=user.id,
        username=user.username,
        roles=list(user.roles),
        institution_id=user.institution_id,
        email_masked=mask_email(user.email) if user.email else None,
        status=user.status,
        has_password=user.password_hash is not None,
    )


@router.post(
    "/staff", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=StaffView
)
async def create_staff(
    body: StaffCreate, operator: Operator, session: SessionDep, outbox: OutboxDep
) -> StaffView:
    """Create a staff account; the person sets a password by e-mail recovery code.

    Operators create institution staff and reviewers; only an admin creates operators and
    admins (403 otherwise).
    """
    user = await service.create_staff(
        session,
        outbox,
        actor=operator.subject,
        actor_is_admin=operator.has_role("admin"),
        role=body.role,
        email=body.email,
        username=body.username,
        institution_id=body.institution_id,
    )
    return _view(user)


@router.get("/staff", response_model=Page[StaffView])
async def list_staff(
    principal: Annotated[
        Principal, Depends(require_roles("operator", "admin", "institution_staff"))
    ],
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    institution_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[StaffView]:
    """List staff; institution staff only ever see their own institution."""
    if not principal.has_role("operator", "admin"):
        institution_id = principal.institution or "-"
    repository = UserRepository(session)
    page = await repository.paginate(repository.staff_query(institution_id), params)
    return Page[StaffView](items=[_view(u) for u in page.items], next_cursor=page.next_cursor)
