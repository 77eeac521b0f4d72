"""The applicant's side of an application: open a draft, save its steps, submit it, pay its
fees, withdraw it; and what payment's events do to it. Every state change goes through
certification.applications.states."""

import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from certification import checks, estimates
from certification.accounts.service import verified_account
from certification.applications import outside
from certification.applications.models import Application, ApplicationOrder
from certification.applications.repository import ApplicationRepository, OrderRepository
from certification.applications.states import DECIDED, EDITABLE, State, move, target
from certification.applications.steps import STEP_MODELS
from certification.config import CertificationSettings
from certification.exceptions import (
    ApplicationNotFound,
    DuplicateDegree,
    NotReconsiderable,
    StepOutOfOrder,
    SubmissionBlocked,
    TooManyOpenApplications,
    TransitionNotAllowed,
    field_error,
)
from certification.kinds import KINDS, ApplicationKindSpec, kind_spec
from certification.materials import service as materials
from educert_common.audit import AuditLog
from educert_common.clock import BEIJING
from educert_common.errors import FieldError, Text, ValidationFailed
from educert_common.events.catalogue import ApplicationWithdrawn
from educert_common.events.outbox import Outbox
from educert_common.settings import PlatformSettings


async def open_draft(
    session: AsyncSession,
    audit: AuditLog,
    settings: CertificationSettings,
    *,
    user_id: uuid.UUID,
    kind: str,
    reconsideration_of: uuid.UUID | None,
    now: datetime,
) -> Application:
    """A new draft of `kind` for a real-name-verified applicant."""
    await verified_account(session, user_id)
    applications = ApplicationRepository(session)
    if await applications.open_count(user_id) >= settings.max_open_applications_per_user:
        raise TooManyOpenApplications()
    original = None
    if kind == "reconsideration":
        original = await _reconsiderable(applications, user_id, reconsideration_of)
    elif reconsideration_of is not None:
        raise field_error(
            "reconsideration_of",
            "not_allowed",
            "Only a reconsideration names an earlier application",
            "只有复议申请需要指定原申请",
        )
    day = now.astimezone(BEIJING).date()
    sequence = await applications.next_number(f"application:{day:%Y%m%d}")
    application = await applications.add(
        Application(
            number=f"RZ{day:%Y%m%d}{sequence:06d}",
            user_id=user_id,
            kind=kind,
            state=State.DRAFT.value,
            reconsideration_of=original.id if original else None,
            country=original.country if original else None,
            steps={},
            findings=[],
            created_at=now,
            updated_at=now,
        )
    )
    await audit.record(
        session,
        actor=str(user_id),
        action="application.opened",
        subject_type="application",
        subject_id=str(application.id),
        after={"kind": kind, "number": application.number},
    )
    return application


async def _reconsiderable(
    applications: ApplicationRepository, user_id: uuid.UUID, original_id: uuid.UUID | None
) -> Application:
    if original_id is None:
        raise field_error(
            "reconsideration_of",
            "missing",
            "Name the application whose result you contest",
            "请指定要复议的原申请",
        )
    original = await applications.own(original_id, user_id)
    if original is None:
        raise ApplicationNotFound()
    if State(original.state) not in DECIDED or original.kind == "reconsideration":
        raise NotReconsiderable()
    if await applications.reconsiderations_of(original.id):
        raise NotReconsiderable()
    return original


async def get_own(
    session: AsyncSession, application_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Application:
    applications = ApplicationRepository(session)
    found = await (
        applications.lock_own(application_id, user_id)
        if lock
        else applications.own(application_id, user_id)
    )
    if found is None:
        raise ApplicationNotFound()
    return found


def _editable(application: Application, action: str = "edit") -> None:
    if State(application.state) not in EDITABLE:
        raise TransitionNotAllowed(action, application.state)


def _validated(step: str, data: Mapping[str, Any], prefix: str = "data") -> dict[str, Any]:
    try:
        model = STEP_MODELS[step].model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(
            Text(f"Step '{step}' has invalid fields", f"步骤 {step} 中有字段不合格"),
            errors=[
                FieldError(
                    ".".join([prefix, *(str(part) for part in item["loc"])]),
                    item["type"],
                    Text(item["msg"], item["msg"]),
                )
                for item in error.errors()
            ],
        ) from None
    return model.model_dump(mode="json")


async def save_step(
    session: AsyncSession,
    audit: AuditLog,
    platform: PlatformSettings,
    application: Application,
    *,
    step: str,
    data: Mapping[str, Any],
    now: datetime,
) -> Application:
    """Validate and keep one step of a locked draft; the earlier steps must be saved."""
    _editable(application)
    spec = kind_spec(application.kind)
    order = spec.data_steps()
    if step not in order:
        raise field_error(
            "step",
            "unknown_step",
            f"A {application.kind} application has the steps {', '.join(order)}",
            f"该类申请的步骤为 {', '.join(order)}",
        )
    missing = [
        earlier for earlier in order[: order.index(step)] if earlier not in application.steps
    ]
    if missing:
        raise StepOutOfOrder(step, missing)
    value = _validated(step, data)
    if step == "face":
        await _face_step(platform, application, value["mode"])
    if step in ("degree", "qualification"):
        await _degree_step(session, spec, application, step, value)
    application.steps = {**application.steps, step: value}
    application.findings = await _findings(session, spec, application, now=now)
    application.updated_at = now
    try:
        await session.flush()
    except IntegrityError:
        # Two drafts saved the same degree at once: the unique index kept one.
        raise DuplicateDegree() from None
    await audit.record(
        session,
        actor=str(application.user_id),
        action="application.step_saved",
        subject_type="application",
        subject_id=str(application.id),
        after={"step": step},
    )
    return application


async def _face_step(platform: PlatformSettings, application: Application, mode: str) -> None:
    if mode == "skip":
        application.face_session_id = None
        application.entry_exit_records = None
        return
    face = await outside.latest_face_check(platform, application.user_id)
    application.face_session_id = face.session_id
    application.entry_exit_records = face.entry_exit_records


async def _degree_step(
    session: AsyncSession,
    spec: ApplicationKindSpec,
    application: Application,
    step: str,
    value: dict[str, Any],
) -> None:
    country = value.get("country", "CN")
    if spec.countries is not None and country not in spec.countries:
        allowed = ", ".join(sorted(spec.countries))
        raise field_error(
            "data.country",
            "country_not_allowed",
            f"A {spec.name} application certifies a degree from {allowed}",
            f"该类申请只认证以下地区的学历学位：{allowed}",
        )
    if spec.countries is None and country in ("CN", "HK", "MO", "TW"):
        raise field_error(
            "data.country",
            "country_not_allowed",
            "Degrees from China, Hong Kong, Macau and Taiwan have their own application kinds",
            "中国内地及港澳台的学历学位请选择相应的申请类型",
        )
    key = _degree_key(country, value, step)
    if await ApplicationRepository(session).open_for_degree(
        application.user_id, key, other_than=application.id
    ):
        raise DuplicateDegree()
    application.degree_key = key
    application.country = country


def _degree_key(country: str, value: Mapping[str, Any], step: str) -> str:
    awarded = value.get("awarded_on") or value.get("graduated_on")
    name = " ".join(str(value["institution_name"]).casefold().split())
    parts = [country, name, str(value["level"]), str(awarded)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


async def _findings(
    session: AsyncSession,
    spec: ApplicationKindSpec,
    application: Application,
    *,
    now: datetime,
) -> list[dict[str, Any]]:
    account = await verified_account(session, application.user_id)
    found = checks.run_checks(
        spec,
        application.steps,
        account=account,
        entry_exit_records=application.entry_exit_records,
        # "Not in the future" is judged on the service's clock, as a Beijing date.
        today=now.astimezone(BEIJING).date(),
    )
    return [finding.model_dump(mode="json") for finding in found]


async def submit(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    platform: PlatformSettings,
    application: Application,
    *,
    now: datetime,
    holder_name: str | None = None,
) -> Application:
    """Validate every step and material together, then either wait for the fees' payment or
    (free kinds) join the queue. Blocking findings and gaps are listed, field by field."""
    target("submit", application.state)
    spec = kind_spec(application.kind)
    errors: list[FieldError] = []
    for step in spec.data_steps():
        if step not in application.steps:
            errors.append(
                FieldError(
                    f"steps.{step}",
                    "missing",
                    Text(f"Step '{step}' is not saved yet", f"步骤 {step} 尚未填写"),
                )
            )
            continue
        try:
            _validated(step, application.steps[step], prefix=f"steps.{step}")
        except ValidationFailed as invalid:
            errors.extend(invalid.errors)
    for slot in await materials.missing_slots(session, application, spec):
        errors.append(
            FieldError(
                f"materials.{slot}",
                "missing",
                Text(f"Upload the required material '{slot}'", f"请上传必需材料 {slot}"),
            )
        )
    if not errors:
        application.findings = await _findings(session, spec, application, now=now)
        errors.extend(
            FieldError(
                finding["field"],
                finding["code"],
                Text(finding["message_en"], finding["message_zh"]),
            )
            for finding in application.findings
            if finding["severity"] == "blocking"
        )
    if errors:
        raise SubmissionBlocked(errors=errors)
    fees = spec.fees(application.steps)
    if not fees:
        estimate = await estimates.on_submit(session, application, now=now)
        await move(
            session,
            audit,
            outbox,
            application,
            "submit_free",
            actor=str(application.user_id),
            now=now,
            event_data={"estimated_completion": estimate},
        )
        return application
    orders = await _create_orders(
        session, platform, application, fees, holder_name=holder_name, now=now
    )
    await move(
        session,
        audit,
        outbox,
        application,
        "submit",
        actor=str(application.user_id),
        now=now,
        event_data={"order_ids": [order.order_id for order in orders]},
    )
    return application


async def _create_orders(
    session: AsyncSession,
    platform: PlatformSettings,
    application: Application,
    fees: tuple[str, ...],
    *,
    holder_name: str | None,
    now: datetime,
) -> list[ApplicationOrder]:
    """An order for each fee that has no live one (after an expiry, a fresh one)."""
    repository = OrderRepository(session)
    live = {
        o.purpose: o
        for o in await repository.of_application(application.id)
        if o.status != "expired"
    }
    for purpose in fees:
        if purpose in live:
            continue
        attempt = await repository.expired_count(application.id, purpose)
        created = await outside.create_order(
            platform,
            user_id=application.user_id,
            application_id=application.id,
            purpose=purpose,
            attempt=attempt,
            holder_name=holder_name,
        )
        existing = await repository.by_order_id(created.order_id)
        live[purpose] = existing or await repository.add(
            ApplicationOrder(
                application_id=application.id,
                purpose=purpose,
                order_id=created.order_id,
                amount_fen=created.amount_fen,
                created_at=now,
            )
        )
    return [live[purpose] for purpose in fees]


async def renew_orders(
    session: AsyncSession,
    platform: PlatformSettings,
    application: Application,
    *,
    now: datetime,
    holder_name: str | None = None,
) -> list[ApplicationOrder]:
    """Orders to pay an application awaiting payment with (new ones for expired ones)."""
    if State(application.state) is not State.AWAITING_PAYMENT:
        raise TransitionNotAllowed("pay", application.state)
    fees = kind_spec(application.kind).fees(application.steps)
    return await _create_orders(
        session, platform, application, fees, holder_name=holder_name, now=now
    )


async def withdraw(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    application: Application,
    *,
    reason: str,
    now: datetime,
) -> Application:
    """Withdraw before review; payment refunds what was paid (the withdrawn event)."""
    await move(
        session,
        audit,
        outbox,
        application,
        "withdraw",
        actor=str(application.user_id),
        now=now,
        reason=reason or "withdrawn by the applicant",
    )
    return application


async def order_paid(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    order_id: uuid.UUID,
    application_id: uuid.UUID,
    user_id: uuid.UUID,
    paid_at: datetime,
    now: datetime,
) -> None:
    """A fee was paid: once every fee is, the application joins the reviewers' queue."""
    application = await ApplicationRepository(session).lock(application_id)
    if application is None or application.user_id != user_id:
        return  # not ours (a forged reference cannot move someone else's application)
    orders = OrderRepository(session)
    order = await orders.by_order_id(order_id)
    if order is None or order.application_id != application.id or order.status == "paid":
        return
    order.status = "paid"
    order.paid_at = paid_at
    await session.flush()
    if State(application.state) is State.WITHDRAWN:
        # Paid after the withdrawal (through a proxy link still open): announce the
        # withdrawal again so payment refunds this order too (refunds are per order and key).
        await outbox.add(
            session,
            ApplicationWithdrawn(
                application_id=application.id,
                user_id=application.user_id,
                reason="paid after the application was withdrawn",
                kind=application.kind,  # type: ignore[arg-type]
                number=application.number,
                previous_state="withdrawn",
                occurred_at=now,
            ),
            subject=str(application.id),
        )
        return
    if State(application.state) is not State.AWAITING_PAYMENT:
        return
    fees = kind_spec(application.kind).fees(application.steps)
    paid = {o.purpose for o in await orders.of_application(application.id) if o.status == "paid"}
    if not set(fees) <= paid:
        return
    estimate = await estimates.on_submit(session, application, now=now)
    await move(
        session,
        audit,
        outbox,
        application,
        "paid",
        actor="payment",
        now=now,
        event_data={"estimated_completion": estimate},
    )


async def order_expired(
    session: AsyncSession,
    audit: AuditLog,
    *,
    order_id: uuid.UUID,
    application_id: uuid.UUID,
    user_id: uuid.UUID,
) -> None:
    """An unpaid order expired: the application stays awaiting payment, and paying it again
    creates a fresh order."""
    application = await ApplicationRepository(session).lock(application_id)
    if application is None or application.user_id != user_id:
        return
    order = await OrderRepository(session).by_order_id(order_id)
    if order is None or order.application_id != application.id or order.status != "created":
        return
    order.status = "expired"
    await session.flush()
    await audit.record(
        session,
        actor="payment",
        action="application.order_expired",
        subject_type="application",
        subject_id=str(application.id),
        after={"order_id": str(order_id), "purpose": order.purpose, "state": application.state},
    )


def known_kinds() -> list[str]:
    return list(KINDS)
