"""Bench data of online verification reports: realistic qualification reports (the facts a
real issue snapshots, real codes, random status-list indexes) written with COPY (asyncpg)
straight into records' `reports` table, and the same report as an in-memory `Report`.

Used by bench/reports_verify.py and bench/report_documents.py; not a benchmark itself.
"""

import io
import json
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg

from educert_common.credentials.status_list import MIN_ENTRIES
from educert_common.masking import mask_id_number
from educert_common.testing.people import person
from educert_common.verification.codes import new_code
from records.academic.rules import RecordKind
from records.reports.models import Report
from records.reports.rules import Disclosure, snapshot_facts

INSTITUTION = "4199000001"
INSTITUTION_NAMES = ("基准大学", "Benchmark University")
RNG = random.Random(20261202)
COLUMNS = (
    "id", "code", "owner_id", "record_kind", "record_id", "record_version", "institution_id",
    "status", "validity_days", "valid_from", "valid_until", "disclosure", "facts", "photo_key",
    "status_index", "order_id", "alert_on_verify", "issued_at", "closed_at", "revoked_at",
    "revoked_reason", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class WrittenReports:
    """Codes of what `populate` wrote: the ones a run rotates over (all valid), and all."""

    rotated: list[str]
    everything: list[str]


def qualification_facts(rng: random.Random, serial: int) -> list[dict[str, str]]:
    """The lines a qualification report of a random graduate shows (the default disclosure:
    masked ID number, birth date shown), built by the service's own snapshot rule."""
    who = person(rng, born_after=date(1985, 1, 1))
    year = 2008 + serial % 16
    record = SimpleNamespace(
        name=who.name,
        gender=who.gender,
        birth_date=who.birth_date,
        certificate_number=f"{INSTITUTION[-5:]}1{year}05{serial % 10**6:06d}",
        major="计算机科学与技术",
        level="bachelor",
        study_form="full_time",
        enrollment_date=date(year - 4, 9, 1),
        graduation_date=date(year, 6, 30),
        conclusion="graduated",
        principal_name="王建国",
    )
    return snapshot_facts(
        RecordKind.QUALIFICATION,
        record,
        Disclosure(),
        id_number_masked=mask_id_number(who.id_number),
        institution=INSTITUTION_NAMES,
    )


def _row(
    rng: random.Random,
    serial: int,
    code: str,
    index: int,
    now: datetime,
    *,
    state: str,
    alerts: bool = True,
) -> tuple[Any, ...]:
    """One issued report: valid, expired, closed or revoked at `now`."""
    issued = now - timedelta(days=rng.randrange(1, 25), seconds=serial)
    days = 30 if state == "expired" else rng.choice((90, 180, 365))
    status = {"closed": "closed", "revoked": "revoked"}.get(state, "active")
    closed = issued + timedelta(days=1) if state == "closed" else None
    revoked = issued + timedelta(days=2) if state == "revoked" else None
    if state == "expired":
        issued -= timedelta(days=60)
    return (
        uuid.uuid4(), code, uuid.uuid4(), "qualification", uuid.uuid4(), 1, INSTITUTION,
        status, days, issued, issued + timedelta(days=days),
        json.dumps(Disclosure().as_json()), json.dumps(qualification_facts(rng, serial)),
        None, index, None,
        # Some holders asked to be told of every look (the bulk run writes their alerts).
        alerts and state == "valid" and rng.random() < 0.1,
        issued, closed, revoked, "record_changed" if revoked else None, issued, issued,
    )  # fmt: skip


async def populate(dsn: str, *, unrelated: int, rotated: int, now: datetime) -> WrittenReports:
    """Write the institution, `unrelated` reports (85% valid, 5% each expired, closed and
    revoked) and `rotated` valid ones without alerts; every code and index unique."""
    codes = list({new_code() for _ in range(unrelated + rotated + 64)})[: unrelated + rotated]
    indexes = RNG.sample(range(MIN_ENTRIES), unrelated + rotated)
    rows = []
    for serial, (code, index) in enumerate(zip(codes, indexes, strict=True)):
        if serial < rotated:
            rows.append(_row(RNG, serial, code, index, now, state="valid", alerts=False))
            continue
        draw = RNG.random()
        state = (
            "valid"
            if draw < 0.85
            else "expired"
            if draw < 0.90
            else "closed"
            if draw < 0.95
            else "revoked"
        )
        rows.append(_row(RNG, serial, code, index, now, state=state))
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "INSERT INTO institutions (id, name_zh, name_en, province, kind, status, created_at,"
            " updated_at, updated_by) VALUES ($1, $2, $3, '北京市', 'undergraduate', 'active',"
            " now(), now(), 'bench') ON CONFLICT DO NOTHING",
            INSTITUTION,
            *INSTITUTION_NAMES,
        )
        await connection.copy_records_to_table("reports", records=rows, columns=COLUMNS)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return WrittenReports(rotated=codes[:rotated], everything=codes)


def sample_report(now: datetime, *, photo: bool = True) -> Report:
    """One valid qualification report in memory, as the service issues it."""
    return Report(
        id=uuid.uuid4(),
        code=new_code(),
        owner_id=uuid.uuid4(),
        record_kind="qualification",
        record_id=uuid.uuid4(),
        record_version=1,
        institution_id=INSTITUTION,
        status="active",
        validity_days=180,
        valid_from=now,
        valid_until=now + timedelta(days=180),
        disclosure=Disclosure().as_json(),
        facts=qualification_facts(RNG, RNG.randrange(10**6)),
        photo_key="photos/bench.jpg" if photo else None,
        status_index=RNG.randrange(MIN_ENTRIES),
        alert_on_verify=False,
        issued_at=now,
        created_at=now,
        updated_at=now,
    )


def id_photo() -> bytes:
    """A 2-inch ID photo's size (358 x 441 px) as JPEG, with some detail to compress."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (358, 441), (67, 142, 219))
    draw = ImageDraw.Draw(image)
    draw.ellipse((109, 60, 249, 220), fill=(236, 200, 170))
    draw.rectangle((69, 240, 289, 441), fill=(30, 30, 40))
    for _ in range(400):
        x, y = RNG.randrange(358), RNG.randrange(441)
        draw.point((x, y), fill=(RNG.randrange(256), RNG.randrange(256), RNG.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
