"""What `make run` does when PostgreSQL or RabbitMQ does not answer.

Installed here but stopped: start it, as `.ci/run` does. Not installed but Docker is: offer
`docker compose up -d` of just the missing ones (ask on a terminal, print the command
otherwise). Neither, or a server on another host: say which is down and how to start it.
Everything the decision looks at (what is installed, Docker, the terminal) comes through
`Probes`, so the decision is tested without stopping anyone's servers.
"""

import asyncio
import ipaddress
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from educert_common.settings import PlatformSettings

ROOT = Path(__file__).resolve().parents[4]
POSTGRES, RABBITMQ = "PostgreSQL", "RabbitMQ"
COMPOSE_SERVICES = {POSTGRES: "postgres", RABBITMQ: "rabbitmq"}
# Publishes the two on 127.0.0.1 (the main compose file keeps them on its own network).
COMPOSE_FILES = ("docker-compose.yml", "deploy/docker/compose.make-run.yml")
START_DEADLINE_SECONDS = 90.0


DEFAULT_PORTS = {POSTGRES: 5432, RABBITMQ: 5672}


@dataclass(frozen=True)
class Unreachable:
    """A dependency that did not answer, where it was expected, and the readable problem."""

    name: str
    host: str
    problem: str
    port: int = 0

    @property
    def at_default_port(self) -> bool:
        """Where a server installed here (or compose) would listen: only then can we help."""
        return self.port in (0, DEFAULT_PORTS[self.name])

    @property
    def local(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def _postgres_start_command() -> list[str] | None:
    clusters = Path("/etc/postgresql")
    if shutil.which("pg_ctlcluster") is None or not clusters.is_dir():
        return None
    versions = sorted(p.name for p in clusters.iterdir() if (p / "main").is_dir())
    if not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "start"]


def _rabbitmq_start_command() -> list[str] | None:
    return ["rabbitmq-server", "-detached"] if shutil.which("rabbitmq-server") else None


def _installed_start_command(name: str) -> list[str] | None:
    return _postgres_start_command() if name == POSTGRES else _rabbitmq_start_command()


def _quietly(command: list[str]) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    """A Docker engine that answers and the compose plugin (a CLI alone is not enough)."""
    return (
        shutil.which("docker") is not None
        and _quietly(["docker", "info"])
        and _quietly(["docker", "compose", "version"])
    )


def _ask(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("", "y", "yes")
    except EOFError:
        return False


def _run(command: list[str]) -> int:
    try:
        return subprocess.run(command, cwd=ROOT, timeout=300, check=False).returncode
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  {' '.join(command)} failed: {exc}", flush=True)
        return 1


async def _probe(settings: PlatformSettings) -> list[Unreachable]:
    from educert_common.devrun import probe_infrastructure

    return await probe_infrastructure(settings)


@dataclass(frozen=True)
class Probes:
    """The machine as the decision sees it; tests pass their own."""

    unreachable: Callable[[PlatformSettings], Awaitable[list[Unreachable]]] = _probe
    start_command: Callable[[str], list[str] | None] = _installed_start_command
    port_open: Callable[[str, int], bool] = _port_open
    docker_available: Callable[[], bool] = _docker_available
    is_tty: Callable[[], bool] = field(default=lambda: sys.stdin.isatty())
    ask: Callable[[str], bool] = _ask
    run: Callable[[list[str]], int] = _run


@dataclass
class Plan:
    """What to do about the unreachable dependencies."""

    start: list[tuple[str, list[str]]] = field(default_factory=list)
    compose: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def compose_command(services: list[str]) -> list[str]:
    files = [part for name in COMPOSE_FILES for part in ("-f", name)]
    return ["docker", "compose", *files, "up", "-d", "--wait", *services]


def plan_recovery(unreachable: list[Unreachable], probes: Probes) -> Plan:
    """Start what is installed here; offer compose for the rest if Docker runs; else explain."""
    plan = Plan()
    not_installed: list[Unreachable] = []
    for dependency in unreachable:
        if (
            not dependency.local
            or not dependency.at_default_port
            or probes.port_open(dependency.host, dependency.port or DEFAULT_PORTS[dependency.name])
        ):
            # Someone else's server, a port no local server would use, or something already
            # listening that refuses us: starting a server here would not help.
            plan.unresolved.append(dependency.problem)
            continue
        command = probes.start_command(dependency.name)
        if command:
            plan.start.append((dependency.name, command))
        else:
            not_installed.append(dependency)
    if not_installed and probes.docker_available():
        plan.compose = [COMPOSE_SERVICES[d.name] for d in not_installed]
    else:
        plan.unresolved += [d.problem for d in not_installed]
    return plan


async def ensure_infrastructure(
    settings: PlatformSettings,
    probes: Probes | None = None,
    *,
    deadline_seconds: float = START_DEADLINE_SECONDS,
) -> list[str]:
    """Start or offer to start what is down; return the problems left (empty: all answer)."""
    probes = probes or Probes()
    unreachable = await probes.unreachable(settings)
    if not unreachable:
        return []
    plan = plan_recovery(unreachable, probes)
    started = False
    for name, command in plan.start:
        print(f"{name} is installed but not running; starting it: {' '.join(command)}", flush=True)
        if probes.run(command) == 0:
            started = True
        else:
            print(f"  starting {name} failed; start it by hand: {' '.join(command)}", flush=True)
    if plan.compose:
        command = " ".join(compose_command(plan.compose))
        names = " and ".join(plan.compose)
        if probes.is_tty() and probes.ask(
            f"{names} not installed here, but Docker is. Run `{command}`? [Y/n] "
        ):
            started = probes.run(compose_command(plan.compose)) == 0 or started
        else:
            plan.unresolved.append(
                f"{names} not installed here, but Docker is: start them with\n  {command}"
            )
    if not started:
        return [*plan.unresolved, *_still_down(unreachable, plan)]
    deadline = time.monotonic() + deadline_seconds
    while True:
        unreachable = await probes.unreachable(settings)
        handled = {name for name, _ in plan.start} | {
            name for name, service in COMPOSE_SERVICES.items() if service in plan.compose
        }
        waiting = [d for d in unreachable if d.name in handled]
        if not waiting or time.monotonic() > deadline:
            break
        await asyncio.sleep(1.0)
    if not waiting:
        print("PostgreSQL and RabbitMQ answer now.", flush=True)
    return [
        *plan.unresolved,
        *(
            f"{d.name} was started but does not answer after {deadline_seconds:.0f} s: {d.problem}"
            for d in waiting
        ),
    ]


def _still_down(unreachable: list[Unreachable], plan: Plan) -> list[str]:
    """Problems of dependencies a start was tried for and failed (the rest are in the plan)."""
    tried = {name for name, _ in plan.start}
    return [d.problem for d in unreachable if d.name in tried]
