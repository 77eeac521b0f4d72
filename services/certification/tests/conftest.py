"""The certification service for real: identity (for its keys and face checks), payment with
its provider sandbox, and certification as uvicorn processes on the run's throwaway database
and broker names; a subscriber queue recording what certification and payment publish.

Fixtures other test modules build on:
- `stack`: the running processes, the databases, the subscriber.
- `http`: a client; `applicant`: a fresh real-name-verified applicant.
- `certification_env`: extra environment of the processes (override it in a module).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from certification.config import CertificationSettings
from certification.testing import Applicant, Stack, Subscriber, verified_applicant
from educert_common.db import Database
from educert_common.testing.events import recording, wait_for_consumer
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.tokens import Tokens
from notification.config import NotificationSettings
from payment.config import PaymentSettings


@pytest.fixture(scope="module")
async def subscriber() -> AsyncIterator[Subscriber]:
    async with recording(["certification.#", "payment.order.#"], "certtest") as recorder:
        yield recorder


@pytest.fixture(scope="module")
def certification_env() -> dict[str, str]:
    """Extra environment of the processes; a test module overrides it."""
    return {}


@pytest.fixture(scope="module")
def with_notification() -> bool:
    """Whether notification (with its development SMTP sink and SMS carrier) runs too; the
    journeys override it."""
    return False


# Module scope: processes of one test module never consume the events of another.
@pytest.fixture(scope="module")
async def stack(
    migrated_services: None,
    subscriber: Subscriber,
    tmp_path_factory: pytest.TempPathFactory,
    certification_env: dict[str, str],
    with_notification: bool,
) -> AsyncIterator[Stack]:
    log_dir = tmp_path_factory.mktemp("certification")
    smtp_port = free_port()
    identity_port, certification_port = free_port(), free_port()
    payment_port, sandbox_port = free_port(), free_port()
    payment_url = f"http://127.0.0.1:{payment_port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "EDUCERT_CERTIFICATION_URL": f"http://127.0.0.1:{certification_port}",
        "EDUCERT_PAYMENT_URL": payment_url,
        "EDUCERT_INTERNAL_TOKEN": f"test-internal-{uuid.uuid4().hex}",
        "EDUCERT_SIGNING_DEV_DIR": str(log_dir / "signing"),
        "CERTIFICATION_STORAGE_ROOT": str(log_dir / "storage"),
        "PAYMENT_DEV_KEY_DIR": str(log_dir / "payment-keys"),
        "PAYMENT_SANDBOX_URL": sandbox_url,
        "PAYMENT_SANDBOX_PUBLIC_URL": sandbox_url,
        "PAYMENT_PUBLIC_BASE_URL": payment_url,
        "PAYMENT_CALLBACK_BASE_URL": payment_url,
        "PAYMENT_EXPIRY_SWEEP_SECONDS": "0.2",
        "PAYMENT_QUERY_AFTER_SECONDS": "3",
        "PAYMENT_QUERY_EVERY_SECONDS": "0.5",
        "PAYMENT_RECONCILE_DAILY": "false",
        "IDENTITY_DATABASE_POOL_SIZE": "3",
        "PAYMENT_DATABASE_POOL_SIZE": "4",
        "CERTIFICATION_DATABASE_POOL_SIZE": "4",
        "NOTIFICATION_DATABASE_POOL_SIZE": "3",
        "NOTIFICATION_SMTP_PORT": str(smtp_port),
        "NOTIFICATION_DELIVERY_POLL_SECONDS": "0.2",
        "NOTIFICATION_DELIVERY_BACKOFF_BASE_SECONDS": "0.05",
        **certification_env,
    }

    def process(name: str, app: str, port: int) -> RunningProcess:
        return RunningProcess(name, app, port=port, env=env, log_dir=log_dir)

    identity = process("identity", "identity.main:create_app", identity_port)
    payment = process("payment", "payment.main:create_app", payment_port)
    sandbox = process("sandbox", "payment.sandbox.app:create_app", sandbox_port)
    certification = process("certification", "certification.main:create_app", certification_port)
    database = Database.connect(CertificationSettings().resolved_database_url(), pool_size=3)
    payment_database = Database.connect(PaymentSettings().resolved_database_url(), pool_size=2)
    running = Stack(
        identity, payment, sandbox, certification, env, log_dir, database, payment_database,
        subscriber,
    )  # fmt: skip
    first = [identity, sandbox, payment]
    if with_notification:
        carrier = process("sms-carrier", "notification.devtools.carrier:create_app", free_port())
        env["NOTIFICATION_SMS_CARRIER_URL"] = carrier.url
        sink = process("smtp-sink", "notification.devtools.smtp_sink:create_app", free_port())
        running.notification = process("notification", "notification.main:create_app", free_port())
        running.notification_database = Database.connect(
            NotificationSettings().resolved_database_url(), pool_size=2
        )
        first += [carrier, sink, running.notification]
    try:
        # Identity first: the others read the revocation list from it before they accept tokens.
        for started in first:
            started.start()
        await asyncio.gather(*(p.wait_ready(timeout=60) for p in first))
        await certification.start().wait_ready(timeout=60)
        await wait_for_consumer("certification")
        if with_notification:
            await wait_for_consumer("notification")
        yield running
    finally:
        for started in (running.certification, *reversed(first)):
            started.stop()
        await database.dispose()
        await payment_database.dispose()
        if running.notification_database is not None:
            await running.notification_database.dispose()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture
async def applicant(http: httpx.AsyncClient, stack: Stack, tokens: Tokens) -> Applicant:
    return await verified_applicant(http, stack, tokens)
