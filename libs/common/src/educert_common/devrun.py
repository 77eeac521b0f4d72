"""Run the whole platform on one machine: what `make run` does after installing."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

import aio_pika
import asyncpg
from sqlalchemy.engine import make_url

from educert_common.devinfra import POSTGRES, RABBITMQ, Unreachable
from educert_common.settings import SERVICE_NAMES, PlatformSettings

STARTUP_DEADLINE_SECONDS = 60.0
STOP_GRACE_SECONDS = 15.0
COLOURS = ["36", "32", "35", "33", "34", "31"]
POSTGRES_HINT = (
    "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
    "  (or: docker compose up -d postgres)"
)
RABBITMQ_HINT = "start it with: rabbitmq-server -detached  (or: docker compose up -d rabbitmq)"


def use_development_environment_unless_set() -> str:
    """`make run` is a development machine unless told otherwise: set EDUCERT_ENVIRONMENT for
    this runner and every process it starts (nothing else defaults it)."""
    if not os.environ.get("EDUCERT_ENVIRONMENT"):
        os.environ["EDUCERT_ENVIRONMENT"] = "development"
    return os.environ["EDUCERT_ENVIRONMENT"]


async def probe_infrastructure(settings: PlatformSettings) -> list[Unreachable]:
    """Every dependency that cannot be reached, with where and a readable problem line."""
    unreachable = []
    postgres = make_url(settings.postgres_url)
    try:
        connection = await asyncpg.connect(
            host=postgres.host,
            port=postgres.port or 5432,
            user=postgres.username,
            password=postgres.password,
            database="postgres",
            timeout=5,
        )
        await connection.close()
    except Exception as exc:
        unreachable.append(
            Unreachable(
                POSTGRES,
                postgres.host or "127.0.0.1",
                f"PostgreSQL is not reachable at {postgres.host}:{postgres.port or 5432} "
                f"({type(exc).__name__}: {exc}); {POSTGRES_HINT}",
                postgres.port or 5432,
            )
        )
    try:
        # Closed even when connecting fails: an unclosed connection object schedules its own
        # close when collected, which warns ("never awaited") if no loop runs by then.
        broker = aio_pika.Connection(aio_pika.connection.make_url(settings.broker_url))
        try:
            await broker.connect(timeout=5)
        finally:
            await broker.close()
    except Exception as exc:
        where = urlsplit(settings.broker_url)
        unreachable.append(
            Unreachable(
                RABBITMQ,
                where.hostname or "127.0.0.1",
                f"RabbitMQ is not reachable at {where.hostname}:{where.port or 5672} "
                f"({type(exc).__name__}: {exc}); {RABBITMQ_HINT}",
                where.port or 5672,
            )
        )
    return unreachable


async def check_infrastructure(settings: PlatformSettings) -> list[str]:
    """Return one readable line per dependency that cannot be reached (empty when all are)."""
    return [dependency.problem for dependency in await probe_infrastructure(settings)]


@dataclass
class Process:
    name: str
    module: str
    port: int
    colour: str
    popen: subprocess.Popen[bytes] | None = None


def planned_processes(settings: PlatformSettings) -> list[Process]:
    processes = []
    if settings.environment != "production":
        # Stand-ins for the outside world that notification sends to (started first, stopped
        # last): an SMTP sink whose mail admins read at /api/v1/notification/dev/mail, and
        # an SMS carrier that records messages. SMTP itself listens on NOTIFICATION_SMTP_PORT.
        carrier_url = os.environ.get("NOTIFICATION_SMS_CARRIER_URL", "http://127.0.0.1:8026")
        sink_port = int(os.environ.get("NOTIFICATION_DEV_SMTP_SINK_HTTP_PORT", "8025"))
        processes.append(
            Process("smtp-sink", "notification.devtools.smtp_sink:create_app", sink_port, "90")
        )
        processes.append(
            Process(
                "sms-carrier",
                "notification.devtools.carrier:create_app",
                urlsplit(carrier_url).port or 80,
                "37",
            )
        )
    for index, service in enumerate(SERVICE_NAMES):
        port = urlsplit(settings.service_url(service)).port or 80
        processes.append(Process(service, f"{service}.main:create_app", port, COLOURS[index]))
    if settings.environment != "production" and os.environ.get("PAYMENT_SANDBOX", "1") != "0":
        # The WeChat Pay / Alipay sandbox payment talks to outside production (PAYMENT_SANDBOX=0
        # turns it off); same keys directory and URL as PaymentSettings' defaults.
        sandbox_url = os.environ.get("PAYMENT_SANDBOX_URL", "http://127.0.0.1:8014")
        port = urlsplit(sandbox_url).port or 8014
        processes.append(Process("pay-sandbox", "payment.sandbox.app:create_app", port, "94"))
    gateway_port = int(os.environ.get("GATEWAY_PORT", "8000"))
    # The gateway stays last: it is stopped first and its port is the one printed.
    processes.append(
        Process("gateway", "educert_gateway.main:create_app", gateway_port, COLOURS[5])
    )
    return processes


def _readable(line: str) -> str:
    """Turn a JSON log line into `time level message key=value`; leave other lines alone."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict) or "message" not in entry:
        return line
    clock = str(entry.pop("time", ""))[11:23]
    level = str(entry.pop("level", "")).upper()
    message = entry.pop("message")
    for key in ("service", "logger"):
        entry.pop(key, None)
    extra = " ".join(f"{k}={v}" for k, v in entry.items() if k != "exception")
    text = f"{clock} {level:<7} {message} {extra}".rstrip()
    if "exception" in entry:
        text += "\n" + str(entry["exception"])
    return text


def _pump(process: Process, width: int) -> None:
    assert process.popen is not None and process.popen.stdout is not None
    prefix = f"\033[{process.colour}m{process.name:<{width}} |\033[0m "
    for raw in process.popen.stdout:
        for line in _readable(raw.decode(errors="replace").rstrip()).splitlines():
            sys.stdout.write(prefix + line + "\n")
        sys.stdout.flush()


def _ready(port: int, host: str) -> bool:
    try:
        with urlopen(f"http://{host}:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


def gateway_url(settings: PlatformSettings) -> str:
    """Where `make run`'s gateway answers (the docs, the API)."""
    return f"http://{settings.host}:{int(os.environ.get('GATEWAY_PORT', '8000'))}"


def run_platform(settings: PlatformSettings, *, banner: str = "") -> int:
    """Start every process, wait until all are ready, print where the docs are, stop on Ctrl-C.

    `banner` (the demo logins) is printed with the docs URL once everything answers.
    """
    processes = planned_processes(settings)
    width = max(len(p.name) for p in processes)
    stop = threading.Event()
    exit_code = 0

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    host = settings.host
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    # The services (and stand-ins) first, the gateway once they answer: it fetches identity's
    # keys at start, and a request it forwards then finds its service ready.
    *backends, gateway_process = processes
    pending: list[Process] = []
    for group in (backends, [gateway_process]):
        for process in group:
            _start(process, host, width)
        pending = _wait_ready(group, processes, host, deadline, stop)
        if pending or stop.is_set():
            break
    failed = [p.name for p in processes if p.popen is not None and p.popen.poll() is not None]
    if failed or (pending and not stop.is_set()):
        names = ", ".join(failed or [p.name for p in pending])
        print(f"\nEduCert could not start ({names}); stopping.", flush=True)
        exit_code = 1
        stop.set()
    else:
        gateway = processes[-1].port
        print(
            f"\nEduCert is running.\n"
            f"  API docs (whole platform): http://{host}:{gateway}/docs\n"
            f"  OpenAPI document:          http://{host}:{gateway}/openapi.json\n"
            f"  Gateway readiness:         http://{host}:{gateway}/readyz\n"
            f"{banner}"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
    while not stop.is_set():
        if any(p.popen is not None and p.popen.poll() is not None for p in processes):
            print("\nA process exited; stopping the platform.", flush=True)
            exit_code = 1
            break
        stop.wait(0.5)
    _stop_all(processes)
    print("EduCert stopped.", flush=True)
    return exit_code


def _start(process: Process, host: str, width: int) -> None:
    process.popen = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            process.module,
            "--factory",
            "--host",
            host,
            "--port",
            str(process.port),
            "--no-access-log",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Own session: Ctrl-C reaches only this runner, which then stops them in order.
        start_new_session=True,
    )
    threading.Thread(target=_pump, args=(process, width), daemon=True).start()


def _wait_ready(
    group: list[Process],
    everything: list[Process],
    host: str,
    deadline: float,
    stop: threading.Event,
) -> list[Process]:
    """Wait until every process of `group` answers /readyz; return those that did not."""
    pending = list(group)
    while pending and not stop.is_set() and time.monotonic() < deadline:
        pending = [p for p in pending if not _ready(p.port, host)]
        if any(p.popen is not None and p.popen.poll() is not None for p in everything):
            break
        if pending:
            stop.wait(0.3)
    return pending


def _stop_all(processes: list[Process]) -> None:
    # The gateway first, so nothing new comes in while the services drain.
    for process in reversed(processes):
        if process.popen is not None and process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        if process.popen is None:
            continue
        try:
            process.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait()
