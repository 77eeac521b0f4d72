"""Reports that cost a fee, against real identity, records, payment and payment's provider
sandbox processes: the student orders, the report waits for its payment order, is issued when
the order is paid (once, however often the paid event comes), cancelled when it expires
unpaid, and still ordered (and its order created later) while payment is unreachable."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from educert_common.db import Database
from educert_common.events.catalogue import OrderPaid
from educert_common.events.envelope import EventEnvelope
from educert_common.testing.events import publish, recording
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until
from payment.config import PaymentSettings
from records.config import RecordsSettings
from records.testing import RNG, Caller, Stack, Subscriber, adult, qualification_body

pytestmark = pytest.mark.e2e
CHANNEL = "wechat"
EXPIRE = "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = :id"


@dataclass
class PaidStack(Stack):
    """Records' stack plus payment, its sandbox and payment's database."""

    payment: RunningProcess
    sandbox: RunningProcess
    payment_database: Database

    @property
    def payment_url(self) -> str:
        return self.payment.url + "/api/v1/payment"

    async def restart_payment(self) -> None:
        """Start payment again on its port (after `payment.stop()`)."""
        self.payment = RunningProcess(
            "payment",
            "payment.main:create_app",
            port=self.payment.port,
            env=self.env,
            log_dir=self.log_dir,
        ).start()
        await self.payment.wait_ready(timeout=60)

    async def expire_order(self, order_id: str) -> None:
        """Move an order past its deadline (the TTL is at least a minute); the sweep expires it."""
        async with self.payment_database.transaction() as session:
            await session.execute(sa.text(EXPIRE), {"id": order_id})

    async def payment_rows(self, statement: str, **params: Any) -> list[Any]:
        async with self.payment_database.transaction() as session:
            return list((await session.execute(sa.text(statement), params)).all())


# Replaces the conftest's: payment's events are recorded too.
@pytest.fixture(scope="module")
async def subscriber() -> AsyncIterator[Subscriber]:
    async with recording(["records.#", "payment.order.#"], "paidreports") as recorder:
        yield recorder


# Replaces the conftest's `stack`: payment and its sandbox run too, records calls payment's
# internal API with the token they share, and payment's callbacks reach payment itself.
@pytest.fixture(scope="module")
async def stack(
    migrated_services: None,
    subscriber: Subscriber,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[PaidStack]:
    log_dir = tmp_path_factory.mktemp("records-paid")
    identity_port, records_port = free_port(), free_port()
    payment_port, sandbox_port = free_port(), free_port()
    payment_url = f"http://127.0.0.1:{payment_port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{records_port}",
        "EDUCERT_PAYMENT_URL": payment_url,
        "EDUCERT_INTERNAL_TOKEN": f"test-internal-{uuid.uuid4().hex}",
        "EDUCERT_SIGNING_DEV_DIR": str(log_dir / "signing"),
        "RECORDS_STORAGE_ROOT": str(log_dir / "storage"),
        "PAYMENT_DEV_KEY_DIR": str(log_dir / "payment-keys"),
        "PAYMENT_SANDBOX_URL": sandbox_url,
        "PAYMENT_SANDBOX_PUBLIC_URL": sandbox_url,
        "PAYMENT_PUBLIC_BASE_URL": payment_url,
        "PAYMENT_CALLBACK_BASE_URL": payment_url,
        # Orders are expired by moving their deadline (the TTL is at least a minute); the
        # sweep then finds them at once.
        "PAYMENT_EXPIRY_SWEEP_SECONDS": "0.2",
        "PAYMENT_QUERY_AFTER_SECONDS": "3",
        "PAYMENT_QUERY_EVERY_SECONDS": "0.5",
        "PAYMENT_RECONCILE_DAILY": "false",
        # Four processes share the machine's database server with other runs: small pools.
        "IDENTITY_DATABASE_POOL_SIZE": "3",
        "RECORDS_DATABASE_POOL_SIZE": "4",
        "PAYMENT_DATABASE_POOL_SIZE": "4",
    }

    def process(name: str, app: str, port: int) -> RunningProcess:
        return RunningProcess(name, app, port=port, env=env, log_dir=log_dir)

    identity = process("identity", "identity.main:create_app", identity_port)
    records = process("records", "records.main:create_app", records_port)
    payment = process("payment", "payment.main:create_app", payment_port)
    sandbox = process("sandbox", "payment.sandbox.app:create_app", sandbox_port)
    database = Database.connect(RecordsSettings().resolved_database_url(), pool_size=4)
    payment_database = Database.connect(PaymentSettings().resolved_database_url(), pool_size=2)
    running = PaidStack(
        identity, records, env, log_dir, database, subscriber, payment, sandbox, payment_database
    )
    try:
        # Identity first: records reads the revocation list from it before it accepts tokens.
        for first in (identity, sandbox, payment):
            first.start()
        await asyncio.gather(*(p.wait_ready(timeout=60) for p in (identity, sandbox, payment)))
        await records.start().wait_ready(timeout=60)
        yield running
    finally:
        for started in (running.records, running.payment, sandbox, identity):
            started.stop()
        await database.dispose()
        await payment_database.dispose()


@pytest.fixture(scope="module")
async def fee_required(stack: PaidStack, tokens: Tokens) -> AsyncIterator[dict[str, Any]]:
    """Operators require the fee for this module; the policy is put back when it ends."""
    async with httpx.AsyncClient(timeout=30) as http:
        operator = await Caller(http, stack, tokens).operator()
        url = f"{stack.url}/reports/policy"
        before = (await http.get(url)).json()
        body = {
            "min_validity_days": before["min_validity_days"],
            "max_validity_days": before["max_validity_days"],
            "fee_required": True,
        }
        try:
            response = await http.put(url, json=body, headers=operator)
            assert response.status_code == 200, response.text
            yield dict(response.json())
        finally:
            restored = await http.put(url, json={**body, "fee_required": False}, headers=operator)
            assert restored.status_code == 200, restored.text


@dataclass
class Student:
    caller: Caller
    stack: PaidStack
    id: uuid.UUID
    headers: dict[str, str]
    record: dict[str, Any]

    async def order(self, **headers: str) -> httpx.Response:
        body = {"record_kind": "qualification", "record_id": self.record["id"], "validity_days": 30}
        return await self.caller.http.post(
            f"{self.stack.url}/me/reports", json=body, headers={**self.headers, **headers}
        )

    async def report(self, report_id: str) -> dict[str, Any]:
        response = await self.caller.http.get(
            f"{self.stack.url}/me/reports/{report_id}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def reports(self) -> list[dict[str, Any]]:
        response = await self.caller.http.get(f"{self.stack.url}/me/reports", headers=self.headers)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def report_in(self, report_id: str, status: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            report = await self.report(report_id)
            return report if report["status"] == status else None

        return await wait_until(reached, timeout=20, message=f"report {status}")

    async def pay(self, order_id: str) -> dict[str, Any]:
        """Pay the order as payment's tests do: start it, then pay in the sandbox."""
        http = self.caller.http
        started = await http.post(
            f"{self.stack.payment_url}/orders/{order_id}/payments",
            json={"channel": CHANNEL},
            headers=self.headers,
        )
        assert started.status_code == 200, started.text
        paid = await http.post(
            f"{self.stack.sandbox.url}/control/{CHANNEL}/trades/{uuid.UUID(order_id).hex}/pay",
            json={},
        )
        assert paid.status_code == 200 and paid.json()["statuses"] in ([204], [200]), paid.text
        return await self.stack.subscriber.wait_for("payment.order.paid", order_id=order_id)


@pytest.fixture
async def student(caller: Caller, stack: PaidStack, fee_required: dict[str, Any]) -> Student:
    """A student with a qualification already in their archive (binding is test_binding's)."""
    institution = await caller.institution()
    owner, headers = await caller.student()
    number = f"S{RNG.randrange(10**8):08d}"
    response = await caller.http.put(
        f"{stack.url}/institutions/{institution}/qualifications/{number}",
        json=qualification_body(adult(), institution),
        headers=await caller.staff(institution),
    )
    assert response.status_code == 201, response.text
    record = dict(response.json()["record"])
    await stack.execute(
        "UPDATE qualification_records SET owner_id = :owner, bound_at = now(), "
        "bound_via = 'automatic' WHERE id = :id",
        owner=owner,
        id=uuid.UUID(record["id"]),
    )
    return Student(caller, stack, owner, headers, record)


async def verify(caller: Caller, code: str) -> dict[str, Any]:
    # A fresh address each time: unknown codes count against the address that looks them up.
    address = f"198.18.{RNG.randrange(256)}.{RNG.randrange(1, 255)}"
    response = await caller.http.get(
        f"{caller.stack.url}/reports/verify/{code}", headers={"X-Forwarded-For": address}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_paid_order_issues_the_report(
    caller: Caller, stack: PaidStack, student: Student, fee_required: dict[str, Any]
) -> None:
    assert fee_required["fee_required"] is True
    assert (await caller.http.get(f"{stack.url}/reports/policy")).json()["fee_required"] is True

    ordered = await student.order()
    assert ordered.status_code == 201, ordered.text
    report = ordered.json()
    assert report["status"] == "awaiting_payment" and report["state"] == "unknown"
    assert report["order_id"] and report["facts"] == [] and report["valid_from"] is None
    unpaid = await verify(caller, report["code"])
    assert unpaid["state"] == "unknown" and not unpaid.get("facts")
    assert not stack.subscriber.of("records.report.issued", report_id=report["id"])

    # The order is payment's, for the report, at the fee payment's table names.
    order = await caller.http.get(
        f"{stack.payment_url}/orders/{report['order_id']}", headers=student.headers
    )
    assert order.status_code == 200, order.text
    fees = (await caller.http.get(f"{stack.payment_url}/fees")).json()
    fee = next(item["amount_fen"] for item in fees if item["purpose"] == "report")
    assert order.json()["purpose"] == "report" and order.json()["reference_id"] == report["id"]
    assert order.json()["amount_fen"] == fee and order.json()["status"] == "created"

    paid = await student.pay(report["order_id"])
    assert paid["data"]["purpose"] == "report" and paid["data"]["user_id"] == str(student.id)
    issued = await student.report_in(report["id"], "active")
    assert issued["state"] == "valid" and issued["order_id"] == report["order_id"]
    assert issued["code"] == report["code"] and issued["valid_until"] > issued["valid_from"]
    facts = {fact["key"]: fact["value_zh"] for fact in issued["facts"]}
    assert facts["certificate_number"] == student.record["certificate_number"]
    event = await stack.subscriber.wait_for("records.report.issued", report_id=report["id"])
    assert event["data"]["user_id"] == str(student.id)

    answer = await verify(caller, report["code"])
    assert answer["state"] == "valid"
    shown = {fact["key"]: fact["value"] for fact in answer["facts"]}
    assert shown["certificate_number"] == student.record["certificate_number"]
    not_payable = await caller.http.post(
        f"{stack.url}/me/reports/{report['id']}/payment", headers=student.headers
    )
    assert not_payable.status_code == 409 and not_payable.json()["code"] == "report_not_payable"


async def test_a_second_paid_event_changes_nothing(
    caller: Caller, stack: PaidStack, student: Student
) -> None:
    report = (await student.order()).json()
    paid = await student.pay(report["order_id"])
    issued = await student.report_in(report["id"], "active")

    # The same event delivered again, and a second paid event for the order (a new id).
    again = EventEnvelope.model_validate(paid)
    second = EventEnvelope(
        type=OrderPaid.event_type,
        version=again.version,
        source="payment",
        subject=again.subject,
        data=again.data,
    )
    await publish(again, second)

    async def handled() -> bool:
        rows = await stack.rows(
            "SELECT event_id FROM inbox_events WHERE event_id = :id", id=second.id
        )
        return bool(rows)

    await wait_until(handled, timeout=20, message="the second paid event handled")
    after = await student.report(report["id"])
    assert after["status"] == "active" and after["state"] == "valid"
    assert after["valid_from"] == issued["valid_from"]
    assert after["valid_until"] == issued["valid_until"]
    assert after["issued_at"] == issued["issued_at"]
    # Announced once: the outbox row is written in the handler's transaction.
    announced = await stack.rows(
        "SELECT id FROM outbox_events WHERE event_type = 'records.report.issued' "
        "AND payload -> 'data' ->> 'report_id' = :id",
        id=report["id"],
    )
    assert len(announced) == 1


async def test_an_order_that_expires_unpaid_cancels_the_report(
    caller: Caller, stack: PaidStack, student: Student
) -> None:
    report = (await student.order()).json()
    assert report["order_id"]
    # Past its deadline: payment's sweep closes it at the sandbox and expires it.
    await stack.expire_order(report["order_id"])
    expired = await stack.subscriber.wait_for(
        "payment.order.expired", timeout=20, order_id=report["order_id"]
    )
    assert expired["data"]["reference_id"] == report["id"]

    cancelled = await student.report_in(report["id"], "cancelled")
    assert cancelled["state"] == "unknown" and cancelled["facts"] == []
    assert (await verify(caller, report["code"]))["state"] == "unknown"
    retry = await caller.http.post(
        f"{stack.url}/me/reports/{report['id']}/payment", headers=student.headers
    )
    assert retry.status_code == 409 and retry.json()["code"] == "report_not_payable"
    assert not stack.subscriber.of("records.report.issued", report_id=report["id"])


async def test_ordering_while_payment_is_down_waits_and_the_order_comes_later(
    caller: Caller, stack: PaidStack, student: Student
) -> None:
    key = {"Idempotency-Key": f"paid-report-{uuid.uuid4().hex}"}
    stack.payment.stop()
    try:
        refused = await student.order(**key)
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "payment_unavailable"
        [waiting] = await student.reports()
        assert waiting["status"] == "awaiting_payment" and waiting["order_id"] is None
        still = await caller.http.post(
            f"{stack.url}/me/reports/{waiting['id']}/payment", headers=student.headers
        )
        assert still.status_code == 503 and still.json()["code"] == "payment_unavailable"
    finally:
        await stack.restart_payment()

    url = f"{stack.url}/me/reports/{waiting['id']}/payment"
    first = await caller.http.post(url, headers=student.headers)
    assert first.status_code == 200, first.text
    order_id = first.json()["order_id"]
    assert order_id and first.json()["status"] == "awaiting_payment"
    second = await caller.http.post(url, headers=student.headers)
    assert second.status_code == 200 and second.json()["order_id"] == order_id
    # Ordering again with the first request's key: the same report, with its order now.
    retried = await student.order(**key)
    assert retried.status_code == 201, retried.text
    assert retried.json()["id"] == waiting["id"] and retried.json()["order_id"] == order_id
    assert (await student.report(waiting["id"]))["order_id"] == order_id
    orders = await stack.payment_rows(
        "SELECT id FROM orders WHERE reference_id = :id", id=waiting["id"]
    )
    assert [str(row.id) for row in orders] == [order_id]


async def test_ordering_twice_with_one_idempotency_key_makes_one_report_and_order(
    caller: Caller, stack: PaidStack, student: Student
) -> None:
    key = {"Idempotency-Key": f"paid-report-{uuid.uuid4().hex}"}
    first = await student.order(**key)
    assert first.status_code == 201, first.text
    second = await student.order(**key)
    assert second.status_code == 201, second.text
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["order_id"] == first.json()["order_id"] is not None
    assert [r["id"] for r in await student.reports()] == [first.json()["id"]]
    orders = await stack.payment_rows(
        "SELECT id FROM orders WHERE reference_id = :id", id=first.json()["id"]
    )
    assert [str(row.id) for row in orders] == [first.json()["order_id"]]


async def test_orders_of_someone_else_for_the_report_neither_cancel_nor_issue_it(
    caller: Caller, stack: PaidStack, student: Student
) -> None:
    report = (await student.order()).json()
    _, stranger = await caller.student()

    async def strangers_order() -> str:
        created = await caller.http.post(
            f"{stack.payment_url}/orders",
            json={"purpose": "report", "reference_id": report["id"]},
            headers=stranger,
        )
        assert created.status_code == 201, created.text
        assert created.json()["id"] != report["order_id"]
        return str(created.json()["id"])

    async def handled(event: dict[str, Any]) -> None:
        async def done() -> bool:
            return bool(
                await stack.rows("SELECT 1 FROM inbox_events WHERE event_id = :id", id=event["id"])
            )

        await wait_until(done, timeout=20, message=f"records handled {event['type']}")

    lapsed = await strangers_order()
    await stack.expire_order(lapsed)
    await handled(await stack.subscriber.wait_for("payment.order.expired", order_id=lapsed))
    assert (await student.report(report["id"]))["status"] == "awaiting_payment"

    paid = await strangers_order()
    await Student(caller, stack, uuid.uuid4(), stranger, student.record).pay(paid)
    await handled(await stack.subscriber.wait_for("payment.order.paid", order_id=paid))
    after = await student.report(report["id"])
    assert after["status"] == "awaiting_payment" and after["order_id"] == report["order_id"]
    assert (await verify(caller, report["code"]))["state"] == "unknown"
