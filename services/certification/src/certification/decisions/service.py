"""Deciding applications (certify, refuse) and keeping the managed list of refusal reasons.

Only the reviewer holding an in-review application decides it: another reviewer's claim is
409 `application_claimed` (naming the holder), an unclaimed one 409 `claim_required`; any
other state is the state machine's 409 `transition_not_allowed` naming the state. 409 rather
than 403: the caller has the role, and the answer changes once the claim does.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from certification.applications.models import Application
from certification.applications.states import State, move, target
from certification.certificates.models import Certificate
from certification.certificates.service import issue_certificate
from certification.decisions.models import ApplicationDecision, RefusalReason
from certification.decisions.repository import DecisionRepository, RefusalReasonRepository
from certification.reviews.exceptions import ClaimedByAnother, ClaimRequired, RefusalReasonExists
from educert_common.audit import AuditLog
from educert_common.errors import FieldError, NotFound, Text, ValidationFailed
from educert_common.events.outbox import Outbox


class RefusalReasonNotFound(NotFound):
    code = "refusal_reason_not_found"
    title = Text("No such refusal reason", "拒绝理由不存在")


def _decidable(application: Application, action: str, reviewer: str) -> None:
    target(action, application.state)  # 409 naming the state unless in review
    if application.claimed_by is None:
        raise ClaimRequired()
    if application.claimed_by != reviewer:
        raise ClaimedByAnother(application.claimed_by)


async def certify(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    application: Application,
    *,
    reviewer: str,
    comment: str,
    now: datetime,
) -> tuple[ApplicationDecision, Certificate]:
    """Certify a locked application the reviewer holds: issue its certificate, then move it
    (the certified event carries the certificate's id and number)."""
    _decidable(application, "certify", reviewer)
    certificate = await issue_certificate(session, audit, application, actor=reviewer, now=now)
    await move(
        session, audit, outbox, application, "certify", actor=reviewer, now=now, reason=comment,
        event_data={
            "certificate_id": certificate.id,
            "certificate_number": certificate.number,
        },
    )  # fmt: skip
    decision = await DecisionRepository(session).add(
        ApplicationDecision(
            application_id=application.id,
            outcome=State.CERTIFIED.value,
            reasons=[],
            comment=comment,
            certificate_id=certificate.id,
            decided_by=reviewer,
            decided_at=now,
        )
    )
    return decision, certificate


def event_reasons(reasons: Sequence[dict[str, str]], comment: str) -> list[str]:
    """The refused event's `reasons`: each chosen reason in both languages, then the free
    text as written (the notification shows them as they are)."""
    listed = [f"{reason['text_zh']} / {reason['text_en']}" for reason in reasons]
    return listed + ([comment] if comment else [])


async def refuse(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    application: Application,
    *,
    reviewer: str,
    codes: Sequence[str],
    comment: str,
    now: datetime,
) -> ApplicationDecision:
    """Refuse a locked application the reviewer holds, for reasons from the managed list
    (active ones) plus free text; the reasons are kept as they read now."""
    _decidable(application, "refuse", reviewer)
    unique = list(dict.fromkeys(codes))
    known = await RefusalReasonRepository(session).by_codes(unique)
    errors = [
        FieldError(
            f"reasons.{index}",
            "unknown_reason",
            Text(f"'{code}' is not an active refusal reason", f"{code} 不是可用的拒绝理由"),
        )
        for index, code in enumerate(unique)
        if code not in known or not known[code].active
    ]
    if errors:
        raise ValidationFailed(errors=errors)
    chosen = [
        {"code": code, "text_zh": known[code].text_zh, "text_en": known[code].text_en}
        for code in unique
    ]
    await move(
        session, audit, outbox, application, "refuse", actor=reviewer, now=now,
        # One reason per line: the refusal letter reads them from here.
        reason="\n".join(event_reasons(chosen, comment)),
        event_data={"reasons": event_reasons(chosen, comment)},
    )  # fmt: skip
    return await DecisionRepository(session).add(
        ApplicationDecision(
            application_id=application.id,
            outcome=State.REFUSED.value,
            reasons=chosen,
            comment=comment,
            decided_by=reviewer,
            decided_at=now,
        )
    )


async def reasons(session: AsyncSession, *, include_inactive: bool) -> Sequence[RefusalReason]:
    return await RefusalReasonRepository(session).listed(include_inactive=include_inactive)


async def _reason(session: AsyncSession, code: str) -> RefusalReason:
    found = await RefusalReasonRepository(session).get(code)
    if found is None:
        raise RefusalReasonNotFound()
    return found


async def add_reason(
    session: AsyncSession,
    audit: AuditLog,
    *,
    actor: str,
    code: str,
    text_zh: str,
    text_en: str,
    active: bool,
    now: datetime,
) -> RefusalReason:
    """Add a refusal reason to the managed list."""
    repository = RefusalReasonRepository(session)
    if await repository.get(code) is not None:
        raise RefusalReasonExists()
    reason = await repository.add(
        RefusalReason(
            code=code, text_zh=text_zh, text_en=text_en, active=active,
            created_at=now, updated_at=now,
        )
    )  # fmt: skip
    await audit.record(
        session, actor=actor, action="refusal_reason.added", subject_type="refusal_reason",
        subject_id=code, after={"text_zh": text_zh, "text_en": text_en, "active": active},
    )  # fmt: skip
    return reason


async def change_reason(
    session: AsyncSession,
    audit: AuditLog,
    *,
    actor: str,
    code: str,
    changes: dict[str, object],
    now: datetime,
) -> RefusalReason:
    """Change a reason's texts or (de)activate it; past decisions keep the texts they gave."""
    reason = await _reason(session, code)
    before = {field: getattr(reason, field) for field in changes}
    for field, value in changes.items():
        setattr(reason, field, value)
    reason.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=actor, action="refusal_reason.changed", subject_type="refusal_reason",
        subject_id=code, before=before, after=changes,
    )  # fmt: skip
    return reason


async def remove_reason(session: AsyncSession, audit: AuditLog, *, actor: str, code: str) -> None:
    """Remove a reason from the list (decisions that gave it keep its texts)."""
    reason = await _reason(session, code)
    await RefusalReasonRepository(session).delete(reason)
    await audit.record(
        session, actor=actor, action="refusal_reason.removed", subject_type="refusal_reason",
        subject_id=code, before={"text_zh": reason.text_zh, "text_en": reason.text_en},
    )  # fmt: skip
