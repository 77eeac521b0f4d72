"""No process picks an environment by itself: a forgotten EDUCERT_ENVIRONMENT stops it
(instead of quietly turning on development tools); only `make run` and the tests set one."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from educert_common.devrun import use_development_environment_unless_set
from educert_common.settings import PlatformSettings
from educert_common.testing.processes import free_port
from educert_common.testing.waiting import wait_until

APPS = {
    "gateway": "educert_gateway.main:create_app",
    "identity": "identity.main:create_app",
    "records": "records.main:create_app",
    "certification": "certification.main:create_app",
    "payment": "payment.main:create_app",
    "notification": "notification.main:create_app",
}


def test_settings_refuse_a_missing_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUCERT_ENVIRONMENT")
    with pytest.raises(ValidationError, match="EDUCERT_ENVIRONMENT is not set"):
        PlatformSettings()
    monkeypatch.setenv("EDUCERT_ENVIRONMENT", "")
    with pytest.raises(ValidationError, match="EDUCERT_ENVIRONMENT is not set"):
        PlatformSettings()
    monkeypatch.setenv("EDUCERT_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        PlatformSettings()


def _without_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "EDUCERT_ENVIRONMENT"}


def _start_without_environment(app: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port)],
            env=_without_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.mark.parametrize("process", sorted(APPS))
async def test_every_process_refuses_to_start_without_an_environment(
    process: str, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / f"{process}.log"
    popen = _start_without_environment(APPS[process], port, log)
    try:

        async def exited_or_serving() -> bool:
            if popen.poll() is not None:
                return True
            try:
                async with httpx.AsyncClient(timeout=1) as client:
                    await client.get(f"http://127.0.0.1:{port}/healthz")
                return True
            except httpx.HTTPError:
                return False

        await wait_until(exited_or_serving, timeout=60, message=f"{process} to exit or serve")
        assert popen.poll() is not None, f"{process} started without EDUCERT_ENVIRONMENT"
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()
    assert popen.returncode != 0
    assert "EDUCERT_ENVIRONMENT is not set" in log.read_text(errors="replace")


def test_migrations_refuse_to_run_without_an_environment() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from educert_common.cli import migrate_main; migrate_main()"],
        env=_without_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "EDUCERT_ENVIRONMENT is not set" in result.stderr


def test_make_run_is_development_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUCERT_ENVIRONMENT")
    assert use_development_environment_unless_set() == "development"
    assert PlatformSettings().environment == "development"
    monkeypatch.setenv("EDUCERT_ENVIRONMENT", "production")
    assert use_development_environment_unless_set() == "production"
