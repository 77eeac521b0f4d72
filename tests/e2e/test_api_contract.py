"""The API document tells the truth: a schemathesis run through a real gateway, as every role.

Five services and a gateway run for real on databases and a broker prefix of their own (so the
junk the fuzzer writes never reaches another test), and schemathesis fuzzes the merged
`/openapi.json` anonymously and as each role. The roles are real accounts: the development
seed (`educert-platform seed`, as `make run` does) creates them in the run's own databases,
and each logs in through the gateway, so the routes of a user's own things get past "account
gone" to their real refusals (a taken contact, a wrong current password, caps, a captcha,
re-authentication). A run fails on any 5xx, a status code or content
type the document does not declare, or a body that does not match its schema. The run is
derandomized (the same cases every time); `EDUCERT_FUZZ_MAX_EXAMPLES` bounds the random cases
per operation (admin also gets schemathesis' coverage phase: every boundary of every field).
Operations that end the caller's own credentials (logout, revoking sessions and keys) run
last, in a phase of their own, so they cannot cut the rest of the run short.

Alone: `.venv/bin/python -m pytest tests/e2e/test_api_contract.py -q`; the closing line gives
the operations, generated cases and failures.
"""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from educert_common.seed import DEMO_INSTITUTION_ID, DEMO_STAFF, DEMO_STUDENTS
from educert_common.settings import SERVICE_NAMES
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.waiting import wait_until

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
MAX_EXAMPLES = int(os.environ.get("EDUCERT_FUZZ_MAX_EXAMPLES", "3"))
# What a run fails on; `positive_data_acceptance` is left out on purpose: a schema-valid
# request may still fail on state (a wrong code, a taken e-mail).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# Cases come from the document and the fixed seed alone: schemathesis would otherwise adapt
# what it generates to the answers it got (4xx messages, ids from earlier responses), and those
# answers depend on shared state (per-address caps, time windows, the principal fuzzed beside),
# so the number of cases would drift from run to run.
SCHEMATHESIS_CONFIG = """
[phases.examples.extra-data-sources]
responses = false
[phases.coverage.extra-data-sources]
responses = false
[phases.fuzzing.extra-data-sources]
responses = false
[phases.fuzzing.error-feedback]
enabled = false
"""
CHECK_FUNCTIONS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)
# Operations that end the caller's own credentials: fuzzed last, after everything else.
CREDENTIAL_ENDING = r"^/api/v1/identity/(logout|sessions/\{session_id\}|api-keys/\{key_id\}/.*)$"
# The coverage phase (every boundary and every wrong type of every field, about 2,500 cases) is
# the slow one: it runs as admin, who gets past the guards of nearly every operation and so
# reaches the validation; the other principals get the examples and the random fuzzing.
PHASES = {"admin": "examples,coverage,fuzzing"}
PRINCIPALS = (
    "anonymous",
    "applicant",
    "institution_staff",
    "reviewer",
    "operator",
    "admin",
    "partner",
)
INSTITUTION = DEMO_INSTITUTION_ID
FRESH_LOGIN_SECONDS = 120


@dataclass
class FuzzPlatform:
    gateway: RunningProcess
    headers: dict[str, dict[str, str]]
    report_dir: Path
    # The second demo student, logged in too: the refusals test's own account, so its wrong
    # passwords and spent code quota touch none of the fuzzed principals.
    refused_student: dict[str, str]


def _fuzz_environment() -> dict[str, str]:
    """Databases and broker names of the fuzz run alone (still under this run's prefixes,
    so the suite's clean-up drops them)."""
    return {
        "EDUCERT_DATABASE_PREFIX": os.environ["EDUCERT_DATABASE_PREFIX"] + "fuzz_",
        "EDUCERT_BROKER_PREFIX": os.environ["EDUCERT_BROKER_PREFIX"] + "fuzz.",
    }


def _seeded_logins() -> dict[str, tuple[str, str]]:
    """(identifier, password) per role, of the accounts the development seed creates."""
    logins = {staff.role: (staff.username, staff.password) for staff in DEMO_STAFF}
    student = DEMO_STUDENTS[0]
    logins["applicant"] = (student.username, student.password)
    return logins


async def _bearer(http: httpx.AsyncClient, identifier: str, password: str) -> dict[str, str]:
    response = await http.post(
        "/api/v1/identity/login", json={"identifier": identifier, "password": password}
    )
    assert response.status_code == 200, (identifier, response.text)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _principal_headers(gateway_url: str) -> dict[str, dict[str, str]]:
    """An Authorization header per role, from a real login through the gateway, and a partner
    API key. Every login happens here, before any fuzzing: the fuzzer's failed logins lock
    the shared client address soon after it starts."""
    logins = _seeded_logins()
    assert set(logins) == set(PRINCIPALS[1:-1]), sorted(logins)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as http:
        for role in PRINCIPALS[1:-1]:
            headers[role] = await _bearer(http, *logins[role])
        student = DEMO_STUDENTS[1]
        headers["refused_student"] = await _bearer(http, student.username, student.password)
        me = await http.get("/api/v1/identity/me", headers=headers["institution_staff"])
        assert me.status_code == 200, me.text
        response = await http.post(
            "/api/v1/identity/api-keys",
            headers=headers["admin"],
            json={
                "name": "fuzz partner",
                "institution_id": INSTITUTION,
                "scopes": ["records:import", "records:read", "reports:verify"],
            },
        )
        assert response.status_code == 201, response.text
        headers["partner"] = {"X-API-Key": response.json()["key"]}
    return headers


@pytest.fixture(scope="module")
async def fuzz_platform(
    migrated_services: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FuzzPlatform]:
    log_dir = tmp_path_factory.mktemp("contract")
    isolated = _fuzz_environment()
    # Migrate and create the demo accounts, exactly as `make run` does.
    seeded = await asyncio.to_thread(
        subprocess.run,
        [str(BIN / "educert-platform"), "seed"],
        env={**os.environ, **isolated},
        capture_output=True,
        text=True,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    ports = {name: free_port() for name in SERVICE_NAMES}
    urls = {
        f"EDUCERT_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()
    }
    sandbox_url = f"http://127.0.0.1:{free_port()}"
    env = {
        **isolated,
        **urls,
        # Payment's providers are the development sandbox (the edge of the world), for real.
        "PAYMENT_DEV_KEY_DIR": str(log_dir / "keys"),
        "PAYMENT_SANDBOX_URL": sandbox_url,
        "PAYMENT_SANDBOX_PUBLIC_URL": sandbox_url,
        # The principals log in once, before the fuzzing: their tokens must outlast the run.
        "IDENTITY_ACCESS_TOKEN_TTL_SECONDS": "3600",
        # A login stays fresh enough to change a contact for two minutes, not five: the fuzzing
        # meets both a fresh and a stale login, and the re-authentication test waits less.
        "IDENTITY_CONTACT_CHANGE_FRESH_LOGIN_SECONDS": str(FRESH_LOGIN_SECONDS),
    }
    services = [
        RunningProcess(name, f"{name}.main:create_app", port=port, env=env, log_dir=log_dir)
        for name, port in ports.items()
    ]
    services.append(
        RunningProcess(
            "pay-sandbox",
            "payment.sandbox.app:create_app",
            port=int(sandbox_url.rsplit(":", 1)[1]),
            env=env,
            log_dir=log_dir,
        )
    )
    gateway = RunningProcess(
        "gateway",
        "educert_gateway.main:create_app",
        env={
            **env,
            # The fuzzer is one client sending as fast as it can: the limit is not under test.
            "GATEWAY_RATE_LIMIT_PER_SECOND": "10000",
            "GATEWAY_RATE_LIMIT_BURST": "10000",
            "GATEWAY_OPENAPI_CACHE_SECONDS": "3600",
        },
        log_dir=log_dir,
    )
    everything = [*services, gateway]
    for process in everything:
        process.start()
    try:
        await asyncio.gather(*(process.wait_ready(timeout=60) for process in everything))
        headers = await _principal_headers(gateway.url)
        refused_student = headers.pop("refused_student")
        yield FuzzPlatform(gateway, headers, log_dir, refused_student)
    finally:
        for process in everything:
            process.stop()


@dataclass
class RunFigures:
    operations: set[str]
    cases: int
    failures: int


def _schemathesis(
    platform: FuzzPlatform, principal: str, phase: str, *filters: str
) -> tuple[subprocess.CompletedProcess[str], RunFigures, list[str]]:
    report = platform.report_dir / f"{principal}-{phase}.ndjson"
    config = platform.report_dir / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    command = [
        str(BIN / "st"),
        "--config-file",
        str(config),
        "run",
        f"{platform.gateway.url}/openapi.json",
        "--url",
        platform.gateway.url,
        "--checks",
        ",".join(CHECKS),
        "--phases",
        PHASES.get(principal, "examples,fuzzing"),
        "--max-examples",
        str(MAX_EXAMPLES),
        # Derandomized (a fixed seed inside schemathesis, no example database), so every run
        # sends the same cases and CI cannot flake on a new one.
        "--generation-deterministic",
        "--no-shrink",
        # One worker: Python 3.11 can fail compiling in two threads at once inside schemathesis.
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--continue-on-failure",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
        *filters,
    ]
    for name, value in platform.headers[principal].items():
        command += ["--header", f"{name}: {value}"]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=platform.report_dir
    )
    figures, failures = _figures(report)
    return completed, figures, failures


def _figures(report: Path) -> tuple[RunFigures, list[str]]:
    """Count operations, generated cases and failed checks in schemathesis' ndjson events."""
    operations: set[str] = set()
    cases = 0
    failures: list[str] = []
    for line in report.read_text().splitlines() if report.exists() else ():
        event = json.loads(line)
        for kind, body in event.items():
            if kind != "ScenarioFinished" or not isinstance(body, dict):
                continue
            recorder = body.get("recorder") or {}
            label = recorder.get("label")
            if label:
                operations.add(label)
            cases += len(recorder.get("cases") or {})
            for check_list in (recorder.get("checks") or {}).values():
                for check in check_list:
                    if str(check.get("status")).lower() == "failure":
                        failures.append(f"{label}: {check.get('name')}")
    return RunFigures(operations, cases, len(failures)), failures


def _run_principal(platform: FuzzPlatform, principal: str) -> list[tuple[str, Any]]:
    """Fuzz as one principal: everything else first, then what ends its own credentials."""
    outcomes: list[tuple[str, Any]] = []
    for phase, filters in (
        ("main", ("--exclude-path-regex", CREDENTIAL_ENDING)),
        ("credential-ending", ("--include-path-regex", CREDENTIAL_ENDING)),
    ):
        outcomes.append(
            (f"{principal}/{phase}", _schemathesis(platform, principal, phase, *filters))
        )
    return outcomes


def _checked(
    document: "schemathesis.BaseSchema",
    gateway_url: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None,
    path_parameters: dict[str, str] | None = None,
) -> httpx.Response:
    """Send one chosen request and judge its response with the fuzz run's checks."""
    operation = document[path][method]
    if body is None:
        case = operation.Case(headers=headers, path_parameters=path_parameters)
    else:
        case = operation.Case(
            body=body,
            headers=headers,
            path_parameters=path_parameters,
            media_type="application/json",
        )
    response = case.call_and_validate(base_url=gateway_url, checks=[*CHECK_FUNCTIONS])
    return httpx.Response(response.status_code, content=response.content)


async def test_refusals_past_the_account_match_the_document(fuzz_platform: FuzzPlatform) -> None:
    """The refusals a real account meets deep in a route (a taken contact or username, a wrong
    current password, a code asked for again, a captcha after failed logins, the receipt of an
    unpaid order), sent on purpose:
    random cases seldom pick a taken e-mail. Each response passes the fuzz run's checks."""
    gateway_url = fuzz_platform.gateway.url
    document = await asyncio.to_thread(schemathesis.openapi.from_url, f"{gateway_url}/openapi.json")
    student = fuzz_platform.refused_student
    other, staff = DEMO_STUDENTS[0], DEMO_STAFF[0]
    me = "/api/v1/identity/me"

    def refusal(method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> str:
        response = _checked(document, gateway_url, method, path, headers, body)
        assert response.status_code >= 400, (path, response.text)
        return f"{response.status_code} {response.json()['code']}"

    async def refused(method: str, path: str, body: dict[str, Any]) -> str:
        return await asyncio.to_thread(refusal, method, path, student, body)

    assert await refused("POST", f"{me}/email/code", {"email": other.email}) == "409 contact_taken"
    assert (
        await refused("POST", f"{me}/mobile/code", {"mobile": other.mobile}) == "409 contact_taken"
    )
    assert await refused("PUT", f"{me}/username", {"username": staff.username}) == (
        "409 contact_taken"
    )
    wrong = {"current_password": "NotTheP4ssword", "new_password": "Another2026pw"}
    assert await refused("PUT", f"{me}/password", wrong) == "401 invalid_credentials"
    new_address = {"email": "demo.wang.new@example.com"}
    sent = await asyncio.to_thread(
        _checked, document, gateway_url, "POST", f"{me}/email/code", student, new_address
    )
    assert sent.status_code == 200, sent.text
    assert await refused("POST", f"{me}/email/code", new_address) == "429 code_rate_limited"
    # Failed logins for the account from an unknown device: past the threshold, a captcha.
    guess = {"identifier": DEMO_STUDENTS[1].username, "password": "NotTheP4ssword"}
    answers = [
        await asyncio.to_thread(refusal, "POST", "/api/v1/identity/login", {}, guess)
        for _ in range(7)
    ]
    assert answers[0] == "401 invalid_credentials" and answers[-1] == "429 captcha_required", (
        answers
    )
    # A real order (the fuzzer's random ids never name one): its receipt waits for payment.
    order = await asyncio.to_thread(
        _checked,
        document,
        gateway_url,
        "POST",
        "/api/v1/payment/orders",
        student,
        {"purpose": "certification", "reference_id": "contract-refusals"},
    )
    assert order.status_code == 201, order.text
    unpaid = await asyncio.to_thread(
        _checked,
        document,
        gateway_url,
        "GET",
        "/api/v1/payment/orders/{order_id}/receipt.pdf",
        student,
        None,
        {"order_id": order.json()["id"]},
    )
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "order_not_paid", unpaid.text


async def test_the_document_tells_the_truth(
    fuzz_platform: FuzzPlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two principals at a time: each run is one schemathesis process, mostly waiting on the
    # platform, and the principals' tokens are their own, so the runs cannot disturb each other.
    with ThreadPoolExecutor(max_workers=2) as pool:
        per_principal = list(
            pool.map(lambda principal: _run_principal(fuzz_platform, principal), PRINCIPALS)
        )
    runs = [outcome for outcomes in per_principal for outcome in outcomes]
    operations = set().union(*(figures.operations for _, (_, figures, _) in runs))
    cases = sum(figures.cases for _, (_, figures, _) in runs)
    failed = [(name, failures) for name, (_, _, failures) in runs if failures]
    with capsys.disabled():
        print(
            f"\ncontract fuzz: {len(operations)} operations, {cases} generated cases, "
            f"{sum(len(f) for _, f in failed)} failures, over {len(runs)} schemathesis runs "
            f"({MAX_EXAMPLES} examples per operation, derandomized)"
        )
    for name, (completed, figures, failures) in runs:
        assert figures.cases > 0, f"{name}: no case ran\n{completed.stdout[-4000:]}"
        assert completed.returncode == 0 and not failures, (
            f"{name}: {failures}\n{completed.stdout[-12000:]}"
        )
    async with httpx.AsyncClient(base_url=fuzz_platform.gateway.url, timeout=10) as http:
        document = (await http.get("/openapi.json")).json()
    documented = {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }
    # Every operation of the document was fuzzed (none skipped or filtered away).
    assert operations == documented, sorted(documented ^ operations)


async def test_a_stale_login_must_reauthenticate(fuzz_platform: FuzzPlatform) -> None:
    """Past the fresh-login window, changing a login contact without the current password is
    refused with `reauthentication_required`, as the document says (after the fuzzing, the
    window has passed already; alone, this waits for it)."""
    gateway_url = fuzz_platform.gateway.url
    path = "/api/v1/identity/me/email/code"
    # A taken address: while the login is fresh the answer is 409 and nothing is sent.
    taken = {"email": DEMO_STUDENTS[0].email}

    async def stale() -> bool:
        async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as http:
            response = await http.post(path, json=taken, headers=fuzz_platform.refused_student)
        assert response.status_code in (401, 409), response.text
        return response.status_code == 401

    await wait_until(
        stale, timeout=FRESH_LOGIN_SECONDS + 30, interval=1.0, message="the login to go stale"
    )
    document = await asyncio.to_thread(schemathesis.openapi.from_url, f"{gateway_url}/openapi.json")
    response = await asyncio.to_thread(
        _checked, document, gateway_url, "POST", path, fuzz_platform.refused_student, taken
    )
    assert response.status_code == 401
    assert response.json()["code"] == "reauthentication_required"
    assert [error["field"] for error in response.json()["errors"]] == ["current_password"]


async def test_every_operation_declares_its_problems(fuzz_platform: FuzzPlatform) -> None:
    async with httpx.AsyncClient(base_url=fuzz_platform.gateway.url, timeout=10) as http:
        document = (await http.get("/openapi.json")).json()
    assert "x-unavailable-services" not in document
    schemas = document["components"]["schemas"]
    assert "Problem" in schemas and "HTTPValidationError" not in schemas
    # Every service publishes the same Problem: merged once, never renamed per service.
    assert not [name for name in schemas if name.endswith(("_Problem", "_ProblemFieldError"))]
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert operations
    for method, path, operation in operations:
        problems = {s: r for s, r in operation["responses"].items() if int(s) >= 400}
        # The gateway's own, at least, on every operation.
        assert {"401", "429", "502", "503", "504"} <= set(problems), (method, path)
        for status, response in problems.items():
            assert response["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)


async def test_a_python_client_generates_from_the_document(
    fuzz_platform: FuzzPlatform, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=fuzz_platform.gateway.url, timeout=10) as http:
        (tmp_path / "openapi.json").write_bytes((await http.get("/openapi.json")).content)
    # PDFs, CSV and XLSX uploads and record photos (JPEG) are plain bytes to the generator.
    (tmp_path / "config.yaml").write_text(
        "content_type_overrides:\n"
        "  application/pdf: application/octet-stream\n"
        "  text/csv: application/octet-stream\n"
        "  image/jpeg: application/octet-stream\n"
        "  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: "
        "application/octet-stream\n"
    )
    generated = await asyncio.to_thread(
        subprocess.run,
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.yaml",
            "--meta",
            "none",
            "--output-path",
            "educert_client",
            "--fail-on-warning",
        ],
        cwd=tmp_path,
        # Its post-generation hook runs ruff from PATH.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # Every generated module imports, in a fresh interpreter.
    imported = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-c",
            "import importlib, pkgutil, educert_client\n"
            "names = [m.name for m in pkgutil.walk_packages(educert_client.__path__, "
            "'educert_client.')]\n"
            "[importlib.import_module(name) for name in names]\n"
            "from educert_client.models.problem import Problem\n"
            "print(len(names), Problem.__name__)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    modules, problem = imported.stdout.split()
    assert int(modules) > 100 and problem == "Problem"
