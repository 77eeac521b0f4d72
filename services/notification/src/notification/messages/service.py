"""Intake: one event becomes a message and its deliveries, in the consumer's transaction."""

import dataclasses
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.events.catalogue import CATALOGUE, UserContactsChanged
from educert_common.events.envelope import EventEnvelope
from notification.base import Channel
from notification.config import NotificationSettings
from notification.deliveries.models import Delivery, DeliveryStatus
from notification.deliveries.outcomes import outcome_rows
from notification.inbox.models import InboxItem
from notification.limits import sms_budget
from notification.limits.repository import SendLogRepository
from notification.messages.models import Message
from notification.messages.repository import MessageRepository
from notification.recipients.addressing import Address, destination_key, resolve_addresses
from notification.routing.models import Route
from notification.routing.repository import RouteRepository
from notification.templates.models import Template
from notification.templates.rendering import (
    Rendered,
    TemplateParts,
    TemplateProblem,
    referenced_names,
    render_all,
    template_context,
)
from notification.templates.rules import choose_templates
from notification.templates.secrecy import carries_secret, scrub, secret_values

logger = logging.getLogger(__name__)

EXTERNAL_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL})

DELIVERIES_CREATED = Counter(
    "notification_deliveries_created_total",
    "Deliveries written by event handlers, by channel and initial status",
    ["channel", "status"],
)


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


async def notify(
    session: AsyncSession,
    envelope: EventEnvelope,
    *,
    settings: NotificationSettings,
    now: datetime | None = None,
) -> Message | None:
    """Turn one event into a message and its deliveries, in the caller's transaction; return
    the message written (a plain object, not attached to the session).

    Resolves the route, recipient, locale and mute preference (one query), renders every
    channel's template, takes send-limit slots, and writes the rows: SMS and e-mail as queued
    (the delivery worker sends them), the inbox as sent. Nothing here talks to the outside.
    """
    data: Mapping[str, Any] = envelope.data
    user_id = _uuid(data.get("user_id"))
    found = await RouteRepository(session).lookup(envelope.type, user_id)
    if found is None:
        return None
    route, recipient = found.route, found.recipient
    locale = data.get("locale") or (recipient.locale if recipient else None) or "zh"
    if locale not in ("zh", "en"):
        locale = "zh"
    essential = found.essential
    muted = not essential and user_id is not None and found.muted
    addresses = resolve_addresses(data, route.channels, recipient, has_user=user_id is not None)
    if muted:
        addresses = [a for a in addresses if a.channel not in EXTERNAL_CHANNELS]
    if not addresses:
        logger.info(
            "event reaches nobody",
            extra={"event_id": str(envelope.id), "event_type": envelope.type},
        )
        return None

    message = Message(
        id=uuid.uuid4(),
        source_event_id=envelope.id,
        event_type=envelope.type,
        user_id=user_id,
        template_key=route.template_key,
        locale=locale,
        essential=essential,
        expires_at=_aware(data.get("expires_at")),
    )
    templates = choose_templates(found.templates, locale)
    context = template_context(data, occurred_at=envelope.occurred_at)
    secrets = Secrets(carries_secret(data), secret_values(data))
    # Every channel's template, bounded (a slow one finishes on the render thread).
    to_render = [
        templates[a.channel] for a in addresses if a.refusal is None and a.channel in templates
    ]
    results = await render_all(
        [_parts(t) for t in to_render], context, sms_max_chars=settings.sms_max_chars
    )
    rendered_by_channel = {t.channel: r for t, r in zip(to_render, results, strict=True)}
    rows: list[Delivery | InboxItem] = []
    outcomes: list[tuple[Delivery, str | None]] = []
    for address in addresses:
        outcome = await _deliver(
            session,
            message=message,
            route=route,
            address=address,
            template=templates.get(address.channel),
            rendering=rendered_by_channel.get(address.channel),
            context=context,
            secrets=secrets,
            settings=settings,
            now=now or utcnow(),
            rows=rows,
        )
        if outcome is not None:
            outcomes.append(outcome)
    # One statement writes the message, its deliveries, the inbox item and the outcome events
    # (instead of a flush per table and an insert per event).
    await MessageRepository(session).write(
        message,
        [row for row in rows if isinstance(row, Delivery)],
        [row for row in rows if isinstance(row, InboxItem)],
        outcome_rows(outcomes),
    )
    return message


async def _deliver(
    session: AsyncSession,
    *,
    message: Message,
    route: Route,
    address: Address,
    template: Template | None,
    rendering: Rendered | TemplateProblem | None,
    context: Mapping[str, Any],
    secrets: "Secrets",
    settings: NotificationSettings,
    now: datetime,
    rows: list[Delivery | InboxItem],
) -> tuple[Delivery, str | None] | None:
    """Build one channel's delivery (and inbox item) into `rows`. Return it with its refusal
    (None: sent) when it is final already, for its outcome event; None when it is queued."""
    delivery = Delivery(
        id=uuid.uuid4(),
        message_id=message.id,
        source_event_id=message.source_event_id,
        event_type=message.event_type,
        channel=address.channel,
        user_id=message.user_id,
        destination=address.destination,
        status=DeliveryStatus.QUEUED,
        attempts=0,
        max_attempts=settings.delivery_max_attempts,
        next_attempt_at=utcnow(),
        body="",
        carries_secret=secrets.present,
    )
    refusal = address.refusal
    rendered: Rendered | None = None
    if refusal is None and template is None:
        refusal = "no_template"
    if refusal is None and template is not None:
        try:
            if not isinstance(rendering, Rendered):
                raise rendering or TemplateProblem("body", "template_render", "not rendered")
            rendered = rendering
            _refuse_misplaced_secret(rendered, address.channel, secrets.values)
        except TemplateProblem as problem:
            refusal, rendered = "template_error", None
            # An error detail may quote data (`{}[code]` names the missing key): scrubbed.
            delivery.last_error = scrub(str(problem), secrets.values)[:1000]  # type: ignore[index]
    if rendered is not None and template is not None:
        delivery.subject = rendered.subject
        delivery.body = rendered.body
        delivery.html_body = rendered.html_body
        if address.channel == Channel.SMS:
            delivery.sms_template_code = template.sms_template_code or template.key
            delivery.sms_params = _sms_params(template, context)
    if (
        refusal is None
        and route.rate_limited
        and address.channel in EXTERNAL_CHANNELS
        and address.destination
    ):
        refusal = await SendLogRepository(session).take_slot(
            destination_key(address.channel, address.destination),
            delivery.id,
            per_minute=settings.code_limit_per_minute,
            per_day=settings.code_limit_per_day,
        )
    if refusal is None and address.channel == Channel.SMS:
        refusal = await sms_budget.take(
            session, essential=message.essential, settings=settings, now=now
        )
    if refusal is not None:
        delivery.status = DeliveryStatus.FAILED
        delivery.failure_reason = refusal
    elif address.channel == Channel.INBOX and message.user_id is not None:
        assert rendered is not None
        rows.append(
            InboxItem(
                id=uuid.uuid4(),
                user_id=message.user_id,
                message_id=message.id,
                event_type=message.event_type,
                title=rendered.subject or "",
                body=rendered.body,
            )
        )
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = utcnow()
        delivery.attempts = 1
    rows.append(delivery)
    DELIVERIES_CREATED.labels(delivery.channel, delivery.status).inc()
    if delivery.status == DeliveryStatus.SENT:
        return delivery, None
    if delivery.status == DeliveryStatus.FAILED:
        return delivery, refusal
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class Secrets:
    """Whether an event carries a secret, and its values (to keep them out of the wrong places)."""

    present: bool
    values: list[str]


def _refuse_misplaced_secret(rendered: Rendered, channel: str, secrets: Sequence[str]) -> None:
    """At send time too, whatever a template was saved with: a secret value only in the body
    of an SMS or e-mail (a subject or inbox copy reaches other eyes)."""
    if not secrets:
        return
    places = [("subject", rendered.subject)]
    if channel == Channel.INBOX:
        places.append(("body", rendered.body))
    for field, text in places:
        if text and any(secret in text for secret in secrets):
            raise TemplateProblem(field, "secret_not_allowed", "a secret in " + field)


def _parts(template: Template) -> TemplateParts:
    return TemplateParts(template.channel, template.subject, template.body, template.html_body)


def _sms_params(template: Template, context: Mapping[str, Any]) -> dict[str, str]:
    """The carrier gets only the names its template reads (e.g. code, expires_minutes), as text."""
    params: dict[str, str] = {}
    for name in sorted(referenced_names(template.body)):
        value = context.get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            params[name] = str(value)
    return params


def handled_event_types() -> list[str]:
    """Every catalogued event about a user (or carrying a destination), bar our own."""
    types = []
    for event_type, model in CATALOGUE.items():
        if event_type.startswith("notification.") or event_type == UserContactsChanged.event_type:
            continue
        if event_type.count(".") != 2 or event_type.startswith("testing."):
            continue
        fields = model.model_fields
        if "user_id" in fields or "destination" in fields or "email" in fields:
            types.append(event_type)
    return sorted(types)
