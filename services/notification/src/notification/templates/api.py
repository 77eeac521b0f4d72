"""Operators list, preview and edit message templates; a broken template is refused on save."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from educert_common.app import SessionDep
from educert_common.auth import Operator
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from notification.runtime import SettingsDep
from notification.schemas import ChannelName, LocaleName, TemplateKey
from notification.templates import service
from notification.templates.schemas import (
    PreviewOut,
    PreviewRequest,
    StoredPreviewRequest,
    TemplateCreate,
    TemplateOut,
    TemplateUpdate,
)

router = APIRouter(prefix="/templates", tags=["notification: templates"])


@router.get("", response_model=Page[TemplateOut], summary="List templates")
async def list_templates(
    session: SessionDep,
    _: Operator,
    params: Annotated[PageParams, Depends(page_params)],
    key: Annotated[TemplateKey | None, Query()] = None,
    channel: Annotated[ChannelName | None, Query()] = None,
    locale: Annotated[LocaleName | None, Query()] = None,
) -> Page[TemplateOut]:
    """List templates, optionally by key, channel and locale (newest first, cursor paged)."""
    page = await service.list_templates(session, params, key=key, channel=channel, locale=locale)
    return Page[TemplateOut](
        items=[TemplateOut.model_validate(t) for t in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "",
    responses=problems(409),
    response_model=TemplateOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a template",
)
async def create_template(
    body: TemplateCreate, session: SessionDep, principal: Operator, settings: SettingsDep
) -> TemplateOut:
    """Add a template for a key, channel and locale; it must render with its sample data.

    Templates of essential messages (codes, links, security notices): admins only. A secret
    (`code`, `link`) may appear only in an SMS or e-mail body, never in a subject or inbox copy.
    """
    template = await service.create_template(
        session,
        actor=principal.subject,
        settings=settings,
        is_admin=principal.has_role("admin"),
        **body.model_dump(),
    )
    return TemplateOut.model_validate(template)


@router.post("/preview", response_model=PreviewOut, summary="Preview unsaved template text")
async def preview_text(body: PreviewRequest, _: Operator, settings: SettingsDep) -> PreviewOut:
    """Render template text with sample data, as it would be sent; errors name the field."""
    rendered = await service.preview(
        channel=body.channel,
        subject=body.subject,
        body=body.body,
        html_body=body.html_body,
        data=body.data,
        settings=settings,
    )
    return PreviewOut(
        subject=rendered.subject,
        body=rendered.body,
        html_body=rendered.html_body,
        characters=len(rendered.body),
    )


@router.get("/{template_id}", response_model=TemplateOut, summary="Show a template")
async def get_template(template_id: uuid.UUID, session: SessionDep, _: Operator) -> TemplateOut:
    """Return one template."""
    return TemplateOut.model_validate(await service.get_template(session, template_id))


@router.patch("/{template_id}", response_model=TemplateOut, summary="Edit a template")
async def update_template(
    template_id: uuid.UUID,
    body: TemplateUpdate,
    session: SessionDep,
    principal: Operator,
    settings: SettingsDep,
) -> TemplateOut:
    """Change a template's text or sample data; refused (422) unless the result renders.

    Templates of essential messages (codes, links, security notices): admins only (403).
    """
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    template = await service.update_template(
        session,
        template_id,
        actor=principal.subject,
        changes=changes,
        settings=settings,
        is_admin=principal.has_role("admin"),
    )
    return TemplateOut.model_validate(template)


@router.post(
    "/{template_id}/preview", response_model=PreviewOut, summary="Preview a stored template"
)
async def preview_template(
    template_id: uuid.UUID,
    body: StoredPreviewRequest,
    session: SessionDep,
    _: Operator,
    settings: SettingsDep,
) -> PreviewOut:
    """Render a stored template with its sample data, overridden by `data`."""
    template = await service.get_template(session, template_id)
    rendered = await service.preview(
        channel=template.channel,
        subject=template.subject,
        body=template.body,
        html_body=template.html_body,
        data={**(template.sample_data or {}), **body.data},
        settings=settings,
    )
    return PreviewOut(
        subject=rendered.subject,
        body=rendered.body,
        html_body=rendered.html_body,
        characters=len(rendered.body),
    )
