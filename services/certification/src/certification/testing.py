"""Test support for the certification service: the running stack (identity, payment with its
provider sandbox, certification), applicants with minted tokens and a verified account, and
the steps of a draft (used by the service's tests and benchmarks; nothing here runs in
production)."""

import io
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from reportlab.pdfgen import canvas

from educert_common.db import Database
from educert_common.events.catalogue import UserRealnameVerified
from educert_common.events.envelope import EventEnvelope
from educert_common.testing.events import EventRecorder, publish
from educert_common.testing.processes import RunningProcess
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until

# What certification (and payment) publish, as the tests see it.
Subscriber = EventRecorder
CHANNEL = "wechat"
EXPIRE = "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = :id"


@dataclass
class Stack:
    identity: RunningProcess
    payment: RunningProcess
    sandbox: RunningProcess
    certification: RunningProcess
    env: dict[str, str]
    log_dir: Path
    database: Database
    payment_database: Database
    subscriber: Subscriber
    # Started only by modules that ask for it (the journeys): notification with its
    # development SMTP sink and SMS carrier.
    notification: RunningProcess | None = None
    notification_database: Database | None = None

    @property
    def url(self) -> str:
        return self.certification.url + "/api/v1/certification"

    @property
    def payment_url(self) -> str:
        return self.payment.url + "/api/v1/payment"

    async def rows(self, statement: str, **params: Any) -> list[Any]:
        async with self.database.transaction() as session:
            return list((await session.execute(sa.text(statement), params)).all())

    async def execute(self, statement: str, **params: Any) -> None:
        async with self.database.transaction() as session:
            await session.execute(sa.text(statement), params)

    async def payment_rows(self, statement: str, **params: Any) -> list[Any]:
        async with self.payment_database.transaction() as session:
            return list((await session.execute(sa.text(statement), params)).all())

    async def notification_rows(self, statement: str, **params: Any) -> list[Any]:
        assert self.notification_database is not None, "this module runs no notification"
        async with self.notification_database.transaction() as session:
            return list((await session.execute(sa.text(statement), params)).all())

    async def expire_order(self, order_id: str) -> None:
        """Move an order past its deadline (the TTL is at least a minute); the sweep expires it."""
        async with self.payment_database.transaction() as session:
            await session.execute(sa.text(EXPIRE), {"id": order_id})


@dataclass
class Applicant:
    """A real-name-verified applicant and the calls tests repeat."""

    http: httpx.AsyncClient
    stack: Stack
    user_id: uuid.UUID
    headers: dict[str, str]
    real_name: str

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.http.request(method, f"{self.stack.url}{path}", headers=headers, **kwargs)

    async def open(self, kind: str = "foreign_degree", **body: Any) -> dict[str, Any]:
        response = await self.call("POST", "/me/applications", json={"kind": kind, **body})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def save(self, application_id: str, step: str, data: dict[str, Any]) -> httpx.Response:
        return await self.call(
            "PUT", f"/me/applications/{application_id}/steps/{step}", json={"data": data}
        )

    async def fill(self, application_id: str, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for step, data in steps.items():
            response = await self.save(application_id, step, data)
            assert response.status_code == 200, response.text
            body = dict(response.json())
        return body

    async def upload(
        self,
        application_id: str,
        slot: str,
        content: bytes,
        filename: str = "scan.pdf",
        **form: str,
    ) -> httpx.Response:
        """Upload one file to a slot (form fields: material_id, item_id)."""
        return await self.call(
            "POST",
            f"/me/applications/{application_id}/materials/{slot}",
            files={"file": (filename, content, "application/octet-stream")},
            data=form,
        )

    async def upload_required(self, application_id: str) -> list[str]:
        """A small file in every slot the draft still needs (after its steps are saved): a PDF,
        or a PNG where the slot takes images only."""
        response = await self.call("GET", f"/me/applications/{application_id}/materials")
        assert response.status_code == 200, response.text
        kinds = {slot["name"]: slot["kinds"] for slot in response.json()["slots"]}
        missing = list(response.json()["missing"])
        for slot in missing:
            if "pdf" in kinds[slot]:
                uploaded = await self.upload(application_id, slot, pdf_bytes(1, text=slot))
            else:
                uploaded = await self.upload(application_id, slot, png_bytes(), "photo.png")
            assert uploaded.status_code == 201, uploaded.text
        return missing

    async def get(self, application_id: str) -> dict[str, Any]:
        response = await self.call("GET", f"/me/applications/{application_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def submit(self, application_id: str, **body: Any) -> httpx.Response:
        return await self.call(
            "POST",
            f"/me/applications/{application_id}/submit",
            json={"declaration_accepted": True, **body},
        )

    async def in_state(
        self, application_id: str, state: str, timeout: float = 20
    ) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            application = await self.get(application_id)
            return application if application["state"] == state else None

        return await wait_until(reached, timeout=timeout, message=f"application {state}")

    async def pay(self, order_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Pay an order as payment's tests do: start it, then pay in the sandbox."""
        started = await self.http.post(
            f"{self.stack.payment_url}/orders/{order_id}/payments",
            json={"channel": CHANNEL},
            headers=headers or self.headers,
        )
        assert started.status_code == 200, started.text
        paid = await self.http.post(
            f"{self.stack.sandbox.url}/control/{CHANNEL}/trades/{uuid.UUID(order_id).hex}/pay",
            json={},
        )
        assert paid.status_code == 200 and paid.json()["statuses"] in ([204], [200]), paid.text
        return await self.stack.subscriber.wait_for("payment.order.paid", order_id=order_id)


def png_bytes(size: tuple[int, int] = (480, 640)) -> bytes:
    """A real PNG (Pillow), for slots that take images only (the ID photo)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 220, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes(pages: int = 1, *, text: str = "scan", encrypt: Any = None) -> bytes:
    """A real PDF of `pages` pages (reportlab), for material uploads."""
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, encrypt=encrypt)
    for number in range(pages):
        document.drawString(72, 720, f"{text} page {number + 1}")
        document.showPage()
    document.save()
    return buffer.getvalue()


async def verified_applicant(
    http: httpx.AsyncClient,
    stack: Stack,
    tokens: Tokens,
    *,
    real_name: str = "张伟",
    gender: str = "male",
    birth_date: date = date(1996, 5, 17),
) -> Applicant:
    """An applicant whose real-name verification identity has announced (the event is
    published as identity's outbox would; certification's consumer keeps the account)."""
    user_id = uuid.uuid4()
    event = UserRealnameVerified(
        user_id=user_id,
        id_number_hash=uuid.uuid4().hex,
        real_name=real_name,
        gender=gender,  # type: ignore[arg-type]
        birth_date=birth_date,
    )
    await publish(
        EventEnvelope(
            type=event.event_type,
            source="identity",
            subject=str(user_id),
            data=event.model_dump(mode="json"),
        )
    )

    async def kept() -> bool:
        found = await stack.rows("SELECT 1 FROM verified_accounts WHERE user_id = :id", id=user_id)
        return bool(found)

    await wait_until(kept, timeout=20, message="verified account kept")
    token = await tokens.mint(str(user_id), roles=("applicant",))
    return Applicant(http, stack, user_id, {"Authorization": f"Bearer {token}"}, real_name)


async def reviewer_headers(tokens: Tokens, name: str | None = None) -> dict[str, str]:
    token = await tokens.mint(name or f"rev-{uuid.uuid4().hex[:8]}", roles=("reviewer",))
    return {"Authorization": f"Bearer {token}"}


async def operator_headers(tokens: Tokens) -> dict[str, str]:
    token = await tokens.mint(f"op-{uuid.uuid4().hex[:8]}", roles=("operator",))
    return {"Authorization": f"Bearer {token}"}


def foreign_steps(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The steps of a consistent foreign-degree draft (a UK master's degree, studied on site
    2021-2023), for the applicant 张伟 (ZHANG WEI) born 1996-05-17; override any step."""
    steps: dict[str, dict[str, Any]] = {
        "face": {"mode": "skip"},
        "applicant": {
            "passport_surname": "ZHANG",
            "passport_given_names": "WEI",
            "name_zh": "张伟",
            "gender": "male",
            "birth_date": "1996-05-17",
            "nationality": "CN",
            "passport_number": "E12345678",
        },
        "type": {"scope": "degree", "study_mode": "on_site"},
        "degree": {
            "country": "GB",
            "institution_name": "University of Edinburgh",
            "title": "Master of Science",
            "level": "master",
            "major": "Data Science",
            "awarded_on": "2023-11-20",
            "name_on_certificate": "Wei Zhang",
        },
        "study": {
            "periods": [
                {
                    "institution_name": "University of Edinburgh",
                    "country": "GB",
                    "programme": "MSc Data Science",
                    "start": "2021-09-10",
                    "end": "2023-08-31",
                }
            ]
        },
    }
    steps.update(overrides)
    return steps
