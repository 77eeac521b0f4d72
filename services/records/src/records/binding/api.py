"""Routes of binding: the student binds an old qualification by hand; operators unbind."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import Operator
from educert_common.http.contract import problems
from records.academic.rules import RecordKind
from records.access import AccountId
from records.binding import service
from records.binding.schemas import BoundRecord, ManualBinding, UnbindRequest, Unbound
from records.runtime import AuditDep, ClockDep, DatabaseDep, SettingsDep

router = APIRouter(tags=["records: binding"])


@router.post(
    "/me/bindings",
    response_model=BoundRecord,
    responses=problems(
        403,
        404,
        409,
        429,
        descriptions={
            403: "The account is not real-name verified",
            404: "No record matches the number, year and institution",
            409: "The record is bound to another account, or support unbound it",
            422: "The record's name, ID number, birth date or gender differs (named in errors)",
            429: "Too many attempts today",
        },
    ),
)
async def bind_by_hand(
    body: ManualBinding,
    account: AccountId,
    database: DatabaseDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> BoundRecord:
    """Bind a 1991-2001 qualification to your archive by certificate number (the institution's
    own or the NO. serial), graduation year and institution; your account must be real-name
    verified and the record's name, ID number, birth date and gender must equal yours."""
    # The attempt counts even when the binding is refused, so it commits on its own.
    async with database.transaction() as session:
        await service.count_manual_attempt(
            session, user_id=account, now=clock(), daily_cap=settings.manual_binding_daily_cap
        )
    async with database.transaction() as session:
        record = await service.bind_by_hand(
            session,
            outbox,
            user_id=account,
            institution_id=body.institution_id,
            graduation_year=body.graduation_year,
            certificate_number=body.certificate_number,
        )
    assert record.bound_via is not None and record.bound_at is not None
    return BoundRecord(
        kind=RecordKind.QUALIFICATION,
        id=record.id,
        institution_id=record.institution_id,
        bound_via=record.bound_via,
        bound_at=record.bound_at,
    )


def _add_unbind_route(kind: RecordKind) -> None:
    async def unbind(
        record_id: Annotated[uuid.UUID, Path()],
        body: UnbindRequest,
        operator: Operator,
        session: SessionDep,
        outbox: OutboxDep,
        audit: AuditDep,
    ) -> Unbound:
        record = await service.unbind(
            session,
            audit,
            outbox,
            kind=kind,
            record_id=record_id,
            reason=body.reason,
            actor=operator.subject,
        )
        return Unbound(kind=kind, id=record.id, bound=False)

    unbind.__doc__ = (
        f"Take a {kind.value.replace('_', ' ')} record out of its account's archive (operators; "
        "audited with the reason; automatic binding will not bind it to that account again)."
    )
    router.post(
        f"/support/{kind.path}/{{record_id}}/unbinding",
        response_model=Unbound,
        responses=problems(409, descriptions={409: "The record is not bound"}),
        name=f"unbind_{kind.value}",
    )(unbind)


for _kind in RecordKind:
    _add_unbind_route(_kind)
