"""Fixtures of the notification tests: its database, the development SMTP sink and SMS
carrier as real processes, and access tokens signed with identity's key."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from educert_common.db import Database
from educert_common.testing.processes import RunningProcess, free_port
from notification.config import NotificationSettings
from notification.testing import DevTools


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
