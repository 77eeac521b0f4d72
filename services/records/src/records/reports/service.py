"""Ordering, issuing, extending and closing a student's online verification reports, and
revoking them when their record changes. Verifying them is `records.reports.verifying`."""

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.credentials.status_list import MIN_ENTRIES
from educert_common.events.catalogue import ReportClosed, ReportIssued
from educert_common.events.outbox import Outbox
from educert_common.http.pagination import Page, PageParams
from educert_common.verification.codes import new_code
from records.academic.models import RecordModel
from records.academic.rules import RecordKind
from records.archive.repository import ArchiveRepository
from records.crypto import Secrets
from records.exceptions import RecordNotFound, field_error
from records.institutions.repository import InstitutionRepository
from records.reports.exceptions import ReportNotFound, ReportNotOpen
from records.reports.models import Report, ReportPolicy
from records.reports.repository import (
    PolicyRepository,
    ReportRepository,
    VerificationRepository,
)
from records.reports.rules import Disclosure, snapshot_facts, state_at

# Random indexes tried before giving up (the list holds 131,072; a full one needs a new list).
INDEX_ATTEMPTS = 64
CLOSE_LINK_PURPOSE = b"records.report.close"


async def policy(session: AsyncSession) -> ReportPolicy:
    return await PolicyRepository(session).current()


async def update_policy(
    session: AsyncSession,
    audit: AuditLog,
    *,
    min_validity_days: int,
    max_validity_days: int,
    fee_required: bool,
    actor: str,
    now: datetime,
) -> ReportPolicy:
    """Set the validity range students choose from and whether reports cost a fee."""
    if max_validity_days < min_validity_days:
        raise field_error(
            "max_validity_days",
            "below_minimum",
            "The longest validity must not be shorter than the shortest",
            "最长有效期不能短于最短有效期",
        )
    current = await PolicyRepository(session).current(for_update=True)
    before = _policy_json(current)
    current.min_validity_days = min_validity_days
    current.max_validity_days = max_validity_days
    current.fee_required = fee_required
    current.updated_by = actor
    current.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="report_policy.updated",
        subject_type="report_policy",
        subject_id="1",
        before=before,
        after=_policy_json(current),
    )
    return current


def _policy_json(value: ReportPolicy) -> dict[str, Any]:
    return {
        "min_validity_days": value.min_validity_days,
        "max_validity_days": value.max_validity_days,
        "fee_required": value.fee_required,
    }


def _check_validity(days: int, rules: ReportPolicy, field: str = "validity_days") -> None:
    if not rules.min_validity_days <= days <= rules.max_validity_days:
        raise field_error(
            field,
            "out_of_range",
            f"Choose between {rules.min_validity_days} and {rules.max_validity_days} days",
            f"有效期须在 {rules.min_validity_days} 至 {rules.max_validity_days} 天之间",
        )


async def _free_index(reports: ReportRepository) -> int:
    """A random unused index of the status list (random, so neighbours say nothing)."""
    for _ in range(INDEX_ATTEMPTS):
        index = secrets.randbelow(MIN_ENTRIES)
        if not await reports.index_taken(index):
            return index
    raise RuntimeError("the report status list is nearly full; a second list is needed")


async def order_report(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    secrets_: Secrets,
    *,
    owner_id: uuid.UUID,
    kind: RecordKind,
    record_id: uuid.UUID,
    validity_days: int,
    disclosure: Disclosure,
    alert_on_verify: bool,
    now: datetime,
) -> Report:
    """Order a report of one of your own records: issued at once, or awaiting payment when
    operators set a fee (the caller then creates the payment order)."""
    record = await ArchiveRepository(session).record(kind, record_id, owner_id=owner_id)
    if record is None:
        raise RecordNotFound()
    rules = await policy(session)
    _check_validity(validity_days, rules)
    reports = ReportRepository(session)
    report = Report(
        code=new_code(),
        owner_id=owner_id,
        record_kind=kind.value,
        record_id=record.id,
        record_version=record.version,
        institution_id=record.institution_id,
        status="awaiting_payment" if rules.fee_required else "active",
        validity_days=validity_days,
        disclosure=disclosure.as_json(),
        facts=[],
        status_index=await _free_index(reports),
        alert_on_verify=alert_on_verify,
        created_at=now,
        updated_at=now,
    )
    await reports.add(report)
    await audit.record(
        session,
        actor=str(owner_id),
        action="report.ordered",
        subject_type="report",
        subject_id=str(report.id),
        after={
            "record": f"{kind.value}:{record.id}",
            "validity_days": validity_days,
            "disclosure": disclosure.as_json(),
            "fee_required": rules.fee_required,
        },
    )
    if not rules.fee_required:
        await issue(session, outbox, secrets_, report, record, now=now)
    return report


async def issue(
    session: AsyncSession,
    outbox: Outbox,
    secrets_: Secrets,
    report: Report,
    record: RecordModel,
    *,
    now: datetime,
) -> None:
    """Take the snapshot of the record's disclosed facts and start the validity."""
    kind = RecordKind(report.record_kind)
    disclosure = Disclosure.from_json(report.disclosure)
    institutions = await _institution_names(session, record, kind)
    report.facts = snapshot_facts(
        kind,
        record,
        disclosure,
        id_number_masked=secrets_.masked_id_number(record.id_number_encrypted),
        institution=institutions[0],
        awarding_institution=institutions[1],
    )
    report.photo_key = record.photo_key if disclosure.photo else None
    report.record_version = record.version
    report.status = "active"
    report.valid_from = now
    report.valid_until = now + timedelta(days=report.validity_days)
    report.issued_at = now
    report.updated_at = now
    await session.flush()
    await outbox.add(
        session,
        ReportIssued(
            report_id=report.id,
            user_id=report.owner_id,
            kind=kind.value,
            record_id=report.record_id,
            valid_from=now,
            valid_until=report.valid_until,
        ),
        subject=str(report.id),
    )


async def _institution_names(
    session: AsyncSession, record: RecordModel, kind: RecordKind
) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """The names of the record's institution (and a degree's awarding one) as of now."""
    institutions = InstitutionRepository(session)
    issuer = await institutions.get(record.institution_id)
    assert issuer is not None
    names = (issuer.name_zh, issuer.name_en)
    awarding = None
    awarding_id = getattr(record, "awarding_institution_id", None)
    if kind == RecordKind.DEGREE and awarding_id and awarding_id != record.institution_id:
        other = await institutions.get(awarding_id)
        awarding = (other.name_zh, other.name_en) if other else (awarding_id, awarding_id)
    return names, awarding


async def attach_order(
    session: AsyncSession, *, report_id: uuid.UUID, order_id: uuid.UUID
) -> Report:
    """Note the payment order created for a report awaiting payment."""
    report = await ReportRepository(session).for_update(report_id)
    if report is None:
        raise ReportNotFound()
    report.order_id = order_id
    await session.flush()
    return report


async def order_paid(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    secrets_: Secrets,
    *,
    report_id: uuid.UUID,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
) -> Report | None:
    """Issue a report whose order was paid (a second paid event changes nothing). If the
    record left the student's archive meanwhile, the report is revoked, not issued."""
    report = await ReportRepository(session).for_update(report_id)
    # Anyone may create an order naming a report; only its holder's pays for it.
    if report is None or report.status != "awaiting_payment" or report.owner_id != user_id:
        return report
    report.order_id = order_id
    record = await ArchiveRepository(session).record(
        RecordKind(report.record_kind), report.record_id, owner_id=report.owner_id
    )
    if record is None:
        report.status = "revoked"
        report.revoked_at = now
        report.revoked_reason = "record_unbound"
        await session.flush()
        await _announce_closed(
            session, audit, outbox, report, actor="system", reason="record_unbound", now=now
        )
        return report
    await issue(session, outbox, secrets_, report, record, now=now)
    return report


async def order_expired(
    session: AsyncSession,
    *,
    report_id: uuid.UUID,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
) -> None:
    """An unpaid report whose order expired is cancelled (its code never verified)."""
    report = await ReportRepository(session).for_update(report_id)
    if report is None or report.status != "awaiting_payment":
        return
    # Anyone may create an order naming a report: only the lapse of the holder's own counts.
    if report.owner_id != user_id or report.order_id not in (None, order_id):
        return
    report.status = "cancelled"
    report.updated_at = now
    await session.flush()


async def my_reports(
    session: AsyncSession, *, owner_id: uuid.UUID, params: PageParams
) -> Page[Any]:
    return await ReportRepository(session).page_of(owner_id, params)


async def my_report(session: AsyncSession, *, owner_id: uuid.UUID, report_id: uuid.UUID) -> Report:
    report = await ReportRepository(session).owned(report_id, owner_id)
    if report is None:
        raise ReportNotFound()
    return report


async def issued_report(
    session: AsyncSession, *, owner_id: uuid.UUID, report_id: uuid.UUID, now: datetime
) -> Report:
    """One of the account's reports that is valid now (documents are handed out only then:
    a closed, revoked or expired report's facts are no longer vouched for)."""
    report = await my_report(session, owner_id=owner_id, report_id=report_id)
    state = state_at(
        status=report.status, valid_from=report.valid_from, valid_until=report.valid_until, now=now
    )
    if state not in ("valid", "not_yet_valid"):
        raise ReportNotOpen(state)
    return report


async def verifications_of(
    session: AsyncSession, *, owner_id: uuid.UUID, report_id: uuid.UUID, params: PageParams
) -> Page[Any]:
    """Who looked at one of the account's reports, newest first."""
    await my_report(session, owner_id=owner_id, report_id=report_id)
    return await VerificationRepository(session).page_of(report_id, params)


async def extend(
    session: AsyncSession,
    audit: AuditLog,
    *,
    owner_id: uuid.UUID,
    report_id: uuid.UUID,
    days: int,
    now: datetime,
) -> Report:
    """Lengthen a valid report by `days`; it then runs at most the longest validity from now."""
    report = await ReportRepository(session).owned(report_id, owner_id, for_update=True)
    if report is None:
        raise ReportNotFound()
    state = state_at(
        status=report.status, valid_from=report.valid_from, valid_until=report.valid_until, now=now
    )
    if state != "valid" or report.valid_until is None:
        raise ReportNotOpen(state)
    rules = await policy(session)
    _check_validity(days, rules, "days")
    until = report.valid_until + timedelta(days=days)
    if until - now > timedelta(days=rules.max_validity_days):
        raise field_error(
            "days",
            "beyond_maximum",
            f"A report runs at most {rules.max_validity_days} days from today",
            f"报告有效期自今日起最长 {rules.max_validity_days} 天",
        )
    before = report.valid_until.isoformat()
    report.valid_until = until
    report.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=str(owner_id),
        action="report.extended",
        subject_type="report",
        subject_id=str(report.id),
        before={"valid_until": before},
        after={"valid_until": until.isoformat()},
    )
    return report


async def close(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    report: Report,
    actor: str,
    reason: str,
    now: datetime,
) -> Report:
    """Close a report before its time (its holder): it verifies as closed from now on."""
    state = state_at(
        status=report.status, valid_from=report.valid_from, valid_until=report.valid_until, now=now
    )
    if state == "closed":
        return report  # closing twice (an alert link used again) changes nothing
    if state not in ("valid", "not_yet_valid"):
        raise ReportNotOpen(state)
    report.status = "closed"
    report.closed_at = now
    report.updated_at = now
    await session.flush()
    await _announce_closed(session, audit, outbox, report, actor=actor, reason=reason, now=now)
    return report


async def close_mine(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    owner_id: uuid.UUID,
    report_id: uuid.UUID,
    now: datetime,
) -> Report:
    report = await ReportRepository(session).owned(report_id, owner_id, for_update=True)
    if report is None:
        raise ReportNotFound()
    return await close(
        session, audit, outbox, report=report, actor=str(owner_id), reason="holder", now=now
    )


def close_link_token(key: bytes, report_id: uuid.UUID) -> str:
    """The token of the one-step close link in a report's verification alerts."""
    mac = hmac.new(key, CLOSE_LINK_PURPOSE + report_id.bytes, hashlib.sha256).hexdigest()
    return f"{report_id.hex}.{mac[:32]}"


async def close_by_link(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    key: bytes,
    *,
    token: str,
    now: datetime,
) -> Report:
    """Close the report a verification alert's link names (the link is the credential)."""
    report_hex, _, _ = token.partition(".")
    try:
        report_id = uuid.UUID(hex=report_hex)
    except ValueError:
        raise ReportNotFound() from None
    if not hmac.compare_digest(close_link_token(key, report_id), token):
        raise ReportNotFound()
    report = await ReportRepository(session).for_update(report_id)
    if report is None:
        raise ReportNotFound()
    return await close(
        session, audit, outbox, report=report, actor=str(report.owner_id), reason="alert_link",
        now=now,
    )  # fmt: skip


async def revoke_reports_of(
    session: AsyncSession,
    audit: AuditLog | None,
    outbox: Outbox,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    reason: str,
    actor: str,
    now: datetime,
) -> int:
    """Revoke the open reports of a record whose facts changed or that left its archive:
    their snapshot no longer says what the institution says, for the account that holds it."""
    revoked = 0
    for report in await ReportRepository(session).open_of_record(kind.value, record_id):
        report.status = "revoked"
        report.revoked_at = now
        report.revoked_reason = reason
        report.updated_at = now
        revoked += 1
        await session.flush()
        await _announce_closed(session, audit, outbox, report, actor=actor, reason=reason, now=now)
    return revoked


async def revoke_changed_by_import(
    session: AsyncSession, outbox: Outbox, *, kind: RecordKind, merged_table: str, now: datetime
) -> int:
    """`revoke_reports_of` for every record an import changed, set-based (the import's own
    audit entry covers the change)."""
    revoked = await ReportRepository(session).revoke_changed_in_merge(kind.value, merged_table, now)
    await outbox.add_many(
        session,
        [
            (
                ReportClosed(
                    report_id=report_id, user_id=owner_id, kind=kind.value, closed_at=now,
                    reason="record_changed", revoked=True,
                ),
                str(report_id),
            )
            for report_id, owner_id in revoked
        ],
    )  # fmt: skip
    return len(revoked)


async def _announce_closed(
    session: AsyncSession,
    audit: AuditLog | None,
    outbox: Outbox,
    report: Report,
    *,
    actor: str,
    reason: str,
    now: datetime,
) -> None:
    revoked = report.status == "revoked"
    await outbox.add(
        session,
        ReportClosed(
            report_id=report.id,
            user_id=report.owner_id,
            kind=report.record_kind,
            closed_at=now,
            reason=reason,
            revoked=revoked,
        ),
        subject=str(report.id),
    )
    if audit is not None:
        await audit.record(
            session,
            actor=actor,
            action="report.revoked" if revoked else "report.closed",
            subject_type="report",
            subject_id=str(report.id),
            after={"status": report.status, "reason": reason},
        )
