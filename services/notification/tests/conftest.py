"""Fixtures of the notification tests: its database, the development SMTP sink and SMS
carrier as real processes, and access tokens signed with identity's key."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from educert_common.db import Database
from educert_common.testing.processes import RunningProcess, free_port
from notification.config import NotificationSettings


@dataclass(frozen=True)
class DevTools:
    """Where the development SMTP sink and SMS carrier of this run listen."""

    smtp_port: int
    carrier: RunningProcess
    sink: RunningProcess

    @property
    def env(self) -> dict[str, str]:
        return {
            "NOTIFICATION_SMTP_PORT": str(self.smtp_port),
            "NOTIFICATION_SMS_CARRIER_URL": self.carrier.url,
            "NOTIFICATION_DELIVERY_BACKOFF_BASE_SECONDS": "0.05",
            "NOTIFICATION_DELIVERY_POLL_SECONDS": "0.2",
            "NOTIFICATION_DELIVERY_MAX_ATTEMPTS": "3",
        }

    def settings(self, **overrides: object) -> NotificationSettings:
        values: dict[str, object] = {
            "smtp_port": self.smtp_port,
            "sms_carrier_url": self.carrier.url,
            "delivery_backoff_base_seconds": 0.05,
            "delivery_poll_seconds": 0.2,
            "delivery_max_attempts": 3,
            **overrides,
        }
        return NotificationSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def notification_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notification")


@pytest.fixture(scope="session")
async def dev_tools(migrated_services: None, notification_logs: Path) -> AsyncIterator[DevTools]:
    smtp_port = free_port()
    env = {"NOTIFICATION_SMTP_PORT": str(smtp_port)}
    carrier = RunningProcess(
        "sms-carrier",
        "notification.devtools.carrier:create_app",
        env=env,
        log_dir=notification_logs,
    ).start()
    sink = RunningProcess(
        "smtp-sink",
        "notification.devtools.smtp_sink:create_app",
        env=env,
        log_dir=notification_logs,
    ).start()
    try:
        await carrier.wait_ready()
        await sink.wait_ready()
        yield DevTools(smtp_port, carrier, sink)
    finally:
        carrier.stop()
        sink.stop()


@pytest.fixture(scope="session")
async def database(migrated_services: None) -> AsyncIterator[Database]:
    db = Database.connect(NotificationSettings().resolved_database_url(), pool_size=10)
    try:
        yield db
    finally:
        await db.dispose()
