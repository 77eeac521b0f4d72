"""`make run` as a newcomer runs it: the platform comes up, answers, and stops on Ctrl-C."""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest
from jose import jwt

from educert_common.settings import SERVICE_NAMES
from educert_common.testing.processes import free_port
from educert_common.testing.waiting import wait_until

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline and str(os.getpid()) != entry.name:
            found.append(int(entry.name))
    return found


LOGIN_LINE = re.compile(r"^ {4}(\w+) +(\S+) / (\S+)", re.MULTILINE)


def printed_logins(text: str) -> list[tuple[str, str, str]]:
    """(role, identifier, password) of every demo account the banner lists."""
    return LOGIN_LINE.findall(text.split("Demo accounts", 1)[-1]) if "Demo accounts" in text else []


async def banner_printed(log: Path) -> bool:
    text = await asyncio.to_thread(log.read_text, errors="replace")
    return "Press Ctrl-C to stop." in text


async def demo_logins_work(client: httpx.AsyncClient, logins: list[tuple[str, str, str]]) -> None:
    roles = sorted(role for role, _, _ in logins)
    assert roles == sorted(
        ["admin", "operator", "reviewer", "institution_staff", "applicant", "applicant"]
    ), logins
    for role, identifier, password in logins:
        response = await client.post(
            "/api/v1/identity/login",
            json={"identifier": identifier, "password": password},
            timeout=30,
        )
        assert response.status_code == 200, (identifier, response.text)
        token = response.json()["access_token"]
        assert role in jwt.get_unverified_claims(token)["roles"]
        if role == "applicant":
            # The development registry knows the demo students: real-name checks pass.
            checked = await client.post(
                "/api/v1/identity/me/realname-verification",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert checked.status_code == 200, checked.text
            assert checked.json()["realname_status"] == "verified"


async def demo_rows() -> dict[str, int]:
    """What the seed wrote to identity's and records' databases (this run's)."""
    from educert_common.crypto import BlindIndex
    from educert_common.seed import DEMO_STAFF, DEMO_STUDENTS, SEED_ACTOR
    from educert_common.settings import PlatformSettings
    from identity.config import IdentitySettings

    index = BlindIndex.from_secret(PlatformSettings().id_number_index_secret, "id_number")
    usernames = [account.username for account in (*DEMO_STAFF, *DEMO_STUDENTS)]
    hashes = [index.of(student.id_number) for student in DEMO_STUDENTS]
    connection = await asyncpg.connect(
        IdentitySettings().resolved_database_url().replace("+asyncpg", "")
    )
    try:
        audit = "SELECT count(*) FROM audit_entries WHERE actor = $1 AND action = $2"
        return {
            "users": await connection.fetchval(
                "SELECT count(*) FROM users WHERE username = ANY($1::text[])", usernames
            ),
            "registry": await connection.fetchval(
                "SELECT count(*) FROM registry_people WHERE id_number_hash = ANY($1::text[])",
                hashes,
            ),
            "staff_created": await connection.fetchval(audit, SEED_ACTOR, "staff.created"),
            "registry_imports": await connection.fetchval(audit, SEED_ACTOR, "registry.imported"),
            **await records_demo_rows(hashes),
        }
    finally:
        await connection.close()


async def records_demo_rows(hashes: list[str]) -> dict[str, int]:
    """The demo institution, the listed ones, and the demo students' records."""
    from educert_common.seed import DEMO_INSTITUTION_ID
    from records.config import RecordsSettings
    from records.seed import institutions_dev

    codes = [DEMO_INSTITUTION_ID, *(institution.id for institution in institutions_dev())]
    connection = await asyncpg.connect(
        RecordsSettings().resolved_database_url().replace("+asyncpg", "")
    )
    try:
        return {
            "institutions": await connection.fetchval(
                "SELECT count(*) FROM institutions WHERE id = ANY($1::text[])", codes
            ),
            "student_records": await connection.fetchval(
                "SELECT (SELECT count(*) FROM student_status_records"
                "        WHERE id_number_hash = ANY($1))"
                " + (SELECT count(*) FROM qualification_records WHERE id_number_hash = ANY($1))"
                " + (SELECT count(*) FROM degree_records WHERE id_number_hash = ANY($1))",
                hashes,
            ),
        }
    finally:
        await connection.close()


async def gateway_ready(port: int, make: subprocess.Popen[bytes]) -> bool:
    if make.poll() is not None:
        raise AssertionError("make run exited before the gateway was ready")
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def test_make_run_starts_the_platform_and_ctrl_c_stops_all_of_it(
    migrated_services: None, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in (*SERVICE_NAMES, "gateway", "sink", "carrier", "smtp")}
    env = {
        **os.environ,
        "GATEWAY_PORT": str(ports["gateway"]),
        # The development stand-ins for the outside world, on ports of this test's own.
        "NOTIFICATION_DEV_SMTP_SINK_HTTP_PORT": str(ports["sink"]),
        "NOTIFICATION_SMS_CARRIER_URL": f"http://127.0.0.1:{ports['carrier']}",
        "NOTIFICATION_SMTP_PORT": str(ports["smtp"]),
        "PAYMENT_SANDBOX_URL": f"http://127.0.0.1:{free_port()}",
        **{
            f"EDUCERT_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}"
            for name in SERVICE_NAMES
        },
    }
    log = tmp_path / "make-run.log"
    # Popen only starts the process; every wait below is awaited.
    make = subprocess.Popen(  # noqa: ASYNC220
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),  # a file, not a pipe nobody drains while we wait
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        await wait_until(
            lambda: gateway_ready(ports["gateway"], make),
            timeout=180,
            interval=0.2,
            message="the gateway to become ready",
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['gateway']}") as client:
            docs = await client.get("/docs", timeout=5)
            through_gateway = await client.get("/api/v1/records/about", timeout=5)
            assert docs.status_code == 200
            assert through_gateway.json()["service"] == "records"
            await wait_until(lambda: banner_printed(log), timeout=30, message="the banner")
            await demo_logins_work(client, printed_logins(log.read_text(errors="replace")))

        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        await asyncio.to_thread(make.wait, 60)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()

    text = log.read_text(errors="replace")
    assert f"http://127.0.0.1:{ports['gateway']}/docs" in text, text[-3000:]
    assert "EduCert stopped." in text, text[-3000:]

    # Seeding again (what every later start does) finds the demo data and adds nothing.
    counts = await demo_rows()
    again = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "educert_common.cli", "seed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert printed_logins(again.stdout) == printed_logins(text)
    assert counts == {
        "users": 6,
        "registry": 2,
        "staff_created": 4,
        "registry_imports": 1,
        # 42 listed and the demo institution; 3 records of each demo student and 李明's
        # new enrollment.
        "institutions": 43,
        "student_records": 7,
    }
    assert await demo_rows() == counts
    assert not [name for name, port in ports.items() if port_open(port)]
    assert processes_mentioning(f"--port {ports['records']}") == []
    assert processes_mentioning(f"--port {ports['gateway']}") == []


def test_production_never_seeds_demo_data() -> None:
    env = {**os.environ, "EDUCERT_ENVIRONMENT": "production"}

    result = subprocess.run(
        [sys.executable, "-m", "educert_common.cli", "seed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "never seeded in production" in result.stderr
    assert "educert-admin create-admin" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("EDUCERT_BROKER_URL", "amqp://guest:guest@127.0.0.1:{port}/", "RabbitMQ"),
        ("EDUCERT_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:{port}", "PostgreSQL"),
    ],
)
def test_an_unreachable_dependency_is_named_with_how_to_start_it(
    variable: str, value: str, named: str
) -> None:
    env = {**os.environ, variable: value.format(port=free_port())}

    result = subprocess.run(
        [sys.executable, "-m", "educert_common.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert f"{named} is not reachable" in result.stderr
    assert "start it with" in result.stderr
    assert "Traceback" not in result.stderr
