"""All SQL of reports: the student's reports, lookups by code, the verification log, the
status list's set bits, the policy row."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import aliased

from educert_common.http.pagination import Cursor, Page, PageParams
from educert_common.repository import Repository
from records.institutions.models import Institution
from records.reports.models import Report, ReportPolicy, ReportVerification

# Reports whose bit is set in the status list: closed by the holder or revoked.
_SET_STATUSES = ("closed", "revoked")


# Built once: composing the alias and the join costs more than running the query (the
# public verification route runs it on every lookup).
_successor = aliased(Institution, name="successor")
_BY_CODES = (
    select(Report, Institution, _successor)
    .join(Institution, Institution.id == Report.institution_id)
    .outerjoin(_successor, _successor.id == Institution.successor_id)
    .where(Report.code.in_(bindparam("codes", expanding=True)))
)


class ReportRepository(Repository[Report]):
    model = Report

    async def owned(
        self, report_id: uuid.UUID, owner_id: uuid.UUID, *, for_update: bool = False
    ) -> Report | None:
        statement = select(Report).where(Report.id == report_id, Report.owner_id == owner_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.scalar_one_or_none(statement)

    async def for_update(self, report_id: uuid.UUID) -> Report | None:
        return await self.scalar_one_or_none(
            select(Report).where(Report.id == report_id).with_for_update()
        )

    async def page_of(self, owner_id: uuid.UUID, params: PageParams) -> Page[Any]:
        return await self.paginate(select(Report).where(Report.owner_id == owner_id), params)

    async def by_code_with_issuer(
        self, code: str
    ) -> tuple[Report, Institution, Institution | None] | None:
        """The report with this code, its record's institution and that one's successor."""
        found = await self.by_codes([code])
        return found[0] if found else None

    async def by_codes(
        self, codes: Sequence[str]
    ) -> list[tuple[Report, Institution, Institution | None]]:
        """Reports by code, each with its institution and that one's successor (one query)."""
        rows = await self.session.execute(_BY_CODES, {"codes": list(codes)})
        return [(report, issuer, follower) for report, issuer, follower in rows.all()]

    async def by_order(self, order_id: uuid.UUID) -> Report | None:
        return await self.scalar_one_or_none(
            select(Report).where(Report.order_id == order_id).with_for_update()
        )

    async def open_of_record(self, kind: str, record_id: uuid.UUID) -> Sequence[Report]:
        """Issued reports of a record that are neither closed nor revoked, locked. (One still
        awaiting payment is left alone: it takes its snapshot when it is issued.)"""
        return await self.scalars(
            select(Report)
            .where(
                Report.record_kind == kind,
                Report.record_id == record_id,
                Report.status == "active",
            )
            .with_for_update()
        )

    async def revoke_changed_in_merge(
        self, kind: str, merged_table: str, now: datetime
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Revoke the open reports of records an import merge gave a new version (the
        merge's temporary table lists them); return (report id, owner id) of each."""
        # The table name is the import's constant, never input.
        statement = (
            "UPDATE reports AS r SET status = 'revoked', revoked_at = :now, "  # noqa: S608
            "revoked_reason = 'record_changed', updated_at = :now FROM " + merged_table + " AS m "
        )
        rows = await self.session.execute(
            text(
                statement + "WHERE r.record_kind = :kind AND r.record_id = m.id AND m.version > 1 "
                "AND r.status = 'active' RETURNING r.id, r.owner_id"
            ),
            {"now": now, "kind": kind},
        )
        return [(report_id, owner_id) for report_id, owner_id in rows.all()]

    async def index_taken(self, index: int) -> bool:
        found = await self.session.scalar(select(Report.id).where(Report.status_index == index))
        return found is not None

    async def set_indexes(self) -> list[int]:
        """Every status-list index whose bit is set (closed or revoked reports)."""
        rows = await self.session.execute(
            select(Report.status_index).where(Report.status.in_(_SET_STATUSES))
        )
        return [index for (index,) in rows.all()]

    async def status_changed_at(self) -> datetime | None:
        """When the status list last changed (the newest close or revocation)."""
        return await self.session.scalar(
            select(func.max(func.greatest(Report.closed_at, Report.revoked_at)))
        )


_LOG_COLUMNS = ("id", "report_id", "verified_at", "channel", "partner", "client_masked", "state")
_ADD_LOG_ENTRIES = text(
    "INSERT INTO report_verifications (id, report_id, verified_at, channel, partner, "
    "client_masked, state) SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:report_id AS uuid[]), "
    "CAST(:verified_at AS timestamptz[]), CAST(:channel AS text[]), CAST(:partner AS text[]), "
    "CAST(:client_masked AS text[]), CAST(:state AS text[]))"
)


class VerificationRepository(Repository[ReportVerification]):
    model = ReportVerification

    async def page_of(self, report_id: uuid.UUID, params: PageParams) -> Page[Any]:
        """Newest first, by (verified_at, id)."""
        statement = select(ReportVerification).where(ReportVerification.report_id == report_id)
        if params.cursor is not None:
            after = params.cursor
            statement = statement.where(
                (ReportVerification.verified_at < after.created_at)
                | (
                    (ReportVerification.verified_at == after.created_at)
                    & (ReportVerification.id < uuid.UUID(after.id))
                )
            )
        rows = list(
            await self.scalars(
                statement.order_by(
                    ReportVerification.verified_at.desc(), ReportVerification.id.desc()
                ).limit(params.limit + 1)
            )
        )
        next_cursor = None
        if len(rows) > params.limit:
            rows = rows[: params.limit]
            next_cursor = Cursor(rows[-1].verified_at, str(rows[-1].id)).encode()
        return Page[Any](items=rows, next_cursor=next_cursor)

    async def add_many(self, entries: list[dict[str, Any]]) -> None:
        """Insert the entries with one statement of seven arrays (a batch of the log writer
        or a partner's bulk check): building a row of VALUES per entry cost more."""
        if entries:
            columns = {name: [entry[name] for entry in entries] for name in _LOG_COLUMNS}
            await self.session.execute(_ADD_LOG_ENTRIES, columns)


class PolicyRepository:
    def __init__(self, session: Any) -> None:
        self.session = session

    async def current(self, *, for_update: bool = False) -> ReportPolicy:
        statement = select(ReportPolicy).where(ReportPolicy.id == 1)
        if for_update:
            statement = statement.with_for_update()
        policy = (await self.session.execute(statement)).scalar_one_or_none()
        if policy is None:
            # The migration inserts the row; a database built otherwise still works.
            policy = ReportPolicy(id=1, min_validity_days=30, max_validity_days=365)
            self.session.add(policy)
            await self.session.flush()
        return policy


# The public lookup by code, in one round trip: the report with its institution and that
# one's successor, and how many codes matching nothing the client address tried within the
# window (the miss budget). Run raw on the asyncpg connection (a prepared statement it
# caches): SQLAlchemy's compiling, caching and ORM loading cost more than the query.
_VERIFY_BY_CODE = """
SELECT m.misses, m.oldest_miss,
       r.id, r.code, r.owner_id, r.record_kind, r.status, r.valid_from, r.valid_until,
       r.facts::text AS facts, r.photo_key, r.alert_on_verify, r.closed_at, r.revoked_at,
       r.revoked_reason,
       i.id AS institution_id, i.name_zh, i.name_en, i.status AS institution_status,
       s.name_zh AS successor_name_zh, s.name_en AS successor_name_en
FROM (SELECT count(*) AS misses, min(created_at) AS oldest_miss FROM rate_events
      WHERE kind = $1 AND key = $2 AND created_at > $3) AS m
LEFT JOIN reports AS r ON r.code = $4
LEFT JOIN institutions AS i ON i.id = r.institution_id
LEFT JOIN institutions AS s ON s.id = i.successor_id
"""
_COUNT_MISS = "INSERT INTO rate_events (id, kind, key, created_at) VALUES ($1, $2, $3, $4)"


class VerifyLookups:
    """The public verification route's SQL, on a raw asyncpg connection (autocommit: each
    statement is its own transaction)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def by_code_with_misses(
        self, code: str | None, *, miss_kind: str, miss_key: str, since: datetime
    ) -> Any:
        """One row: `misses`, `oldest_miss`, and the report's columns (all None when no
        report has this code; `code` None never matches)."""
        return await self.connection.fetchrow(_VERIFY_BY_CODE, miss_kind, miss_key, since, code)

    async def count_miss(self, *, kind: str, key: str, now: datetime) -> None:
        await self.connection.execute(_COUNT_MISS, uuid.uuid4(), kind, key, now)
