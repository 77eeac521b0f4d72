"""Records' part of the `make run` demo data (see educert_common.seed); never in production.

- Institutions: a few dozen real ones with their Ministry codes (`data/institutions_dev.csv`,
  drawn from the 2021 list; `scripts/institutions_dev_csv.py` says how) and the demo
  institution (DEMO_INSTITUTION_ID, a code no real institution has), where identity's demo
  registrar works.
- The two demo students (DEMO_STUDENTS) at the demo institution: student status,
  qualification and degree of a finished bachelor's programme, with the names, ID numbers and
  birth dates identity's registry knows, so the records bind when they pass real-name
  verification; 李明 is also a new master's student of this intake (the public new-student
  query finds him).
- A few dozen made-up new students of this intake at the listed institutions, so the public
  query and the institutions' views have content.

Idempotent: an institution whose code exists, or a record whose student number exists at its
institution, is left alone. Records go through `report_record`, so their versions, audit
entries and events are the real ones.
"""

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.cn import ric

from educert_common.db import Database
from educert_common.events.outbox import Outbox
from educert_common.seed import (
    DEMO_INSTITUTION_ID,
    DEMO_INSTITUTION_NAME,
    DEMO_INSTITUTION_NAME_ZH,
    DEMO_STUDENTS,
    SEED_ACTOR,
    DemoLogin,
    DemoStudent,
    refuse_in_production,
)
from records.academic.repository import RecordRepository
from records.academic.rules import RecordKind
from records.academic.service import report_record
from records.base import audit, messaging
from records.config import RecordsSettings
from records.crypto import Secrets, secrets_for
from records.institutions.repository import InstitutionRepository
from records.institutions.schemas import InstitutionCreate
from records.institutions.service import create_institution

INSTITUTIONS_CSV = "data/institutions_dev.csv"
SOURCE = "seed"
REASON = "开发演示数据"
MADE_UP_STUDENTS = 36
# Fixed, so every start generates the same people (and finds them already there).
RNG_SEED = 20261202

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰晨宇思雨子轩欣怡浩然"
# Districts with valid GB/T 2260 codes (东城, 徐汇, 南山, 西湖, 洪山, 武侯, 雁塔).
REGIONS = ("110101", "310104", "440305", "330106", "420111", "510107", "610113")
MAJORS = (
    "计算机科学与技术", "软件工程", "临床医学", "法学", "汉语言文学", "经济学", "机械工程",
    "电子信息工程", "数学与应用数学", "英语", "土木工程", "会计学",
)  # fmt: skip
VOCATIONAL_MAJORS = ("软件技术", "机电一体化技术", "大数据与会计", "护理", "电子商务")


@dataclass(frozen=True)
class NewStudent:
    name: str
    gender: str
    birth_date: date
    id_number: str


def current_intake(today: date) -> date:
    """September 1st of this academic year (the intake the public query is about)."""
    year = today.year if today >= date(today.year, 9, 1) else today.year - 1
    return date(year, 9, 1)


def institutions_dev() -> list[InstitutionCreate]:
    """The listed institutions of the development seed (committed CSV)."""
    text = resources.files("records").joinpath(INSTITUTIONS_CSV).read_text(encoding="utf-8")
    return [InstitutionCreate.model_validate(row) for row in csv.DictReader(io.StringIO(text))]


def demo_institution() -> InstitutionCreate:
    return InstitutionCreate(
        id=DEMO_INSTITUTION_ID,
        name_zh=DEMO_INSTITUTION_NAME_ZH,
        name_en=DEMO_INSTITUTION_NAME,
        province="北京市",
        city="北京市",
        authority="EduCert (development)",
        kind="undergraduate",  # type: ignore[arg-type]
    )


def made_up_students(count: int, intake: date) -> list[NewStudent]:
    """People of 18-20 at `intake` with valid resident ID numbers (GB 11643 check digit)."""
    rng = random.Random(RNG_SEED)
    people = []
    for _ in range(count):
        birth = date(intake.year - 20, 9, 2) + timedelta(days=rng.randrange(730))
        gender = rng.choice(("male", "female"))
        order = rng.randrange(0, 499) * 2 + (1 if gender == "male" else 0)
        body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{order:03d}"
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        # calc_check_digit expects a full-length number and ignores its last character.
        number = body + ric.calc_check_digit(body + "0")
        people.append(NewStudent(name, gender, birth, number))
    return people


def _person(who: DemoStudent | NewStudent) -> dict[str, Any]:
    name = who.real_name if isinstance(who, DemoStudent) else who.name
    return {
        "name": name,
        "gender": who.gender,
        "birth_date": who.birth_date,
        "id_type": "resident_id",
        "id_number": who.id_number,
    }


@dataclass(frozen=True)
class DemoProgramme:
    """A finished bachelor's programme of a demo student at the demo institution."""

    student_number: str
    major: str
    discipline: str
    enrolled: date
    graduated: date
    serial: int

    def records(self, who: DemoStudent) -> list[tuple[RecordKind, dict[str, Any]]]:
        person = _person(who)
        school = DEMO_INSTITUTION_ID[-5:]
        year = self.graduated.year
        return [
            (
                RecordKind.STUDENT_STATUS,
                {
                    **person,
                    "ethnicity": "汉族",
                    "major": self.major,
                    "level": "bachelor",
                    "study_form": "full_time",
                    "education_type": "regular",
                    "enrollment_date": self.enrolled,
                    "study_years": "4",
                    "status": "graduated",
                    "status_date": self.graduated,
                },
            ),
            (
                RecordKind.QUALIFICATION,
                {
                    **person,
                    # E-registration number: school code, kind, year, level, serial.
                    "certificate_number": f"{school}1{year}05{self.serial:06d}",
                    "major": self.major,
                    "level": "bachelor",
                    "study_form": "full_time",
                    "education_type": "regular",
                    "enrollment_date": self.enrolled,
                    "graduation_date": self.graduated,
                    "conclusion": "graduated",
                    "principal_name": "陈校长",
                },
            ),
            (
                RecordKind.DEGREE,
                {
                    **person,
                    "certificate_number": f"{school}4{year}{self.serial:06d}",
                    "degree_level": "bachelor",
                    "discipline": self.discipline,
                    "major": self.major,
                    "conferred_date": self.graduated,
                },
            ),
        ]


DEMO_PROGRAMMES = {
    "demo_student_li": DemoProgramme(
        "D2018001", "计算机科学与技术", "工学", date(2018, 9, 1), date(2022, 6, 30), 1
    ),
    "demo_student_wang": DemoProgramme(
        "D2017002", "汉语言文学", "文学", date(2017, 9, 1), date(2021, 6, 30), 2
    ),
}


def new_student_status(
    who: DemoStudent | NewStudent, *, major: str, level: str, intake: date, years: str
) -> dict[str, Any]:
    return {
        **_person(who),
        "ethnicity": "汉族",
        "major": major,
        "level": level,
        "study_form": "full_time",
        "education_type": "regular",
        "enrollment_date": intake,
        "study_years": years,
        "status": "enrolled",
        "status_date": intake,
    }


async def _report(
    session: AsyncSession,
    outbox: Outbox,
    secrets: Secrets,
    settings: RecordsSettings,
    *,
    kind: RecordKind,
    institution_id: str,
    student_number: str,
    fields: dict[str, Any],
) -> None:
    """Report one record unless its student number exists at the institution already."""
    existing = await RecordRepository(session, kind).by_student_number(
        institution_id, student_number
    )
    if existing is not None:
        return
    await report_record(
        session,
        audit,
        outbox,
        secrets,
        settings,
        kind=kind,
        institution_id=institution_id,
        student_number=student_number,
        fields=fields,
        reason=REASON,
        actor=SEED_ACTOR,
        source=SOURCE,
    )


async def seed(settings: RecordsSettings, *, today: date | None = None) -> list[DemoLogin]:
    """Create the demo institutions and records that do not exist yet (no logins: identity
    has the accounts)."""
    refuse_in_production(settings.platform)
    today = today or date.today()
    intake = current_intake(today)
    secrets = secrets_for(settings)
    outbox = Outbox(messaging, source="records")
    database = Database.connect(settings.resolved_database_url(), pool_size=1)
    try:
        async with database.transaction() as session:
            listed = institutions_dev()
            institutions = InstitutionRepository(session)
            for data in (demo_institution(), *listed):
                if await institutions.get(data.id) is None:
                    await create_institution(session, audit, data=data, actor=SEED_ACTOR)

            report = {"session": session, "outbox": outbox, "secrets": secrets}
            for student in DEMO_STUDENTS:
                programme = DEMO_PROGRAMMES[student.username]
                for kind, fields in programme.records(student):
                    await _report(
                        **report,
                        settings=settings,
                        kind=kind,
                        institution_id=DEMO_INSTITUTION_ID,
                        student_number=programme.student_number,
                        fields=fields,
                    )
            # 李明 went on to a master's programme: a new student of this intake.
            li = DEMO_STUDENTS[0]
            await _report(
                **report,
                settings=settings,
                kind=RecordKind.STUDENT_STATUS,
                institution_id=DEMO_INSTITUTION_ID,
                student_number=f"M{intake.year}001",
                fields=new_student_status(
                    li, major="软件工程", level="master", intake=intake, years="3"
                ),
            )

            rng = random.Random(RNG_SEED)
            for number, who in enumerate(made_up_students(MADE_UP_STUDENTS, intake), start=1):
                institution = listed[(number - 1) % len(listed)]
                vocational = institution.kind == "vocational"
                await _report(
                    **report,
                    settings=settings,
                    kind=RecordKind.STUDENT_STATUS,
                    institution_id=institution.id,
                    student_number=f"{intake.year}{number:04d}",
                    fields=new_student_status(
                        who,
                        major=rng.choice(VOCATIONAL_MAJORS if vocational else MAJORS),
                        level="junior_college" if vocational else "bachelor",
                        intake=intake,
                        years="3" if vocational else "4",
                    ),
                )
    finally:
        await database.dispose()
    return []
