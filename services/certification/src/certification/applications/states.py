"""The one state machine of certification applications.

Every change of an application's state goes through `move`: it checks the transition is in
the table below (else 409 naming the current state), records it (a transition row and an
audit entry, who and why), stamps the times the queue and the estimates read, and writes
the `certification.application.<state>` event in the same transaction (the outbox).

    draft ──submit──> awaiting_payment ──paid──> submitted ──claim──> in_review
      │     (free kinds: draft ──submit──> submitted)                 │   │   │
      │                                                        return │   │   └─refuse─> refused
      └──withdraw──> withdrawn <──withdraw── awaiting_payment,        v   certify
                                              submitted            returned   v
                                                                      │    certified
                                                 resubmitted <─resubmit┘
                                                     └──claim──> in_review

A reconsideration is its own application (kind "reconsideration") linked to the first.
"""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from certification.applications.models import Application, ApplicationTransition
from certification.exceptions import TransitionNotAllowed
from educert_common.audit import AuditLog
from educert_common.events.catalogue import (
    ApplicationAwaitingPayment,
    ApplicationCertified,
    ApplicationInReview,
    ApplicationRefused,
    ApplicationResubmitted,
    ApplicationReturned,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    Event,
)
from educert_common.events.outbox import Outbox


class State(StrEnum):
    DRAFT = "draft"
    AWAITING_PAYMENT = "awaiting_payment"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    CERTIFIED = "certified"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


# action -> the states it leaves from -> the state it leads to
TRANSITIONS: dict[str, dict[State, State]] = {
    "submit": {State.DRAFT: State.AWAITING_PAYMENT},
    "submit_free": {State.DRAFT: State.SUBMITTED},
    "paid": {State.AWAITING_PAYMENT: State.SUBMITTED},
    "claim": {State.SUBMITTED: State.IN_REVIEW, State.RESUBMITTED: State.IN_REVIEW},
    "return": {State.IN_REVIEW: State.RETURNED},
    "resubmit": {State.RETURNED: State.RESUBMITTED},
    "certify": {State.IN_REVIEW: State.CERTIFIED},
    "refuse": {State.IN_REVIEW: State.REFUSED},
    "withdraw": {
        State.DRAFT: State.WITHDRAWN,
        State.AWAITING_PAYMENT: State.WITHDRAWN,
        State.SUBMITTED: State.WITHDRAWN,
    },
}

# Waiting for a reviewer (the queue), with the applicant, decided.
QUEUED = frozenset({State.SUBMITTED, State.RESUBMITTED})
OPEN = frozenset(
    {
        State.DRAFT,
        State.AWAITING_PAYMENT,
        State.SUBMITTED,
        State.IN_REVIEW,
        State.RETURNED,
        State.RESUBMITTED,
    }
)
DECIDED = frozenset({State.CERTIFIED, State.REFUSED})
FINAL = frozenset({State.CERTIFIED, State.REFUSED, State.WITHDRAWN})
# Steps and materials may change only while the applicant holds the pen.
EDITABLE = frozenset({State.DRAFT})

_EVENTS: dict[State, type[Event]] = {
    State.AWAITING_PAYMENT: ApplicationAwaitingPayment,
    State.SUBMITTED: ApplicationSubmitted,
    State.IN_REVIEW: ApplicationInReview,
    State.RETURNED: ApplicationReturned,
    State.RESUBMITTED: ApplicationResubmitted,
    State.CERTIFIED: ApplicationCertified,
    State.REFUSED: ApplicationRefused,
    State.WITHDRAWN: ApplicationWithdrawn,
}


def target(action: str, current: str) -> State:
    """The state `action` leads to from `current`, or 409 naming the current state."""
    try:
        return TRANSITIONS[action][State(current)]
    except KeyError:
        raise TransitionNotAllowed(action, current) from None


def allowed_actions(current: str) -> list[str]:
    """The actions the state machine allows from `current` (shown to clients)."""
    state = State(current)
    return [action for action, moves in TRANSITIONS.items() if state in moves]


async def move(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    application: Application,
    action: str,
    *,
    actor: str,
    now: datetime,
    reason: str = "",
    event_data: Mapping[str, Any] | None = None,
) -> State:
    """Carry `application` through `action`: check, record, stamp, audit and event it.

    The caller holds the application's row lock (repository `lock`), so two requests cannot
    both move it; `event_data` adds the fields the target state's event needs.
    """
    previous = State(application.state)
    to = target(action, previous)
    application.state = to.value
    application.updated_at = now
    _stamp(application, action, to, now)
    session.add(
        ApplicationTransition(
            application_id=application.id,
            from_state=previous.value,
            to_state=to.value,
            actor=actor,
            reason=reason,
            at=now,
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"application.{action}",
        subject_type="application",
        subject_id=str(application.id),
        before={"state": previous.value},
        after={"state": to.value, **({"reason": reason} if reason else {})},
    )
    data: dict[str, Any] = {
        "application_id": application.id,
        "user_id": application.user_id,
        "kind": application.kind,
        "number": application.number,
        "previous_state": previous.value,
        "occurred_at": now,
        **(event_data or {}),
    }
    if to is State.WITHDRAWN:
        data.setdefault("reason", reason or "withdrawn by the applicant")
    await outbox.add(session, _EVENTS[to](**data), subject=str(application.id))
    return to


def _stamp(application: Application, action: str, to: State, now: datetime) -> None:
    if to in QUEUED:
        application.queued_at = now
        application.claimed_by = None
        application.claimed_at = None
    if action == "paid":
        application.paid_at = now
    if action in ("submit", "submit_free"):
        application.submitted_at = now
    if to in DECIDED:
        application.decided_at = now
    if to is State.RETURNED:
        application.claimed_by = None
        application.claimed_at = None
    if to is State.WITHDRAWN:
        application.withdrawn_at = now
        application.claimed_by = None
        application.claimed_at = None
