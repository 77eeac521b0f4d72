"""Domain rules of the notification service; functions flush, the calling scope commits."""

import dataclasses
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.db import utcnow
from educert_common.errors import FieldError, Text
from educert_common.events.catalogue import (
    CATALOGUE,
    MessageDelivered,
    MessageFailed,
    UserContactsChanged,
)
from educert_common.events.envelope import EventEnvelope
from educert_common.events.outbox import Outbox
from educert_common.http.pagination import Page, PageParams
from notification import exceptions, sms_budget
from notification.addressing import (
    Address,
    destination_key,
    is_mainland_mobile,
    normalise_mobile,
    resolve_addresses,
)
from notification.config import NotificationSettings
from notification.models import (
    CapturedMail,
    Channel,
    Delivery,
    DeliveryStatus,
    InboxItem,
    Message,
    Preference,
    Route,
    Template,
    audit,
    messaging,
)
from notification.rendering import (
    Rendered,
    TemplateParts,
    TemplateProblem,
    check_template_off_loop,
    referenced_names,
    render_all,
    template_context,
)
from notification.repository import (
    CapturedMailRepository,
    DeliveryFilters,
    DeliveryRepository,
    InboxRepository,
    MessageRepository,
    PreferenceRepository,
    RecipientRepository,
    RouteRepository,
    SendLogRepository,
    TemplateRepository,
    choose_templates,
)
from notification.secrecy import (
    carries_secret,
    check_placement,
    scrub,
    secret_values,
)

logger = logging.getLogger(__name__)

outbox = Outbox(messaging, source="notification")
audit_log: AuditLog = audit

# Codes and security notices reach people whatever they muted, whatever an operator sets.
ALWAYS_ESSENTIAL = frozenset(
    {"identity.verification_code.issued", "identity.activation_link.issued"}
)
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


# Events ---------------------------------------------------------------------------------------


async def apply_contacts(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep the newest contacts identity announced for a user."""
    event = UserContactsChanged.model_validate(envelope.data)
    mobile = normalise_mobile(event.mobile) if event.mobile else None
    await RecipientRepository(session).upsert(
        {
            "user_id": event.user_id,
            "email": event.email.strip() if event.email else None,
            "email_verified": event.email_verified,
            "mobile": mobile,
            # Trust identity's flag only when the number also looks like a mainland one.
            "mobile_is_mainland": bool(
                mobile and event.mobile_is_mainland and is_mainland_mobile(mobile)
            ),
            "locale": event.locale,
            "contacts_as_of": envelope.occurred_at,
        }
    )


def _outcome_event(
    delivery: Delivery | Any, reason: str | None
) -> MessageDelivered | MessageFailed:
    channel = str(delivery.channel)
    if reason is None:
        return MessageDelivered(
            message_id=delivery.message_id,
            user_id=delivery.user_id,
            channel=channel,  # type: ignore[arg-type]
            source_event_id=delivery.source_event_id,
        )
    return MessageFailed(
        message_id=delivery.message_id,
        user_id=delivery.user_id,
        channel=channel,  # type: ignore[arg-type]
        source_event_id=delivery.source_event_id,
        reason=reason,
    )


async def emit_outcome(
    session: AsyncSession, delivery: Delivery | Any, *, reason: str | None
) -> None:
    """Announce a delivery's final outcome in the transaction that records it."""
    await outbox.add(session, _outcome_event(delivery, reason), subject=str(delivery.message_id))


async def emit_outcomes(
    session: AsyncSession, outcomes: Sequence[tuple[Delivery | Any, str | None]]
) -> None:
    """`emit_outcome` for many deliveries at once: one multi-row insert into the outbox."""
    await outbox.add_many(
        session,
        [
            (_outcome_event(delivery, reason), str(delivery.message_id))
            for delivery, reason in outcomes
        ],
    )


def outcome_rows(outcomes: Sequence[tuple[Delivery | Any, str | None]]) -> list[dict[str, Any]]:
    """Outbox rows announcing the outcomes, for the batched insert that records them."""
    return [
        outbox.row(
            outbox.envelope(_outcome_event(delivery, reason), subject=str(delivery.message_id))
        )
        for delivery, reason in outcomes
    ]


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
    essential = route.essential or envelope.type in ALWAYS_ESSENTIAL
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


# Templates ------------------------------------------------------------------------------------


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
    if await RouteRepository(session).is_essential_key(template_key, sorted(ALWAYS_ESSENTIAL)):
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


# Routes ---------------------------------------------------------------------------------------


async def list_routes(session: AsyncSession) -> list[Route]:
    return list(await RouteRepository(session).all())


async def put_route(
    session: AsyncSession,
    *,
    actor: str,
    event_type: str,
    template_key: str,
    channels: list[str],
    essential: bool,
    rate_limited: bool,
    enabled: bool,
    is_admin: bool = False,
) -> Route:
    """Create or change the route of an event type; its templates must exist per channel.

    Routes of essential messages (and making a route essential) are for admins only."""
    available = await TemplateRepository(session).channels_of(template_key)
    missing = [c for c in channels if c not in available]
    if missing:
        raise exceptions.RouteRefused(
            errors=[
                FieldError(
                    "channels",
                    "template_missing",
                    Text(
                        f"No {template_key} template for: {', '.join(missing)}",
                        f"模板 {template_key} 缺少渠道：{', '.join(missing)}",
                    ),
                )
            ]
        )
    if event_type in ALWAYS_ESSENTIAL:
        essential = True
    repository = RouteRepository(session)
    route = await repository.for_update(event_type)
    if not is_admin and (essential or (route is not None and route.essential)):
        raise exceptions.AdminOnly()
    before = None
    if route is None:
        route = Route(event_type=event_type)
        session.add(route)
    else:
        before = _route_snapshot(route)
    route.template_key = template_key
    route.channels = list(dict.fromkeys(channels))
    route.essential = essential
    route.rate_limited = rate_limited
    route.enabled = enabled
    await session.flush()
    await audit_log.record(
        session,
        actor=actor,
        action="route.updated" if before else "route.created",
        subject_type="route",
        subject_id=event_type,
        before=before,
        after=_route_snapshot(route),
    )
    return route


def _route_snapshot(route: Route) -> dict[str, Any]:
    return {
        "template_key": route.template_key,
        "channels": list(route.channels),
        "essential": route.essential,
        "rate_limited": route.rate_limited,
        "enabled": route.enabled,
    }


# Deliveries -----------------------------------------------------------------------------------


async def search_deliveries(
    session: AsyncSession, filters: DeliveryFilters, params: PageParams
) -> Page[Any]:
    """Find deliveries by user, destination, event, status or channel, newest first."""
    if filters.destination:
        value = filters.destination.strip()
        destination = value.lower() if "@" in value else normalise_mobile(value)
        filters = dataclasses.replace(filters, destination=destination)
    return await DeliveryRepository(session).search(filters, params)


async def get_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> Delivery:
    delivery = await DeliveryRepository(session).get(delivery_id)
    if delivery is None:
        raise exceptions.DeliveryNotFound()
    return delivery


async def resend_delivery(session: AsyncSession, delivery_id: uuid.UUID, *, actor: str) -> Delivery:
    """Queue a failed or dead delivery again (same delivery, same idempotency reference)."""
    repository = DeliveryRepository(session)
    delivery = await repository.for_update(delivery_id)
    if delivery is None:
        raise exceptions.DeliveryNotFound()
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.DEAD):
        raise exceptions.NotResendable()
    if delivery.channel == Channel.INBOX or not delivery.destination or not delivery.body:
        raise exceptions.NotResendable(
            Text("This delivery has nothing that could be sent", "该投递没有可发送的内容")
        )
    message = await MessageRepository(session).get(delivery.message_id)
    if message is not None and message.expires_at is not None and message.expires_at < utcnow():
        raise exceptions.MessageExpired()
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = DeliveryStatus.QUEUED
    delivery.attempts = 0
    delivery.failure_reason = None
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    delivery.attempt_token = None
    await session.flush()
    await repository.wake_workers()
    await audit_log.record(
        session,
        actor=actor,
        action="delivery.resent",
        subject_type="delivery",
        subject_id=str(delivery.id),
        before=before,
        after={"status": delivery.status},
    )
    return delivery


async def sms_budget_status(
    session: AsyncSession, *, settings: NotificationSettings, now: datetime | None = None
) -> sms_budget.SmsBudget:
    """Today's SMS count against the global daily budget."""
    return await sms_budget.status(session, settings=settings, now=now or utcnow())


async def delivery_stats(
    session: AsyncSession,
    *,
    since: datetime | None,
    until: datetime | None,
    settings: NotificationSettings,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Counts per channel and status, send latency, the commonest failure reasons, and
    today's SMS budget."""
    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=1)
    repository = DeliveryRepository(session)
    rows = await repository.stats(since, until)
    reasons = await repository.failure_reasons(since, until)
    budget = await sms_budget_status(session, settings=settings, now=now)
    return {
        "since": since,
        "until": until,
        "by_channel_and_status": [
            {
                "channel": row.channel,
                "status": row.status,
                "count": row.count,
                "p50_seconds": row.p50_seconds,
                "p99_seconds": row.p99_seconds,
            }
            for row in rows
        ],
        "failure_reasons": [
            {"reason": row.failure_reason or "unknown", "count": row.count} for row in reasons
        ],
        "sms_budget": dataclasses.asdict(budget),
    }


# Inbox and preferences ------------------------------------------------------------------------


def owner_id(subject: str) -> uuid.UUID | None:
    """Users are keyed by the UUID in their token's subject; anything else owns nothing."""
    return _uuid(subject)


async def inbox_page(
    session: AsyncSession, subject: str, params: PageParams, *, unread: bool
) -> Page[Any]:
    """The caller's inbox, newest first."""
    owner = owner_id(subject)
    if owner is None:
        return Page[Any](items=[], next_cursor=None)
    return await InboxRepository(session).page(owner, params, unread=unread)


async def unread_count(session: AsyncSession, subject: str) -> int:
    owner = owner_id(subject)
    return 0 if owner is None else await InboxRepository(session).unread_count(owner)


async def _owned_item(session: AsyncSession, subject: str, item_id: uuid.UUID) -> InboxItem:
    owner = owner_id(subject)
    item = None if owner is None else await InboxRepository(session).owned(owner, item_id)
    if item is None:
        raise exceptions.InboxItemNotFound()
    return item


async def mark_read(session: AsyncSession, subject: str, item_id: uuid.UUID) -> InboxItem:
    """Mark one of the caller's messages read (reading twice keeps the first time)."""
    item = await _owned_item(session, subject, item_id)
    if item.read_at is None:
        item.read_at = utcnow()
        await session.flush()
    return item


async def mark_all_read(session: AsyncSession, subject: str) -> int:
    owner = owner_id(subject)
    return 0 if owner is None else await InboxRepository(session).mark_all_read(owner)


async def delete_item(session: AsyncSession, subject: str, item_id: uuid.UUID) -> None:
    """Remove one of the caller's messages from their inbox."""
    item = await _owned_item(session, subject, item_id)
    item.deleted_at = utcnow()
    await session.flush()


async def get_preferences(session: AsyncSession, subject: str) -> bool:
    owner = owner_id(subject)
    return False if owner is None else await PreferenceRepository(session).is_muted(owner)


async def put_preferences(
    session: AsyncSession, subject: str, *, mute_non_essential: bool
) -> Preference:
    """Set the caller's mute preference (codes and security notices are never muted)."""
    owner = owner_id(subject)
    if owner is None:
        raise exceptions.InboxItemNotFound(
            Text("This account has no notification settings", "该账号没有通知设置")
        )
    return await PreferenceRepository(session).put(owner, mute_non_essential=mute_non_essential)


# Captured mail (development) ------------------------------------------------------------------


async def captured_mail_page(
    session: AsyncSession, params: PageParams, *, to: str | None
) -> Page[Any]:
    return await CapturedMailRepository(session).search(params, to=to)


async def captured_mail(session: AsyncSession, mail_id: uuid.UUID) -> CapturedMail:
    mail = await CapturedMailRepository(session).get(mail_id)
    if mail is None:
        raise exceptions.MailNotFound()
    return mail
