"""Routes of the student's archive (学信档案) and operators' support view of one record.

A student sees only records bound to their account: another account's record answers 404,
exactly like a record that does not exist.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel

from educert_common.app import ReadSessionDep, runtime_of
from educert_common.auth import Operator
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from records.academic.rules import RecordKind
from records.academic.schemas import OUT_MODELS
from records.access import AccountId
from records.archive import service
from records.archive.schemas import ArchiveDetail, ArchiveEntry, SupportDetail
from records.crypto import secrets_for
from records.runtime import SecretsDep, StorageDep, settings_of

router = APIRouter(tags=["records: student archive"])

RecordId = Annotated[uuid.UUID, Path()]
PHOTO_TYPES = ("image/jpeg", "image/png", "application/octet-stream")
BINARY = {"type": "string", "format": "binary"}


def _json(model: BaseModel) -> Response:
    # Validated by the service already: sent as it is, not validated again for the response.
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/me/records", response_model=Page[ArchiveEntry])
async def list_my_records(
    account: AccountId,
    params: Annotated[PageParams, Depends(page_params)],
    request: Request,
) -> Response:
    """List your records of all three kinds (student status, qualifications, degrees), newest
    first."""
    database = runtime_of(request).database
    return _json(await service.list_archive(database, owner_id=account, params=params))


def _add_kind_routes(kind: RecordKind) -> None:
    out_model: Any = OUT_MODELS[kind]
    label = kind.value.replace("_", " ")

    async def my_record(record_id: RecordId, account: AccountId, request: Request) -> Response:
        return _json(
            await service.record_detail(
                runtime_of(request).database,
                secrets_for(settings_of(request)),
                kind=kind,
                record_id=record_id,
                owner_id=account,
            )
        )

    my_record.__doc__ = (
        f"Show one of your {label} records: the facts (ID number masked), the institution, "
        "every version and the status history."
    )
    router.get(
        f"/me/{kind.path}/{{record_id}}",
        response_model=ArchiveDetail[out_model],  # type: ignore[valid-type]
        name=f"my_{kind.value}",
    )(my_record)

    async def my_photo(
        record_id: RecordId, account: AccountId, session: ReadSessionDep, storage: StorageDep
    ) -> Response:
        photo = await service.record_photo(
            session, storage, kind=kind, record_id=record_id, owner_id=account
        )
        return Response(
            photo.content,
            media_type=photo.media_type,
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    my_photo.__doc__ = f"Download the photo on one of your {label} records."
    router.get(
        f"/me/{kind.path}/{{record_id}}/photo",
        response_class=Response,
        responses={
            200: {
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in PHOTO_TYPES
                }
            },
            **problems(404, descriptions={404: "No such record of yours, or it has no photo"}),
        },
        name=f"my_{kind.value}_photo",
    )(my_photo)

    async def support_record(
        record_id: RecordId, operator: Operator, request: Request, secrets: SecretsDep
    ) -> Response:
        return _json(
            await service.record_detail(
                runtime_of(request).database, secrets, kind=kind, record_id=record_id, owner_id=None
            )
        )

    support_record.__doc__ = (
        f"Show any {label} record as its student sees it, with the owning account (operators, "
        "for support)."
    )
    router.get(
        f"/support/{kind.path}/{{record_id}}",
        response_model=SupportDetail[out_model],  # type: ignore[valid-type]
        name=f"support_{kind.value}",
    )(support_record)


for _kind in RecordKind:
    _add_kind_routes(_kind)
