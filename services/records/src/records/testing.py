"""Test support for the records service: the running stack, callers with minted tokens, and
bodies of reported records (used by the service's tests and benchmarks; nothing here runs in
production)."""

import random
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from educert_common.db import Database
from educert_common.testing.events import EventRecorder
from educert_common.testing.onboarding import IdentityTap, Onboarded, verified_person
from educert_common.testing.people import Person
from educert_common.testing.processes import RunningProcess
from educert_common.testing.tokens import Tokens

# What records publishes, as the tests see it.
Subscriber = EventRecorder


@dataclass
class Stack:
    identity: RunningProcess
    records: RunningProcess
    env: dict[str, str]
    log_dir: Path
    database: Database
    subscriber: Subscriber

    @property
    def url(self) -> str:
        return self.records.url + "/api/v1/records"

    def restart_records(self, *, kill: bool) -> RunningProcess:
        if kill:
            self.records.kill()
        else:
            self.records.stop()
        self.records = RunningProcess(
            "records",
            "records.main:create_app",
            port=self.records.port,
            env=self.env,
            log_dir=self.log_dir,
        ).start()
        return self.records

    async def rows(self, statement: str, **params: Any) -> list[Any]:
        async with self.database.transaction() as session:
            return list((await session.execute(sa.text(statement), params)).all())

    async def execute(self, statement: str, **params: Any) -> None:
        async with self.database.transaction() as session:
            await session.execute(sa.text(statement), params)


def new_institution_id() -> str:
    """A fresh 10-digit code in the 4199x range no real institution uses."""
    return "4199" + str(uuid.uuid4().int % 10**6).zfill(6)


@dataclass
class Caller:
    """Headers for each kind of caller, and the steps tests repeat."""

    http: httpx.AsyncClient
    stack: Stack
    tokens: Tokens

    async def operator(self) -> dict[str, str]:
        token = await self.tokens.mint(f"op-{uuid.uuid4().hex[:8]}", roles=("operator",))
        return {"Authorization": f"Bearer {token}"}

    async def staff(self, institution_id: str) -> dict[str, str]:
        token = await self.tokens.mint(
            str(uuid.uuid4()), roles=("institution_staff",), institution=institution_id
        )
        return {"Authorization": f"Bearer {token}"}

    async def partner(self, institution_id: str, *scopes: str) -> dict[str, str]:
        token = await self.tokens.mint(
            f"partner:{uuid.uuid4().hex[:8]}",
            roles=("partner",),
            institution=institution_id,
            scopes=scopes,
        )
        return {"Authorization": f"Bearer {token}"}

    async def student(self, user_id: uuid.UUID | None = None) -> tuple[uuid.UUID, dict[str, str]]:
        user_id = user_id or uuid.uuid4()
        token = await self.tokens.mint(str(user_id), roles=("applicant",))
        return user_id, {"Authorization": f"Bearer {token}"}

    async def institution(self, institution_id: str | None = None, **fields: Any) -> str:
        """Create an active institution and return its code (a fresh random code unless one
        is given: one drawn by another test of the run is drawn again)."""
        for _ in range(5):
            code = institution_id or new_institution_id()
            body = {
                "id": code,
                "name_zh": f"测试大学{code[-4:]}",
                "name_en": f"Test University {code[-4:]}",
                "province": "北京市",
                "kind": "undergraduate",
                **fields,
            }
            response = await self.http.post(
                f"{self.stack.url}/institutions", json=body, headers=await self.operator()
            )
            taken = response.status_code == 409 and response.json()["code"] == "institution_exists"
            if institution_id is None and taken:
                continue
            assert response.status_code == 201, response.text
            return code
        raise AssertionError("five random institution codes in a row were taken")


RNG = random.Random(20261202)


def student_status_body(who: Person, **overrides: Any) -> dict[str, Any]:
    return {
        "name": who.name,
        "gender": who.gender,
        "birth_date": who.birth_date.isoformat(),
        "id_number": who.id_number,
        "ethnicity": "汉族",
        "major": "计算机科学与技术",
        "level": "bachelor",
        "study_form": "full_time",
        "education_type": "regular",
        "enrollment_date": "2019-09-01",
        "study_years": "4",
        "status": "enrolled",
        "status_date": "2019-09-01",
        **overrides,
    }


def e_registration_number(institution_id: str, year: int = 2023) -> str:
    """A fresh 18-digit e-registration number of the institution (school code first)."""
    return f"{institution_id[-5:]}1{year}05{RNG.randrange(10**6):06d}"


def qualification_body(who: Person, institution_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": who.name,
        "gender": who.gender,
        "birth_date": who.birth_date.isoformat(),
        "id_number": who.id_number,
        "certificate_number": e_registration_number(institution_id),
        "major": "计算机科学与技术",
        "level": "bachelor",
        "enrollment_date": "2019-09-01",
        "graduation_date": "2023-06-30",
        "conclusion": "graduated",
        "principal_name": "张校长",
        **overrides,
    }


def degree_body(who: Person, institution_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": who.name,
        "gender": who.gender,
        "birth_date": who.birth_date.isoformat(),
        "id_number": who.id_number,
        "certificate_number": f"{institution_id[-5:]}42023{RNG.randrange(10**6):06d}",
        "degree_level": "bachelor",
        "discipline": "工学",
        "major": "计算机科学与技术",
        "conferred_date": "2023-06-30",
        **overrides,
    }


def adult(rng: random.Random | None = None) -> Person:
    """A person old enough to have enrolled in 2019."""
    from educert_common.testing.people import person

    return person(rng or RNG, born_after=date(1995, 1, 1))


def photo_jpeg(
    size_bytes: int = 150 * 1024,
    dimensions: tuple[int, int] = (640, 480),
    *,
    exif: bool = False,
    seed: int = 0,
) -> bytes:
    """A generated JPEG of exactly `size_bytes` (padded with comment segments, which storage
    strips), optionally with EXIF (camera make, time, GPS-like tag) for the stripping tests."""
    import io

    from PIL import Image

    width, height = dimensions
    image = Image.new("RGB", dimensions, (160, 200, 235))  # light blue
    # A face-ish blob, varied by seed, so different seeds are different photos.
    shade = (seed * 37) % 200
    image.paste((shade, 120, 90), (width // 3, height // 4, 2 * width // 3, 3 * height // 4))
    out = io.BytesIO()
    if exif:
        metadata = Image.Exif()
        metadata[0x010F] = "SpyCam Inc."  # Make
        metadata[0x0132] = "2020:01:01 10:00:00"  # DateTime
        metadata[0x010E] = "home address 1 Example Road"  # ImageDescription
        image.save(out, format="JPEG", quality=90, exif=metadata.tobytes())
    else:
        image.save(out, format="JPEG", quality=90)
    base = out.getvalue()
    missing = size_bytes - len(base)
    if missing < 0:
        raise ValueError(f"the image alone is {len(base)} bytes, more than {size_bytes}")
    # COM segments right after SOI: marker (2) + length (2) + payload, payload <= 65533.
    padding = bytearray()
    while missing > 0:
        if missing < 4:
            raise ValueError("cannot pad by fewer than 4 bytes")
        payload = min(missing - 4, 65533)
        if 0 < missing - 4 - payload < 4:
            payload -= 4  # leave room for one more whole segment
        padding += b"\xff\xfe" + (payload + 2).to_bytes(2, "big") + bytes([0x20]) * payload
        missing -= payload + 4
    return base[:2] + bytes(padding) + base[2:]


def photo_png(dimensions: tuple[int, int] = (640, 480)) -> bytes:
    """A PNG (what a photo "renamed .jpg" really is)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", dimensions, (160, 200, 235))
    image.paste((90, 120, 90), (200, 120, 440, 360))
    image.save(out, format="PNG")
    return out.getvalue()


async def verified_student(caller: Caller, tap: IdentityTap, who: Person) -> Onboarded:
    """`who` registered, logged in and real-name verified with the real identity process, so
    that identity publishes `identity.user.realname_verified` through its outbox."""
    return await verified_person(
        caller.http, caller.stack.identity.url, await caller.operator(), tap, who
    )
