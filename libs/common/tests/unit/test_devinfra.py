"""What `make run` does about a stopped PostgreSQL or RabbitMQ, with the machine's probes
injected: nothing here stops or starts the servers the other tests (and people) use."""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from educert_common.devinfra import (
    COMPOSE_FILES,
    POSTGRES,
    RABBITMQ,
    ROOT,
    Probes,
    Unreachable,
    compose_command,
    ensure_infrastructure,
    plan_recovery,
)
from educert_common.settings import PlatformSettings
from educert_common.testing.processes import free_port

PG_START = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"]
RABBIT_START = ["rabbitmq-server", "-detached"]
DOWN = [
    Unreachable(POSTGRES, "127.0.0.1", "PostgreSQL is not reachable ...; start it with: ...", 5432),
    Unreachable(RABBITMQ, "localhost", "RabbitMQ is not reachable ...; start it with: ...", 5672),
]


@dataclass
class Machine:
    """A made-up machine: what is installed, whether Docker runs, what the person answers."""

    installed: dict[str, list[str]] = field(default_factory=dict)
    docker: bool = False
    tty: bool = False
    answer: bool = True
    # What the dependency probe answers, before and after anything was run.
    down: list[Unreachable] = field(default_factory=lambda: list(DOWN))
    down_after_run: list[Unreachable] = field(default_factory=list)
    listening: bool = False
    ran: list[list[str]] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def probes(self) -> Probes:
        async def unreachable(settings: PlatformSettings) -> list[Unreachable]:
            return self.down_after_run if self.ran else self.down

        def ask(question: str) -> bool:
            self.asked.append(question)
            return self.answer

        def run(command: list[str]) -> int:
            self.ran.append(command)
            return 0

        return Probes(
            unreachable=unreachable,
            start_command=lambda name: self.installed.get(name),
            port_open=lambda host, port: self.listening,
            docker_available=lambda: self.docker,
            is_tty=lambda: self.tty,
            ask=ask,
            run=run,
        )


def test_installed_but_stopped_servers_are_started_as_ci_does() -> None:
    machine = Machine(installed={POSTGRES: PG_START, RABBITMQ: RABBIT_START}, docker=True)

    plan = plan_recovery(DOWN, machine.probes())

    assert plan.start == [(POSTGRES, PG_START), (RABBITMQ, RABBIT_START)]
    assert plan.compose == [] and plan.unresolved == []


def test_without_the_servers_but_with_docker_compose_of_just_those_two_is_offered() -> None:
    plan = plan_recovery(DOWN, Machine(docker=True).probes())

    assert plan.start == [] and plan.unresolved == []
    assert plan.compose == ["postgres", "rabbitmq"]
    assert compose_command(plan.compose)[-5:] == ["up", "-d", "--wait", "postgres", "rabbitmq"]


def test_one_installed_the_other_from_docker() -> None:
    plan = plan_recovery(DOWN, Machine(installed={POSTGRES: PG_START}, docker=True).probes())

    assert plan.start == [(POSTGRES, PG_START)]
    assert plan.compose == ["rabbitmq"]


def test_without_servers_or_docker_the_message_says_how_to_start_them() -> None:
    plan = plan_recovery(DOWN, Machine().probes())

    assert plan.start == [] and plan.compose == []
    assert plan.unresolved == [d.problem for d in DOWN]


def test_a_server_on_another_host_is_never_started_here() -> None:
    remote = Unreachable(POSTGRES, "db.internal.example", "PostgreSQL is not reachable ...")
    machine = Machine(installed={POSTGRES: PG_START}, docker=True)

    plan = plan_recovery([remote], machine.probes())

    assert plan.start == [] and plan.compose == []
    assert plan.unresolved == [remote.problem]


def test_a_server_that_listens_but_refuses_us_or_another_port_is_not_started() -> None:
    machine = Machine(installed={POSTGRES: PG_START, RABBITMQ: RABBIT_START}, docker=True)
    odd_port = Unreachable(RABBITMQ, "127.0.0.1", "RabbitMQ is not reachable ...", 25672)

    assert plan_recovery([odd_port], machine.probes()).start == []
    machine.listening = True
    plan = plan_recovery(DOWN, machine.probes())
    assert plan.start == [] and plan.compose == []
    assert plan.unresolved == [d.problem for d in DOWN]


async def test_installed_servers_are_started_and_then_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    machine = Machine(installed={POSTGRES: PG_START, RABBITMQ: RABBIT_START})

    left = await ensure_infrastructure(PlatformSettings(), machine.probes())

    assert left == []
    assert machine.ran == [PG_START, RABBIT_START]
    said = capsys.readouterr().out
    assert "PostgreSQL is installed but not running; starting it: pg_ctlcluster" in said
    assert "RabbitMQ is installed but not running; starting it: rabbitmq-server -detached" in said


async def test_a_started_server_that_never_answers_is_reported() -> None:
    machine = Machine(installed={POSTGRES: PG_START}, down=DOWN[:1], down_after_run=DOWN[:1])

    left = await ensure_infrastructure(PlatformSettings(), machine.probes(), deadline_seconds=0)

    assert machine.ran == [PG_START]
    assert left == [f"PostgreSQL was started but does not answer after 0 s: {DOWN[0].problem}"]


async def test_on_a_terminal_compose_runs_only_after_a_yes() -> None:
    yes = Machine(docker=True, tty=True, answer=True)
    no = Machine(docker=True, tty=True, answer=False)

    left_after_yes = await ensure_infrastructure(PlatformSettings(), yes.probes())
    left_after_no = await ensure_infrastructure(PlatformSettings(), no.probes())

    assert yes.asked and "docker compose" in yes.asked[0]
    assert yes.ran == [compose_command(["postgres", "rabbitmq"])]
    assert left_after_yes == []
    assert no.asked and no.ran == []
    assert any("docker compose" in line and "up -d" in line for line in left_after_no)


async def test_without_a_terminal_the_compose_command_is_printed_not_run() -> None:
    machine = Machine(docker=True, tty=False)

    left = await ensure_infrastructure(PlatformSettings(), machine.probes())

    assert machine.ran == [] and machine.asked == []
    assert left == [
        "postgres and rabbitmq not installed here, but Docker is: start them with\n  "
        + " ".join(compose_command(["postgres", "rabbitmq"]))
    ]


async def test_nothing_is_done_when_both_answer() -> None:
    """The real probe against this machine's servers: both answer, nothing runs."""
    machine = Machine(installed={POSTGRES: PG_START, RABBITMQ: RABBIT_START}, docker=True)
    probes = machine.probes()
    real = Probes(start_command=probes.start_command, run=probes.run, ask=probes.ask)

    assert await ensure_infrastructure(PlatformSettings(), real) == []
    assert machine.ran == [] and machine.asked == []


async def test_a_dependency_on_a_port_no_local_server_uses_gets_the_message_only() -> None:
    """The real probe against a loopback port where nothing listens: nothing is started."""
    machine = Machine(installed={POSTGRES: PG_START, RABBITMQ: RABBIT_START}, docker=True)
    probes = machine.probes()
    real = Probes(start_command=probes.start_command, run=probes.run, ask=probes.ask)
    settings = PlatformSettings(broker_url=f"amqp://guest:guest@127.0.0.1:{free_port()}/")

    left = await ensure_infrastructure(settings, real)

    assert machine.ran == []
    assert len(left) == 1 and left[0].startswith("RabbitMQ is not reachable at 127.0.0.1:")
    assert "start it with: rabbitmq-server -detached" in left[0]


def test_this_machines_probes_find_the_installed_servers_without_touching_them() -> None:
    """The real detection (reads /etc/postgresql and PATH only; starts nothing)."""
    probes = Probes()
    if not Path("/etc/postgresql").is_dir():
        pytest.skip("no Debian PostgreSQL cluster on this machine")
    command = probes.start_command(POSTGRES)
    assert command is not None
    assert command[:2] == ["pg_ctlcluster", "--skip-systemctl-redirect"]
    assert command[2] in os.listdir("/etc/postgresql")
    assert command[3:] == ["main", "start"]
    if shutil.which("rabbitmq-server"):
        assert probes.start_command(RABBITMQ) == RABBIT_START


def test_the_compose_files_publish_postgres_and_rabbitmq_on_loopback_only() -> None:
    merged: dict[str, list[str]] = {}
    for name in COMPOSE_FILES:
        services = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))["services"]
        for service in ("postgres", "rabbitmq"):
            merged.setdefault(service, []).extend(services[service].get("ports", []))
    assert "127.0.0.1:5432:5432" in merged["postgres"]
    assert "127.0.0.1:5672:5672" in merged["rabbitmq"]
    assert all(port.startswith("127.0.0.1:") for ports in merged.values() for port in ports)
