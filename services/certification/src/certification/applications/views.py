"""How an application is shown to its applicant: steps, findings, orders, history, what is
asked of them, and the estimate."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from certification import estimates
from certification.applications.models import Application
from certification.applications.repository import OrderRepository, TransitionRepository
from certification.applications.schemas import (
    ApplicationOrderOut,
    ApplicationOut,
    ApplicationSummary,
    AskedOut,
    FindingOut,
    TransitionOut,
)
from certification.applications.states import State, allowed_actions
from certification.kinds import ApplicationKindSpec, kind_spec
from certification.supplements import service as supplements
from certification.supplements.models import SupplementItem

APPLICANT_ACTIONS = {
    "submit": "submit",
    "submit_free": "submit",
    "resubmit": "resubmit",
    "withdraw": "withdraw",
}


def summary(application: Application) -> ApplicationSummary:
    return ApplicationSummary(
        id=application.id,
        number=application.number,
        kind=application.kind,  # type: ignore[arg-type]
        state=application.state,  # type: ignore[arg-type]
        country=application.country,
        created_at=application.created_at,
        submitted_at=application.submitted_at,
        decided_at=application.decided_at,
    )


def _by(actor: str, application: Application) -> str:
    if actor == str(application.user_id):
        return "applicant"
    if actor in ("payment", "system"):
        return actor
    return "reviewer"


# What a supplement item asks, by its mode: (en, zh) with the slot's label and the item's number.
_ASKS = {
    "add_file": ("Item {n}: add a file to '{en}'", "第 {n} 项：在“{zh}”中补充文件"),
    "reupload_file": ("Item {n}: upload '{en}' again", "第 {n} 项：重新上传“{zh}”"),
    "paper": (
        "Item {n}: send the original of '{en}' by courier and give its tracking number",
        "第 {n} 项：邮寄“{zh}”原件并填写快递单号",
    ),
}


def _item_asked(spec: ApplicationKindSpec, item: SupplementItem) -> AskedOut:
    slot = spec.slot(item.slot)
    en, zh = _ASKS[item.mode]
    label_en, label_zh = (slot.label_en, slot.label_zh) if slot else (item.slot, item.slot)
    return AskedOut(
        en=f"{en.format(n=item.position, en=label_en)}: {item.message}",
        zh=f"{zh.format(n=item.position, zh=label_zh)}：{item.message}",
        item_id=item.id,
        mode=item.mode,  # type: ignore[arg-type]
        slot=item.slot,
        message=item.message,
    )


def ready_to_resubmit(items: Sequence[SupplementItem]) -> bool:
    """A returned application may be resubmitted once its open request's items are answered."""
    return bool(items) and all(item.answered_at is not None for item in items)


def _asked(application: Application, items: Sequence[SupplementItem]) -> list[AskedOut]:
    state = State(application.state)
    spec = kind_spec(application.kind)
    if state is State.DRAFT:
        missing = [step for step in spec.data_steps() if step not in application.steps]
        if missing:
            return [AskedOut(en=f"Fill in step '{missing[0]}'", zh=f"请填写步骤 {missing[0]}")]
        return [AskedOut(en="Upload the materials and submit", zh="请上传材料并提交申请")]
    if state is State.AWAITING_PAYMENT:
        return [
            AskedOut(
                en="Pay the fee (or share the proxy-pay link)",
                zh="请支付费用（或分享代付链接）",
            )
        ]
    if state is State.RETURNED:
        # Each item of the open request still unanswered; once all are, the resubmission.
        unanswered = [_item_asked(spec, item) for item in items if item.answered_at is None]
        if unanswered:
            return unanswered
        if ready_to_resubmit(items):
            return [AskedOut(en="Resubmit the application", zh="请重新提交申请")]
        return [
            AskedOut(en="Supply the materials the reviewer asked for", zh="请按审核意见补交材料")
        ]
    return []


def _applicant_actions(application: Application, items: Sequence[SupplementItem]) -> list[str]:
    """What the applicant may do now: the state machine's moves, resubmit only once every
    supplement item is answered (before that the route answers 409)."""
    actions = [
        APPLICANT_ACTIONS[action]
        for action in allowed_actions(application.state)
        if action in APPLICANT_ACTIONS and (action != "resubmit" or ready_to_resubmit(items))
    ]
    return list(dict.fromkeys(actions))


async def detail(
    session: AsyncSession, application: Application, *, now: datetime
) -> ApplicationOut:
    spec = kind_spec(application.kind)
    saved = [step for step in spec.data_steps() if step in application.steps]
    missing = [step for step in spec.data_steps() if step not in application.steps]
    orders = await OrderRepository(session).of_application(application.id)
    history = await TransitionRepository(session).of_application(application.id)
    estimate: Any = await estimates.for_applicant(session, application, now=now)
    items = (
        await supplements.open_items(session, application)
        if State(application.state) is State.RETURNED
        else []
    )
    return ApplicationOut(
        **summary(application).model_dump(),
        reconsideration_of=application.reconsideration_of,
        steps=application.steps,
        saved_steps=saved,
        next_step=missing[0] if missing else None,
        face_verified=application.face_session_id is not None,
        entry_exit_records=application.entry_exit_records,
        findings=[FindingOut.model_validate(finding) for finding in application.findings],
        orders=[ApplicationOrderOut.model_validate(order) for order in orders],
        allowed_actions=_applicant_actions(application, items),
        estimate=estimate,
        asked_of_you=_asked(application, items),
        history=[
            TransitionOut(
                from_state=row.from_state,  # type: ignore[arg-type]
                to_state=row.to_state,  # type: ignore[arg-type]
                at=row.at,
                by=_by(row.actor, application),
                reason=row.reason,
            )
            for row in history
        ],
    )
