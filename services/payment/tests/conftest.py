"""The payment service for real: identity (for its keys), the provider sandbox and payment as
uvicorn processes on the run's throwaway database and broker names; a subscriber queue that
records what payment publishes; tokens minted with identity's signing key."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from educert_common.db import Database
from educert_common.testing.events import EventRecorder, recording
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until
from payment.config import PaymentSettings

PAYMENT_TYPES = (
    "payment.order.created",
    "payment.order.paid",
    "payment.order.expired",
    "payment.order.refunded",
)


# Payment's events, as the tests see them (look them up by order_id=...).
Subscriber = EventRecorder


@dataclass
class Stack:
    identity: RunningProcess
    sandbox: RunningProcess
    payment: RunningProcess
    env: dict[str, str]
    log_dir: Path
    database: Database
    subscriber: Subscriber

    @property
    def url(self) -> str:
        return self.payment.url + "/api/v1/payment"

    def restart_payment(self, *, kill: bool) -> RunningProcess:
        if kill:
            self.payment.kill()
        else:
            self.payment.stop()
        self.payment = RunningProcess(
            "payment",
            "payment.main:create_app",
            port=self.payment.port,
            env=self.env,
            log_dir=self.log_dir,
        ).start()
        return self.payment

    async def order_row(self, order_id: Any) -> Any:
        async with self.database.transaction() as session:
            return (
                await session.execute(
                    sa.text("SELECT * FROM orders WHERE id = :id"), {"id": str(order_id)}
                )
            ).one()

    async def execute(self, statement: str, **params: Any) -> None:
        async with self.database.transaction() as session:
            await session.execute(sa.text(statement), params)


# Module scope: processes of one test module never consume the events of another.
@pytest.fixture(scope="module")
async def subscriber() -> AsyncIterator[Subscriber]:
    async with recording(PAYMENT_TYPES, "paytest") as recorder:
        yield recorder


# Module scope: processes of one test module never consume the events of another.
@pytest.fixture(scope="module")
async def stack(
    migrated_services: None,
    subscriber: Subscriber,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    log_dir = tmp_path_factory.mktemp("payment-e2e")
    identity_port, payment_port, sandbox_port = free_port(), free_port(), free_port()
    payment_url = f"http://127.0.0.1:{payment_port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "EDUCERT_PAYMENT_URL": payment_url,
        "PAYMENT_DEV_KEY_DIR": str(log_dir / "keys"),
        "PAYMENT_SANDBOX_URL": sandbox_url,
        "PAYMENT_SANDBOX_PUBLIC_URL": sandbox_url,
        "PAYMENT_PUBLIC_BASE_URL": payment_url,
        "PAYMENT_CALLBACK_BASE_URL": payment_url,
        "PAYMENT_EXPIRY_SWEEP_SECONDS": "0.2",
        "PAYMENT_QUERY_AFTER_SECONDS": "3",
        "PAYMENT_QUERY_EVERY_SECONDS": "0.5",
        "PAYMENT_REFUND_POLL_SECONDS": "0.2",
        "PAYMENT_REFUND_QUERY_AFTER_SECONDS": "1",
        "PAYMENT_REFUND_RETRY_BASE_SECONDS": "0.2",
        "PAYMENT_REFUND_MAX_TRIES": "3",
        "PAYMENT_RECONCILE_DAILY": "false",
        "PAYMENT_MAX_CALLBACK_BYTES": "16384",
    }
    identity = RunningProcess(
        "identity", "identity.main:create_app", port=identity_port, env=env, log_dir=log_dir
    )
    sandbox = RunningProcess(
        "sandbox", "payment.sandbox.app:create_app", port=sandbox_port, env=env, log_dir=log_dir
    )
    payment = RunningProcess(
        "payment", "payment.main:create_app", port=payment_port, env=env, log_dir=log_dir
    )
    processes = [identity, sandbox, payment]
    for process in processes:
        process.start()
    database = Database.connect(PaymentSettings().resolved_database_url(), pool_size=4)
    stack = Stack(identity, sandbox, payment, env, log_dir, database, subscriber)
    try:
        await asyncio.gather(*(p.wait_ready(timeout=60) for p in processes))
        yield stack
    finally:
        for process in (stack.payment, sandbox, identity):
            process.stop()
        await database.dispose()


@dataclass
class Client:
    """An HTTP client for payment and the sandbox, with the steps tests repeat."""

    http: httpx.AsyncClient
    stack: Stack
    tokens: Tokens

    async def user(self, *, roles: tuple[str, ...] = ("applicant",)) -> tuple[str, dict[str, str]]:
        user_id = str(uuid.uuid4())
        token = await self.tokens.mint(user_id, roles=roles)
        return user_id, {"Authorization": f"Bearer {token}"}

    async def create_order(
        self, auth: dict[str, str], purpose: str = "certification", reference: str | None = None
    ) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.stack.url}/orders",
            json={"purpose": purpose, "reference_id": reference or uuid.uuid4().hex},
            headers=auth,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def start(self, auth: dict[str, str], order_id: str, channel: str) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.stack.url}/orders/{order_id}/payments", json={"channel": channel}, headers=auth
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def sandbox(self, path: str, **body: Any) -> dict[str, Any]:
        response = await self.http.post(f"{self.stack.sandbox.url}/control{path}", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def order(self, auth: dict[str, str], order_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.stack.url}/orders/{order_id}", headers=auth)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def wait_status(
        self, auth: dict[str, str], order_id: str, status: str, timeout: float = 15
    ) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            order = await self.order(auth, order_id)
            return order if order["status"] == status else None

        return await wait_until(reached, timeout=timeout, message=f"order {status}")

    async def paid_order(self, channel: str = "wechat") -> tuple[dict[str, str], dict[str, Any]]:
        _, auth = await self.user()
        order = await self.create_order(auth)
        await self.start(auth, order["id"], channel)
        no = uuid.UUID(order["id"]).hex
        result = await self.sandbox(f"/{channel}/trades/{no}/pay")
        assert result["statuses"] in ([204], [200]), result
        return auth, await self.wait_status(auth, order["id"], "paid")


@pytest.fixture
async def client(stack: Stack, tokens: Tokens) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(timeout=20) as http:
        yield Client(http, stack, tokens)
