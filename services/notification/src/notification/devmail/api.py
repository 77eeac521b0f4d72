"""Mail captured by the development SMTP sink, for admins (development and test only): it holds
one-time codes and links, so an operator reading it could take over any account."""

import uuid
from email import policy
from email.parser import BytesParser
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from educert_common.app import SessionDep
from educert_common.auth import Admin
from educert_common.errors import NotFound
from educert_common.http.pagination import Page, PageParams, page_params
from notification.devmail import service
from notification.devmail.schemas import CapturedMailDetail, CapturedMailOut
from notification.runtime import SettingsDep


async def _dev_tools_only(settings: SettingsDep) -> None:
    if not settings.dev_tools_available():
        raise NotFound()  # the route does not exist outside development and test


router = APIRouter(
    prefix="/dev/mail",
    tags=["notification: development"],
    dependencies=[Depends(_dev_tools_only)],
)


@router.get("", response_model=Page[CapturedMailOut], summary="List captured mail")
async def list_mail(
    session: SessionDep,
    _: Admin,
    params: Annotated[PageParams, Depends(page_params)],
    to: Annotated[str | None, Query(max_length=320)] = None,
) -> Page[CapturedMailOut]:
    """List mail the development SMTP sink received, newest first, optionally by recipient."""
    page = await service.captured_mail_page(session, params, to=to)
    return Page[CapturedMailOut](
        items=[CapturedMailOut.model_validate(m) for m in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{mail_id}", response_model=CapturedMailDetail, summary="Read captured mail")
async def read_mail(mail_id: uuid.UUID, session: SessionDep, _: Admin) -> CapturedMailDetail:
    """Return one captured mail: headers, text part and HTML part."""
    mail = await service.captured_mail(session, mail_id)
    parsed = BytesParser(policy=policy.default).parsebytes(mail.raw)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return CapturedMailDetail(
        id=mail.id,
        mail_from=mail.mail_from,
        recipients=mail.recipients,
        subject=mail.subject,
        message_id=mail.message_id,
        created_at=mail.created_at,
        headers={k: str(v) for k, v in parsed.items()},
        text=text_part.get_content() if text_part is not None else None,  # type: ignore[attr-defined]
        html=html_part.get_content() if html_part is not None else None,  # type: ignore[attr-defined]
    )
