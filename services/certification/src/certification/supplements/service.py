"""Supplementary materials: the reviewer holding an application's claim returns it with a
request of items (add a file to a slot, upload a file again, send paper by courier); the
applicant answers each (uploads through certification.materials record the item they
answer) and resubmits, which closes the request. Both moves go through the state machine."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from certification import estimates
from certification.applications.models import Application
from certification.applications.states import State, move, target
from certification.exceptions import TransitionNotAllowed, field_error
from certification.kinds import kind_spec
from certification.materials.exceptions import NoOpenSupplementItem
from certification.materials.repository import MaterialRepository, VersionRepository
from certification.materials.schemas import MaterialVersionOut
from certification.supplements import couriers
from certification.supplements.exceptions import (
    NotClaimant,
    SupplementItemNotFound,
    SupplementsUnanswered,
)
from certification.supplements.models import SupplementItem, SupplementRequest
from certification.supplements.repository import SupplementRepository
from certification.supplements.schemas import ItemIn, ItemOut, RequestOut
from educert_common.audit import AuditLog
from educert_common.errors import FieldError, Text, ValidationFailed
from educert_common.events.outbox import Outbox


async def request_supplements(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    application: Application,
    *,
    reviewer: str,
    items: Sequence[ItemIn],
    message: str,
    now: datetime,
) -> SupplementRequest:
    """Return the locked application to its applicant asking for `items`; only the reviewer
    holding its claim may. A decided or withdrawn application: 409 naming its state."""
    target("return", application.state)
    if application.claimed_by != reviewer:
        raise NotClaimant()
    await _check_items(session, application, items)
    repository = SupplementRepository(session)
    request = await repository.add(
        SupplementRequest(
            application_id=application.id,
            requested_by=reviewer,
            message=message,
            requested_at=now,
        )
    )
    for position, item in enumerate(items, start=1):
        await repository.add_item(
            SupplementItem(
                request_id=request.id,
                position=position,
                mode=item.mode,
                slot=item.slot,
                material_id=item.material_id,
                message=item.message,
            )
        )
    await move(
        session,
        audit,
        outbox,
        application,
        "return",
        actor=reviewer,
        now=now,
        reason=message or "supplementary materials requested",
        event_data={
            "request_id": request.id,
            "items": [
                {"mode": item.mode, "slot": item.slot, "message": item.message} for item in items
            ],
            "message": message,
        },
    )
    return request


async def _check_items(
    session: AsyncSession, application: Application, items: Sequence[ItemIn]
) -> None:
    """Every item names a slot of the kind; a re-upload names a current file of that slot;
    a file to add fits in its slot. All refusals at once, as items.<n>.<field>."""
    spec = kind_spec(application.kind)
    materials = MaterialRepository(session)
    errors: list[FieldError] = []
    added: dict[str, int] = defaultdict(int)
    for index, item in enumerate(items):
        at = f"items.{index}"
        slot = spec.slot(item.slot)
        if slot is None:
            names = ", ".join(s.name for s in spec.slots)
            errors.append(
                FieldError(
                    f"{at}.slot",
                    "unknown_slot",
                    Text(
                        f"'{item.slot}' is not a slot of this application ({names})",
                        f"“{item.slot}”不是该申请的材料项（{names}）",
                    ),
                )
            )
            continue
        if item.mode == "reupload_file":
            material = (
                await materials.in_application(item.material_id, application.id)
                if item.material_id is not None
                else None
            )
            if material is None or material.removed_at is not None or material.slot != slot.name:
                errors.append(
                    FieldError(
                        f"{at}.material_id",
                        "not_a_material_of_slot",
                        Text(
                            f"A re-upload names a current file of slot '{slot.name}'",
                            f"重新上传须指定材料项“{slot.name}”中的现有文件",
                        ),
                    )
                )
            continue
        if item.material_id is not None:
            errors.append(
                FieldError(
                    f"{at}.material_id",
                    "not_allowed",
                    Text("Only a re-upload names a file", "只有重新上传需要指定文件"),
                )
            )
            continue
        if item.mode == "add_file":
            added[slot.name] += 1
            held = await materials.count_in_slot(application.id, slot.name)
            if held + added[slot.name] > slot.max_files:
                errors.append(
                    FieldError(
                        f"{at}.slot",
                        "slot_full",
                        Text(
                            f"Slot '{slot.name}' holds at most {slot.max_files} files: ask for "
                            "a re-upload instead",
                            f"材料项“{slot.name}”最多 {slot.max_files} 个文件，请改为要求重新上传",
                        ),
                    )
                )
    if errors:
        raise ValidationFailed(errors=errors)


async def answering_item(
    session: AsyncSession,
    application: Application,
    *,
    slot: str,
    material_id: uuid.UUID | None,
    item_id: uuid.UUID | None,
) -> SupplementItem:
    """The open request's item an upload to `slot` answers: `item_id`, or the one item that
    asks for a file in `slot` (a re-upload of `material_id` first); 409 if none does."""
    repository = SupplementRepository(session)
    request = await repository.open_for(application.id)
    if request is None:
        raise NoOpenSupplementItem(slot)
    candidates = [
        item
        for item in await repository.items_of([request.id])
        if item.mode != "paper" and item.slot == slot
    ]
    if item_id is not None:
        chosen = next((item for item in candidates if item.id == item_id), None)
        if chosen is None:
            raise NoOpenSupplementItem(slot)
        return chosen
    if material_id is not None:
        reupload = [
            i for i in candidates if i.mode == "reupload_file" and i.material_id == material_id
        ]
        if reupload:
            return reupload[0]
        candidates = [i for i in candidates if i.mode == "add_file"]
    else:
        candidates = [i for i in candidates if i.mode == "add_file"] or [
            i for i in candidates if i.mode == "reupload_file"
        ]
    if not candidates:
        raise NoOpenSupplementItem(slot)
    # An unanswered item first: answers fill the request in order.
    return next((i for i in candidates if i.answered_at is None), candidates[0])


async def answer_paper(
    session: AsyncSession,
    audit: AuditLog,
    application: Application,
    item_id: uuid.UUID,
    *,
    courier_company: str,
    tracking_number: str,
    now: datetime,
) -> SupplementItem:
    """Answer a paper item of the open request with the courier and its tracking number
    (given again, it replaces the earlier answer until the application is resubmitted)."""
    if State(application.state) is not State.RETURNED:
        raise TransitionNotAllowed("answer a supplement request", application.state)
    repository = SupplementRepository(session)
    request = await repository.open_for(application.id)
    item = await repository.item_in(item_id, request.id) if request is not None else None
    if item is None:
        raise SupplementItemNotFound()
    if item.mode != "paper":
        raise field_error(
            "item_id",
            "not_a_paper_item",
            f"Item {item.position} asks for an upload to '{item.slot}', not paper",
            f"第 {item.position} 项要求上传文件到“{item.slot}”，不是邮寄纸质材料",
        )
    courier = couriers.COURIERS.get(courier_company.lower())
    if courier is None:
        known = ", ".join(couriers.COURIERS)
        raise field_error(
            "courier_company",
            "unknown_courier",
            f"'{courier_company}' is not one of: {known}",
            f"“{courier_company}”不在可选快递公司之列：{known}",
        )
    if not couriers.is_valid(courier, tracking_number):
        raise field_error(
            "tracking_number",
            "tracking_number_format",
            f"Not a {courier.name.en} tracking number (like {courier.example})",
            f"不是有效的{courier.name.zh}运单号（例如 {courier.example}）",
        )
    item.courier_company = courier.code
    item.tracking_number = couriers.normalised(tracking_number)
    item.answered_at = item.answered_at or now
    application.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=str(application.user_id),
        action="supplement.paper_sent",
        subject_type="application",
        subject_id=str(application.id),
        after={
            "request_id": str(request.id),  # type: ignore[union-attr]
            "item": item.position,
            "courier_company": item.courier_company,
            "tracking_number": item.tracking_number,
        },
    )
    return item


async def resubmit(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    application: Application,
    *,
    now: datetime,
) -> SupplementRequest:
    """Resubmit the locked returned application once every item of its request is answered;
    the request closes and the application rejoins the reviewers' queue with a fresh SLA day
    (`due_on`) and estimate, as on its first submission."""
    target("resubmit", application.state)
    request = await SupplementRepository(session).open_for(application.id)
    if request is None:  # returned without a request: nothing to answer (not made today)
        raise TransitionNotAllowed("resubmit", application.state)
    items = await SupplementRepository(session).items_of([request.id])
    unanswered = [item for item in items if item.answered_at is None]
    if unanswered:
        raise SupplementsUnanswered(
            [
                FieldError(
                    f"items.{item.position}",
                    "unanswered",
                    Text(
                        f"Item {item.position} ({item.mode.replace('_', ' ')} '{item.slot}') is "
                        "not answered",
                        f"第 {item.position} 项（{item.slot}）尚未答复",
                    ),
                )
                for item in unanswered
            ]
        )
    request.resubmitted_at = now
    await session.flush()
    estimate = await estimates.on_submit(session, application, now=now)
    await move(
        session,
        audit,
        outbox,
        application,
        "resubmit",
        actor=str(application.user_id),
        now=now,
        reason=f"supplement request {request.id} answered",
        event_data={"estimated_completion": estimate},
    )
    return request


async def open_items(session: AsyncSession, application: Application) -> Sequence[SupplementItem]:
    """The items of the request the applicant is answering now, in order (none once
    resubmitted, or when the application was never returned)."""
    repository = SupplementRepository(session)
    request = await repository.open_for(application.id)
    if request is None:
        return []
    return await repository.items_of([request.id])


async def requests_of(
    session: AsyncSession, application: Application, *, for_applicant: bool
) -> list[RequestOut]:
    """Every supplement request of the application, newest first, with items and answers."""
    repository = SupplementRepository(session)
    requests = await repository.of_application(application.id)
    items = await repository.items_of([r.id for r in requests])
    uploads = await VersionRepository(session).answering([i.id for i in items])
    by_item: dict[uuid.UUID | None, list[MaterialVersionOut]] = defaultdict(list)
    for version in uploads:
        by_item[version.supplement_item_id].append(
            MaterialVersionOut.of(version, application.user_id)
        )
    by_request: dict[uuid.UUID, list[ItemOut]] = defaultdict(list)
    for item in items:
        by_request[item.request_id].append(
            ItemOut(
                id=item.id,
                position=item.position,
                mode=item.mode,  # type: ignore[arg-type]
                slot=item.slot,
                material_id=item.material_id,
                message=item.message,
                answered=item.answered_at is not None,
                answered_at=item.answered_at,
                courier_company=item.courier_company,
                tracking_number=item.tracking_number,
                uploads=by_item[item.id],
            )
        )
    return [
        RequestOut(
            id=request.id,
            application_id=application.id,
            message=request.message,
            requested_at=request.requested_at,
            requested_by="reviewer" if for_applicant else request.requested_by,
            open=request.resubmitted_at is None,
            resubmitted_at=request.resubmitted_at,
            items=by_request[request.id],
        )
        for request in requests
    ]
