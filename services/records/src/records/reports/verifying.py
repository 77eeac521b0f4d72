"""Verifying reports by code, for anyone: one answer (valid, not yet valid, expired, closed,
revoked, unknown) whatever the channel, every look logged for the report's holder, alerts
for holders who asked, and a per-address budget of codes that match nothing."""

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import Database
from educert_common.events.catalogue import ReportVerified
from educert_common.events.outbox import Outbox
from educert_common.masking import mask_ip_address
from educert_common.verification.answer import VerificationAnswer
from educert_common.verification.codes import display_code, normalise_code
from educert_common.verification.log_writer import LogWriter
from educert_common.verification.public import MissBudget
from records.academic.rules import RecordKind
from records.base import limits
from records.institutions.models import Institution
from records.reports.models import Report
from records.reports.repository import ReportRepository, VerificationRepository, VerifyLookups
from records.reports.rules import TITLES, state_at

Channel = Literal["page", "api", "bulk"]
MISS_KIND = "report_code_miss"


@dataclass(frozen=True)
class Verifier:
    """Who is looking: the channel, the client address, the partner organisation if any."""

    channel: Channel
    client: str
    partner: str | None = None


@dataclass(frozen=True, slots=True)
class Found:
    """What a verification reads of a report, its institution and that one's successor."""

    id: uuid.UUID
    code: str
    owner_id: uuid.UUID
    record_kind: str
    status: str
    valid_from: datetime | None
    valid_until: datetime | None
    facts: list[dict[str, str]]
    photo_key: str | None
    alert_on_verify: bool
    closed_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    institution_id: str
    institution_name_zh: str
    institution_name_en: str
    institution_status: str
    successor_name_zh: str | None
    successor_name_en: str | None

    @classmethod
    def of(cls, report: Report, institution: Institution, successor: Institution | None) -> "Found":
        return cls(
            report.id, report.code, report.owner_id, report.record_kind, report.status,
            report.valid_from, report.valid_until, report.facts, report.photo_key,
            report.alert_on_verify, report.closed_at, report.revoked_at, report.revoked_reason,
            institution.id, institution.name_zh, institution.name_en, institution.status,
            successor.name_zh if successor else None, successor.name_en if successor else None,
        )  # fmt: skip

    @classmethod
    def of_row(cls, row: Any) -> "Found":
        """From the row of `VerifyLookups.by_code_with_misses` (a report was found)."""
        return cls(
            row["id"], row["code"], row["owner_id"], row["record_kind"], row["status"],
            row["valid_from"], row["valid_until"], json.loads(row["facts"]), row["photo_key"],
            row["alert_on_verify"], row["closed_at"], row["revoked_at"], row["revoked_reason"],
            row["institution_id"], row["name_zh"], row["name_en"], row["institution_status"],
            row["successor_name_zh"], row["successor_name_en"],
        )  # fmt: skip


@dataclass(frozen=True)
class Looked:
    # The answer as VerificationAnswer's fields, in its order (`VerificationAnswer(**answer)`
    # is the model; `pydantic_core.to_json(answer)` is the body the JSON route sends).
    answer: dict[str, Any]
    report: Found | None

    @property
    def state(self) -> str:
        return str(self.answer["state"])


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
_REGISTRY_STATUSES = frozenset(("active", "merged", "closed"))


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def answer_document(found: Found, now: datetime) -> dict[str, Any]:
    """What anyone holding the report's code is told about it at `now`, as the fields of
    `VerificationAnswer` in its order (built without the model: the JSON route sends it as
    is, and the tests hold it to the model's output byte for byte)."""
    state = state_at(
        status=found.status, valid_from=found.valid_from, valid_until=found.valid_until, now=now
    )
    if state == "unknown":
        return unknown_document(found.code, now)
    document_type, title_zh, title_en = TITLES[RecordKind(found.record_kind)]
    since = {
        "closed": found.closed_at,
        "revoked": found.revoked_at,
        "expired": found.valid_until,
    }.get(state)
    reason = REVOCATION_REASONS.get(found.revoked_reason or "") if state == "revoked" else None
    # Closed, revoked and expired reports say so and who issued them, but no longer show the
    # holder's facts: the holder withdrew them, or they are no longer true.
    facts = (
        [
            {
                "key": line["key"],
                "label_zh": line["label_zh"],
                "label_en": line["label_en"],
                "value": line["value_zh"],
                "value_en": line["value_en"] if line["value_en"] != line["value_zh"] else None,
            }
            for line in found.facts
        ]
        if state == "valid"
        else []
    )
    status = found.institution_status
    return {
        "state": state,
        "code": display_code(found.code),
        "document_type": document_type,
        "title_zh": title_zh,
        "title_en": title_en,
        "facts": facts,
        "issuer": {
            "institution_id": found.institution_id,
            "name_zh": found.institution_name_zh,
            "name_en": found.institution_name_en,
            "registry_status": status if status in _REGISTRY_STATUSES else "unknown",
            "successor_name_zh": found.successor_name_zh,
            "successor_name_en": found.successor_name_en,
        },
        "valid_from": _utc(found.valid_from),
        "valid_until": _utc(found.valid_until),
        "state_since": _utc(since),
        "reason_zh": reason[0] if reason else None,
        "reason_en": reason[1] if reason else None,
        "checked_at": _utc(now),
    }


def unknown_document(code: str | None, now: datetime) -> dict[str, Any]:
    """The answer for a code that names no report (`None`: the text was not a code)."""
    return {
        "state": "unknown",
        "code": display_code(code) if code else "",
        "document_type": None,
        "title_zh": None,
        "title_en": None,
        "facts": [],
        "issuer": None,
        "valid_from": None,
        "valid_until": None,
        "state_since": None,
        "reason_zh": None,
        "reason_en": None,
        "checked_at": _utc(now),
    }


def answer_for(
    report: Report, institution: Institution, successor: Institution | None, now: datetime
) -> VerificationAnswer:
    """What anyone holding the report's code is told about it at `now` (the model)."""
    return VerificationAnswer(**answer_document(Found.of(report, institution, successor), now))


def unknown_answer(code: str | None, now: datetime) -> VerificationAnswer:
    """The answer for a code that names no report (`None`: the text was not a code)."""
    return VerificationAnswer(**unknown_document(code, now))


@dataclass(frozen=True, slots=True)
class Look:
    """One verification for the holder's log, and their alert if they asked for one."""

    row: dict[str, Any]
    alert: ReportVerified | None


def look_of(
    found: Found, state: str, verifier: Verifier, close_link: "CloseLinks", now: datetime
) -> Look:
    row = {
        "id": uuid.uuid4(),
        "report_id": found.id,
        "verified_at": now,
        "channel": verifier.channel,
        "partner": verifier.partner,
        "client_masked": mask_ip_address(verifier.client),
        "state": state,
    }
    alert = None
    if found.alert_on_verify and state in ("valid", "not_yet_valid"):
        alert = ReportVerified(
            report_id=found.id,
            user_id=found.owner_id,
            kind=found.record_kind,  # type: ignore[arg-type]
            verified_at=now,
            channel=verifier.channel,
            state=state,  # type: ignore[arg-type]
            partner=verifier.partner,
            close_link=close_link(found.id),
        )
    return Look(row, alert)


async def write_looks(session: AsyncSession, outbox: Outbox, looks: Sequence[Look]) -> None:
    """Log the looks and queue their alerts, in the caller's transaction (one statement each)."""
    await VerificationRepository(session).add_many([look.row for look in looks])
    alerts = [look.alert for look in looks if look.alert is not None]
    if alerts:
        await outbox.add_many(session, [(alert, str(alert.report_id)) for alert in alerts])


VerificationLog = LogWriter[Look]


@dataclass(frozen=True)
class Verifications:
    """The process's parts of verification by code: the log writer (lookups wait for one of
    the pool's connections in `Database.raw`)."""

    log: VerificationLog


def miss_budget(limit: int) -> MissBudget:
    """The per-address budget of codes matching nothing (records' `rate_events`)."""
    return MissBudget(limits, MISS_KIND, limit)


def verification_log(outbox: Outbox) -> VerificationLog:
    """The process's writer of the verification log (see `log_writer` for the trade-off)."""

    async def write(session: AsyncSession, looks: Sequence[Look]) -> None:
        await write_looks(session, outbox, looks)

    return LogWriter(write)


async def look_up(
    database: Database,
    verifications: Verifications,
    close_link: "CloseLinks",
    *,
    code: str,
    verifier: Verifier,
    budget: MissBudget,
    now: datetime,
) -> Looked:
    """Answer one code from the report's current state (read now, never cached), refusing
    an address past its miss budget; count a miss against the address; hand the look to
    the log writer (the holder's log and alert are written within its delay)."""
    normalised = normalise_code(code)
    miss_key = budget.key(verifier.client)
    async with database.raw() as connection:
        lookups = VerifyLookups(connection)
        row = await lookups.by_code_with_misses(
            normalised, miss_kind=budget.kind, miss_key=miss_key, since=now - budget.window
        )
        budget.refuse_over(row["misses"], row["oldest_miss"], now)
        if row["id"] is None or row["status"] in ("awaiting_payment", "cancelled"):
            await lookups.count_miss(kind=budget.kind, key=miss_key, now=now)
            return Looked(unknown_document(normalised, now), None)
    found = Found.of_row(row)
    answer = answer_document(found, now)
    verifications.log.add(look_of(found, answer["state"], verifier, close_link, now))
    return Looked(answer, found)


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
    looks: list[tuple[Found, VerificationAnswer]],
    verifier: Verifier,
    now: datetime,
) -> None:
    """Log each look for the report's holder and alert holders who asked, in the request's
    transaction (bulk checks: one request, one INSERT for all)."""
    await write_looks(
        session,
        outbox,
        [look_of(found, answer.state, verifier, close_link, now) for found, answer in looks],
    )


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
    looks: list[tuple[Found, VerificationAnswer]] = []
    for code in normalised:
        hit = found.get(code) if code else None
        if hit is None or hit[0].status in ("awaiting_payment", "cancelled"):
            answers.append(unknown_answer(code, now))
            continue
        found_one = Found.of(*hit)
        answer = VerificationAnswer(**answer_document(found_one, now))
        answers.append(answer)
        looks.append((found_one, answer))
    await record_looks(session, outbox, close_link, looks, verifier, now)
    return answers
