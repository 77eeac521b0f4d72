"""Operators' templates: checked to render before they are saved; functions flush, the calling
scope commits."""

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.http.pagination import Page, PageParams
from notification import exceptions
from notification.base import Channel, audit
from notification.config import NotificationSettings
from notification.routing.repository import RouteRepository
from notification.templates.models import Template
from notification.templates.rendering import (
    Rendered,
    TemplateParts,
    TemplateProblem,
    check_template_off_loop,
)
from notification.templates.repository import TemplateRepository
from notification.templates.secrecy import check_placement

audit_log: AuditLog = audit


async def list_templates(
    session: AsyncSession,
    params: PageParams,
    *,
    key: str | None = None,
    channel: str | None = None,
    locale: str | None = None,
) -> Page[Any]:
    """Page through templates, newest first."""
    return await TemplateRepository(session).search(params, key=key, channel=channel, locale=locale)


async def get_template(session: AsyncSession, template_id: uuid.UUID) -> Template:
    template = await TemplateRepository(session).get(template_id)
    if template is None:
        raise exceptions.TemplateNotFound()
    return template


async def _check(
    parts: TemplateParts, sample_data: Mapping[str, Any], settings: NotificationSettings
) -> Rendered:
    try:
        check_placement(parts)
        return await check_template_off_loop(
            parts, sample_data, sms_max_chars=settings.sms_max_chars
        )
    except TemplateProblem as problem:
        raise exceptions.TemplateRefused.from_problem(problem) from problem


def _snapshot(template: Template) -> dict[str, Any]:
    return {
        "subject": template.subject,
        "body": template.body,
        "html_body": template.html_body,
        "sms_template_code": template.sms_template_code,
        "version": template.version,
    }


async def create_template(
    session: AsyncSession,
    *,
    actor: str,
    key: str,
    channel: str,
    locale: str,
    subject: str | None,
    body: str,
    html_body: str | None,
    sms_template_code: str | None,
    sample_data: dict[str, Any],
    settings: NotificationSettings,
    is_admin: bool = False,
) -> Template:
    """Add a template after checking it renders with its sample data."""
    await _require_admin_for_essential(session, key, is_admin=is_admin)
    parts = TemplateParts(channel, subject, body, html_body)
    await _check(parts, sample_data, settings)
    _require_sms_code(channel, sms_template_code)
    repository = TemplateRepository(session)
    if await repository.find(key, channel, locale) is not None:
        raise exceptions.TemplateAlreadyExists()
    template = await repository.add(
        Template(
            id=uuid.uuid4(),
            key=key,
            channel=channel,
            locale=locale,
            subject=subject,
            body=body,
            html_body=html_body,
            sms_template_code=sms_template_code,
            sample_data=sample_data,
            version=1,
            updated_by=actor,
        )
    )
    await audit_log.record(
        session,
        actor=actor,
        action="template.created",
        subject_type="template",
        subject_id=str(template.id),
        after=_snapshot(template),
    )
    return template


async def _require_admin_for_essential(
    session: AsyncSession, template_key: str, *, is_admin: bool
) -> None:
    """Templates of essential messages (codes, links, security notices) decide where a secret
    goes and what a user trusts: operators edit the others, only admins these."""
    if is_admin:
        return
    if await RouteRepository(session).is_essential_key(template_key):
        raise exceptions.AdminOnly()


def _require_sms_code(channel: str, code: str | None) -> None:
    if channel == Channel.SMS and not code:
        raise exceptions.TemplateRefused.from_problem(
            TemplateProblem(
                "sms_template_code", "sms_template_code_required", "SMS needs a carrier template"
            )
        )


async def update_template(
    session: AsyncSession,
    template_id: uuid.UUID,
    *,
    actor: str,
    changes: Mapping[str, Any],
    settings: NotificationSettings,
    is_admin: bool = False,
) -> Template:
    """Edit a template; refuse the edit if the result does not render with its sample data."""
    template = await TemplateRepository(session).for_update(template_id)
    if template is None:
        raise exceptions.TemplateNotFound()
    await _require_admin_for_essential(session, template.key, is_admin=is_admin)
    before = _snapshot(template)
    merged = {
        "subject": template.subject,
        "body": template.body,
        "html_body": template.html_body,
        "sms_template_code": template.sms_template_code,
        "sample_data": template.sample_data,
        **changes,
    }
    parts = TemplateParts(template.channel, merged["subject"], merged["body"], merged["html_body"])
    await _check(parts, merged["sample_data"] or {}, settings)
    _require_sms_code(template.channel, merged["sms_template_code"])
    for name, value in merged.items():
        setattr(template, name, value)
    template.version += 1
    template.updated_by = actor
    await session.flush()
    await audit_log.record(
        session,
        actor=actor,
        action="template.updated",
        subject_type="template",
        subject_id=str(template.id),
        before=before,
        after=_snapshot(template),
    )
    return template


async def preview(
    *,
    channel: str,
    subject: str | None,
    body: str,
    html_body: str | None,
    data: Mapping[str, Any],
    settings: NotificationSettings,
) -> Rendered:
    """Render a template with sample data, exactly as it would be sent."""
    return await _check(TemplateParts(channel, subject, body, html_body), data, settings)
