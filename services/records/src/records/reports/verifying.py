"""Verifying reports by code, for anyone: one answer (valid, not yet valid, expired, closed,
revoked, unknown) whatever the channel, every look logged for the report's holder, alerts
for holders who asked, and a per-address budget of codes that match nothing."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.catalogue import ReportVerified
from educert_common.events.outbox import Outbox
from educert_common.http.client_ip import address_key
from educert_common.limits import retry_after
from educert_common.masking import mask_ip_address
from educert_common.verification.answer import Fact, Issuer, VerificationAnswer
from educert_common.verification.codes import display_code, normalise_code
from records.academic.rules import RecordKind
from records.base import limits
from records.institutions.models import Institution
from records.reports.exceptions import VerificationLookupsExceeded
from records.reports.models import Report
from records.reports.repository import ReportRepository, VerificationRepository
from records.reports.rules import TITLES, state_at

Channel = Literal["page", "api", "bulk"]
MISS_KIND = "report_code_miss"
MISS_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Verifier:
    """Who is looking: the channel, the client address, the partner organisation if any."""

    channel: Channel
    client: str
    partner: str | None = None


@dataclass(frozen=True)
class Looked:
    answer: VerificationAnswer
    report: Report | None


def _issuer(institution: Institution, successor: Institution | None) -> Issuer:
    status = (
        institution.status if institution.status in ("active", "merged", "closed") else "unknown"
    )
    return Issuer(
        institution_id=institution.id,
        name_zh=institution.name_zh,
        name_en=institution.name_en,
        registry_status=status,
        successor_name_zh=successor.name_zh if successor else None,
        successor_name_en=successor.name_en if successor else None,
    )


REVOCATION_REASONS = {
    "record_changed": (
        "学籍学历信息已更正，本报告随之撤销",
        "The record was corrected; this report was revoked",
    ),
    "record_unbound": (
        "该记录已不属于报告持有人",
        "The record no longer belongs to the report's holder",
    ),
    "operator": ("平台撤销", "Revoked by the platform"),
}


def answer_for(
    report: Report, institution: Institution, successor: Institution | None, now: datetime
) -> VerificationAnswer:
    """What anyone holding the report's code is told about it at `now`."""
    state = state_at(
        status=report.status, valid_from=report.valid_from, valid_until=report.valid_until, now=now
    )
    if state == "unknown":
        return unknown_answer(report.code, now)
    document_type, title_zh, title_en = TITLES[RecordKind(report.record_kind)]
    since = {
        "closed": report.closed_at,
        "revoked": report.revoked_at,
        "expired": report.valid_until,
    }.get(state)
    reason = REVOCATION_REASONS.get(report.revoked_reason or "") if state == "revoked" else None
    # Closed, revoked and expired reports say so and who issued them, but no longer show the
    # holder's facts: the holder withdrew them, or they are no longer true.
    facts = (
        [
            Fact(
                key=line["key"],
                label_zh=line["label_zh"],
                label_en=line["label_en"],
                value=line["value_zh"],
                value_en=line["value_en"] if line["value_en"] != line["value_zh"] else None,
            )
            for line in report.facts
        ]
        if state == "valid"
        else []
    )
    return VerificationAnswer(
        state=state,
        code=display_code(report.code),
        document_type=document_type,
        title_zh=title_zh,
        title_en=title_en,
        facts=facts,
        issuer=_issuer(institution, successor),
        valid_from=report.valid_from,
        valid_until=report.valid_until,
        state_since=since,
        reason_zh=reason[0] if reason else None,
        reason_en=reason[1] if reason else None,
        checked_at=now,
    )


def unknown_answer(code: str | None, now: datetime) -> VerificationAnswer:
    """The answer for a code that names no report (`None`: the text was not a code)."""
    return VerificationAnswer(
        state="unknown", code=display_code(code) if code else "", checked_at=now
    )


async def _check_budget(session: AsyncSession, client: str, limit: int, now: datetime) -> None:
    """Refuse an address that already tried `limit` codes matching nothing this hour."""
    count, oldest = await limits.counted_since(
        session, kind=MISS_KIND, key=address_key(client), since=now - MISS_WINDOW
    )
    if count >= limit:
        wait = retry_after(oldest, MISS_WINDOW, now)
        raise VerificationLookupsExceeded(headers={"Retry-After": str(wait)})


async def look_up(
    session: AsyncSession,
    outbox: Outbox,
    close_link: "CloseLinks",
    *,
    code: str,
    verifier: Verifier,
    miss_limit: int,
    now: datetime,
) -> Looked:
    """Answer one code: log the look for its holder (and alert them if they asked); count a
    miss against the client address."""
    await _check_budget(session, verifier.client, miss_limit, now)
    normalised = normalise_code(code)
    found = await ReportRepository(session).by_code_with_issuer(normalised) if normalised else None
    if found is None or found[0].status in ("awaiting_payment", "cancelled"):
        await limits.count(session, kind=MISS_KIND, key=address_key(verifier.client), now=now)
        return Looked(unknown_answer(normalised, now), None)
    report, institution, successor = found
    answer = answer_for(report, institution, successor, now)
    await record_looks(session, outbox, close_link, [(report, answer)], verifier, now)
    return Looked(answer, report)


class CloseLinks:
    """Builds the one-step close links that verification alerts carry."""

    def __init__(self, public_base_url: str, token_of: Callable[[uuid.UUID], str]) -> None:
        self.base = public_base_url.rstrip("/")
        self.token_of = token_of

    def __call__(self, report_id: uuid.UUID) -> str:
        return f"{self.base}/api/v1/records/reports/close-links/{self.token_of(report_id)}"


async def record_looks(
    session: AsyncSession,
    outbox: Outbox,
    close_link: CloseLinks,
    looks: list[tuple[Report, VerificationAnswer]],
    verifier: Verifier,
    now: datetime,
) -> None:
    """Log each look for the report's holder; alert holders who asked to be told."""
    masked = mask_ip_address(verifier.client)
    await VerificationRepository(session).add_many(
        [
            {
                "id": uuid.uuid4(),
                "report_id": report.id,
                "verified_at": now,
                "channel": verifier.channel,
                "partner": verifier.partner,
                "client_masked": masked,
                "state": answer.state,
            }
            for report, answer in looks
        ]
    )
    alerts = [
        ReportVerified(
            report_id=report.id,
            user_id=report.owner_id,
            kind=report.record_kind,
            verified_at=now,
            channel=verifier.channel,
            state=answer.state,
            partner=verifier.partner,
            close_link=close_link(report.id),
        )
        for report, answer in looks
        if report.alert_on_verify and answer.state in ("valid", "not_yet_valid")
    ]
    if alerts:
        await outbox.add_many(session, [(alert, str(alert.report_id)) for alert in alerts])


async def look_up_many(
    session: AsyncSession,
    outbox: Outbox,
    close_link: CloseLinks,
    *,
    codes: list[str],
    verifier: Verifier,
    now: datetime,
) -> list[VerificationAnswer]:
    """Answer a partner's batch of codes, in the order given (one query for all)."""
    normalised = [normalise_code(code) for code in codes]
    wanted = sorted({code for code in normalised if code})
    found = {
        report.code: (report, institution, successor)
        for report, institution, successor in await ReportRepository(session).by_codes(wanted)
    }
    answers: list[VerificationAnswer] = []
    looks: list[tuple[Report, VerificationAnswer]] = []
    for code in normalised:
        hit = found.get(code) if code else None
        if hit is None or hit[0].status in ("awaiting_payment", "cancelled"):
            answers.append(unknown_answer(code, now))
            continue
        report, institution, successor = hit
        answer = answer_for(report, institution, successor, now)
        answers.append(answer)
        looks.append((report, answer))
    await record_looks(session, outbox, close_link, looks, verifier, now)
    return answers
