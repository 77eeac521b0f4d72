"""Demo data for `make run`: each service contributes its own seed step; never in production.

A service seeds by exposing `<service>.seed.seed(settings) -> list[DemoLogin]` (an async
function given the service's own settings). Steps run in the order of SERVICE_NAMES (identity
first, so the accounts exist before what later services attach to them), each in its own
service's database, and must be idempotent: `make run` calls them on every start, and a step
that finds its data creates nothing. The people and institution of the demo live here, so
that every service's step describes the same students at the same institution.
"""

import importlib
import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from educert_common.settings import SERVICE_NAMES, PlatformSettings

SEED_ACTOR = "seed:make-run"


@dataclass(frozen=True)
class DemoLogin:
    """An account a newcomer can log in with, as `make run` prints it."""

    role: str
    identifier: str
    password: str
    note: str = ""


@dataclass(frozen=True)
class DemoStaff:
    role: str
    username: str
    email: str
    password: str
    institution_id: str | None = None


@dataclass(frozen=True)
class DemoStudent:
    """A student the development population registry knows (real-name checks pass)."""

    username: str
    real_name: str
    gender: str
    id_number: str
    birth_date: date
    mobile: str
    email: str
    password: str
    valid_from: date = date(2020, 1, 1)
    valid_to: date = date(2040, 1, 1)


# A 10-digit institution code (标识码) in Beijing's range that no institution of the Ministry's
# list uses (school code 99999), so the demo never poses as a real institution.
DEMO_INSTITUTION_ID = "4111099999"
DEMO_INSTITUTION_NAME = "EduCert Demo University"
DEMO_INSTITUTION_NAME_ZH = "学信演示大学"
DEMO_STAFF = (
    DemoStaff("admin", "demo_admin", "demo.admin@example.com", "DemoAdmin2026"),
    DemoStaff("operator", "demo_operator", "demo.operator@example.com", "DemoOperator2026"),
    DemoStaff("reviewer", "demo_reviewer", "demo.reviewer@example.com", "DemoReviewer2026"),
    DemoStaff(
        "institution_staff",
        "demo_registrar",
        "demo.registrar@example.com",
        "DemoRegistrar2026",
        DEMO_INSTITUTION_ID,
    ),
)
DEMO_STUDENTS = (
    DemoStudent(
        "demo_student_li",
        "李明",
        "male",
        "440305200003150132",
        date(2000, 3, 15),
        "13900139001",
        "demo.li@example.com",
        "DemoStudent2026a",
    ),
    DemoStudent(
        "demo_student_wang",
        "王芳",
        "female",
        "440305199908220224",
        date(1999, 8, 22),
        "13900139002",
        "demo.wang@example.com",
        "DemoStudent2026b",
    ),
)

SeedStep = Callable[[Any], Awaitable[list[DemoLogin]]]


class SeedRefused(RuntimeError):
    """Seeding was asked for where it must not happen (production)."""


def seed_steps() -> list[tuple[str, SeedStep]]:
    """(service, step) for every installed service that has a `<service>.seed` module."""
    steps = []
    for service in SERVICE_NAMES:
        if importlib.util.find_spec(service) is None:
            continue
        if importlib.util.find_spec(f"{service}.seed") is None:
            continue
        steps.append((service, importlib.import_module(f"{service}.seed").seed))
    return steps


def refuse_in_production(platform: PlatformSettings) -> None:
    if platform.environment == "production":
        raise SeedRefused(
            "Demo data is never seeded in production (EDUCERT_ENVIRONMENT=production): it "
            "would create accounts with published passwords. Create the first admin with "
            "`educert-admin create-admin` instead."
        )


async def run_seed(platform: PlatformSettings) -> list[DemoLogin]:
    """Run every service's seed step; refuse in production, where demo accounts must not exist."""
    refuse_in_production(platform)
    from educert_common.cli import service_definition

    logins: list[DemoLogin] = []
    for service, step in seed_steps():
        _, settings = service_definition(service)
        logins += await step(settings)
    return logins


def describe(logins: list[DemoLogin], docs_url: str, login_url: str) -> str:
    """The lines `make run` prints: who can log in, with what, and where."""
    if not logins:
        return ""
    width = max(len(login.role) for login in logins)
    rows = "\n".join(
        f"    {login.role:<{width}}  {login.identifier} / {login.password}"
        + (f"  ({login.note})" if login.note else "")
        for login in logins
    )
    return (
        "  Demo accounts (development data, seeded once):\n"
        f"{rows}\n"
        f"  Log in: POST {login_url} with {{identifier, password}};\n"
        f"  send the access token as 'Authorization: Bearer <token>' ({docs_url}: Authorize).\n"
    )
