"""Certification workflow benchmark: applications carried through the whole workflow end to end
per minute, with the p50/p99 of each step's API call (issue 11).

Run:  make bench-certification-workflow
      (or .venv/bin/python bench/certification_workflow.py [--seconds 60] [--concurrency 8]
       [--supplement-fraction 0.25])

Migrates identity, payment and certification into throwaway databases (this run's names,
dropped at the end, broker names deleted), starts identity (token keys), the payment
provider sandbox, payment and certification as uvicorn processes (one worker each, as the
service's e2e tests run them; calls go straight to the services, the gateway's hop is
`bench/gateway_hop.py`'s figure), and mints tokens with identity's key. A feeder keeps
real-name-verified applicants ready ahead of the workers (identity.user.realname_verified
published as identity's outbox would, as `certification.testing.verified_applicant` does;
certification's consumer keeps the account); that setup is outside the step timings.

`--concurrency` workers then, until `--seconds` have passed, each carry one applicant after
another through: open a foreign-degree draft, save the 5 steps (face, applicant, type,
degree, study), list the materials and upload a small PDF into every required slot, submit,
pay every order through the sandbox (start the payment, the sandbox pays and sends the
signed callback) and wait until the application shows `submitted` (polled as the applicant's
page would, every 50 ms); a reviewer claims it; for `--supplement-fraction` of them the
reviewer asks for a translation, the applicant uploads it and resubmits, and the reviewer
claims it again; the reviewer certifies; the applicant reads the certificate and downloads
its PDF; anyone verifies its code. Applications in flight at the deadline are finished and
counted. Any non-2xx answer is an error: counted, printed, and that application abandoned.

Results: stdout and bench/results/certification_workflow.json.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from educert_common.testing.infra import (
    configure_test_environment,
    delete_test_broker_entities,
    drop_test_databases,
)

RESULTS = Path(__file__).parent / "results"
CHANNEL = "wechat"
KIND = "foreign_degree"
OK = range(200, 300)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class StepFailed(Exception):
    pass


class Workflow:
    """The HTTP calls of one run, each timed under its step's name."""

    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str]) -> None:
        self.http = http
        self.urls = urls
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: list[dict[str, Any]] = []
        self.counting = False

    async def call(
        self, step: str, method: str, url: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, headers=headers, **kw)
        except httpx.HTTPError as error:
            self.errors.append({"step": step, "status": None, "detail": repr(error)})
            raise StepFailed(step) from error
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in OK:
            self.errors.append(
                {"step": step, "status": response.status_code, "detail": response.text[:300]}
            )
            raise StepFailed(step)
        if self.counting:
            self.timings[step].append(elapsed)
        return response

    def record(self, step: str, milliseconds: float) -> None:
        if self.counting:
            self.timings[step].append(milliseconds)


def steps() -> dict[str, dict[str, Any]]:
    from certification.testing import foreign_steps

    # Each applicant is a fresh account, so the same degree never collides with an open one.
    return foreign_steps()


async def one_application(
    flow: Workflow,
    applicant: dict[str, Any],
    reviewer: dict[str, str],
    *,
    supplements: bool,
) -> None:
    from certification.testing import pdf_bytes

    api, me = flow.urls["certification"], applicant["headers"]
    started = time.perf_counter()
    opened = await flow.call("open", "POST", f"{api}/me/applications", me, json={"kind": KIND})
    app_id = opened.json()["id"]
    mine = f"{api}/me/applications/{app_id}"
    for step, data in steps().items():
        await flow.call(f"step:{step}", "PUT", f"{mine}/steps/{step}", me, json={"data": data})
    listed = await flow.call("materials", "GET", f"{mine}/materials", me)
    for slot in listed.json()["missing"]:
        await flow.call(
            f"upload:{slot}", "POST", f"{mine}/materials/{slot}", me,
            files={"file": ("scan.pdf", pdf_bytes(1, text=slot), "application/octet-stream")},
        )  # fmt: skip
    submitted = await flow.call(
        "submit", "POST", f"{mine}/submit", me, json={"declaration_accepted": True}
    )
    paying = time.perf_counter()
    for order in submitted.json()["orders"]:
        order_id = order["order_id"]
        await flow.call(
            "pay_start", "POST", f"{flow.urls['payment']}/orders/{order_id}/payments", me,
            json={"channel": CHANNEL},
        )  # fmt: skip
        paid = await flow.call(
            "sandbox_pay", "POST",
            f"{flow.urls['sandbox']}/control/{CHANNEL}/trades/{uuid.UUID(order_id).hex}/pay",
            json={},
        )  # fmt: skip
        if paid.json()["statuses"] not in ([200], [204]):
            flow.errors.append({"step": "sandbox_callback", "status": None, "detail": paid.text})
            raise StepFailed("sandbox_callback")
    deadline = time.monotonic() + 30
    while True:
        # Not timed per call: the applicant's page polled until payment's event has landed.
        shown = await flow.http.get(mine, headers=me)
        if shown.status_code not in OK:
            flow.errors.append({"step": "poll", "status": shown.status_code, "detail": shown.text})
            raise StepFailed("poll")
        if shown.json()["state"] == "submitted":
            break
        if time.monotonic() > deadline:
            flow.errors.append({"step": "pay_to_submitted", "status": None, "detail": "30 s"})
            raise StepFailed("pay_to_submitted")
        await asyncio.sleep(0.05)
    flow.record("pay_to_submitted", (time.perf_counter() - paying) * 1000)
    review = f"{api}/review/applications/{app_id}"
    await flow.call("claim", "POST", f"{review}/claim", reviewer)
    if supplements:
        await flow.call(
            "supplements", "POST", f"{review}/supplements", reviewer,
            json={
                "message": "Please add the translation",
                "items": [{"mode": "add_file", "slot": "translation", "message": "Translation"}],
            },
        )  # fmt: skip
        await flow.call(
            "supplement_upload", "POST", f"{mine}/materials/translation", me,
            files={"file": ("translation.pdf", pdf_bytes(2), "application/octet-stream")},
        )  # fmt: skip
        await flow.call("resubmit", "POST", f"{mine}/resubmit", me)
        await flow.call("claim_again", "POST", f"{review}/claim", reviewer)
    await flow.call("certify", "POST", f"{review}/certify", reviewer, json={})
    certificate = await flow.call("certificate", "GET", f"{mine}/certificate", me)
    pdf = await flow.call("certificate.pdf", "GET", f"{mine}/certificate.pdf", me)
    if not pdf.content.startswith(b"%PDF"):
        flow.errors.append({"step": "certificate.pdf", "status": 200, "detail": "not a PDF"})
        raise StepFailed("certificate.pdf")
    code = certificate.json()["code"]
    answer = await flow.call("verify", "GET", f"{api}/certificates/verify/{code}")
    if answer.json()["state"] != "valid":
        flow.errors.append({"step": "verify", "status": 200, "detail": answer.text[:300]})
        raise StepFailed("verify")
    flow.record("application", (time.perf_counter() - started) * 1000)


async def feeder(
    ready: asyncio.Queue[dict[str, Any]], stack_db: Any, tokens: Any, batch: int
) -> None:
    """Keep real-name-verified applicants ready (publish the identity events in batches and
    wait until certification's consumer has kept every account)."""
    import sqlalchemy as sa

    from educert_common.events.catalogue import UserRealnameVerified
    from educert_common.events.envelope import EventEnvelope
    from educert_common.testing.events import publish
    from educert_common.testing.waiting import wait_until

    while True:
        users = [uuid.uuid4() for _ in range(batch)]
        envelopes = []
        for user_id in users:
            event = UserRealnameVerified(
                user_id=user_id, id_number_hash=uuid.uuid4().hex, real_name="张伟",
                gender="male", birth_date=datetime(1996, 5, 17).date(),
            )  # fmt: skip
            envelope = EventEnvelope(
                type=event.event_type, source="identity", subject=str(user_id),
                data=event.model_dump(mode="json"),
            )  # fmt: skip
            envelopes.append(envelope)
        await publish(*envelopes)

        async def kept(users: list[uuid.UUID] = users) -> bool:
            async with stack_db.transaction() as session:
                found = await session.scalar(
                    sa.text("SELECT count(*) FROM verified_accounts WHERE user_id = ANY(:ids)"),
                    {"ids": users},
                )
            return found == len(users)

        await wait_until(kept, timeout=60, interval=0.05, message="verified accounts kept")
        for user_id in users:
            token = await tokens.mint(str(user_id), roles=("applicant",), ttl=timedelta(hours=2))
            await ready.put({"user_id": user_id, "headers": {"Authorization": f"Bearer {token}"}})


async def run(args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    from certification.config import CertificationSettings
    from educert_common.db import Database
    from educert_common.testing.events import wait_for_consumer
    from educert_common.testing.processes import RunningProcess, free_port
    from educert_common.testing.tokens import Tokens
    from identity.config import IdentitySettings
    from identity.service import signing_key_pem

    ports = {n: free_port() for n in ("identity", "payment", "sandbox", "certification")}
    url = {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}
    env = {
        "EDUCERT_IDENTITY_URL": url["identity"],
        "EDUCERT_CERTIFICATION_URL": url["certification"],
        "EDUCERT_PAYMENT_URL": url["payment"],
        "EDUCERT_LOG_LEVEL": "WARNING",
        "EDUCERT_INTERNAL_TOKEN": f"bench-internal-{uuid.uuid4().hex}",
        "EDUCERT_SIGNING_DEV_DIR": str(log_dir / "signing"),
        "CERTIFICATION_STORAGE_ROOT": str(log_dir / "storage"),
        "PAYMENT_DEV_KEY_DIR": str(log_dir / "payment-keys"),
        "PAYMENT_SANDBOX_URL": url["sandbox"],
        "PAYMENT_SANDBOX_PUBLIC_URL": url["sandbox"],
        "PAYMENT_PUBLIC_BASE_URL": url["payment"],
        "PAYMENT_CALLBACK_BASE_URL": url["payment"],
        "PAYMENT_RECONCILE_DAILY": "false",
        "PAYMENT_DATABASE_POOL_SIZE": "10",
        "CERTIFICATION_DATABASE_POOL_SIZE": "10",
        "IDENTITY_DATABASE_POOL_SIZE": "3",
    }
    processes = {
        n: RunningProcess(n, app, port=ports[n], env=env, log_dir=log_dir)
        for n, app in (
            ("identity", "identity.main:create_app"),
            ("sandbox", "payment.sandbox.app:create_app"),
            ("payment", "payment.main:create_app"),
            ("certification", "certification.main:create_app"),
        )
    }
    database = Database.connect(CertificationSettings().resolved_database_url(), pool_size=2)
    identity_db = Database.connect(IdentitySettings().resolved_database_url(), pool_size=1)
    feeding: asyncio.Task[None] | None = None
    try:
        # Identity first: the others read the revocation list from it before they accept tokens.
        for name in ("identity", "sandbox", "payment"):
            processes[name].start()
        await asyncio.gather(
            *(processes[n].wait_ready(timeout=90) for n in ("identity", "sandbox", "payment"))
        )
        await processes["certification"].start().wait_ready(timeout=90)
        await wait_for_consumer("certification")
        async with identity_db.transaction() as session:
            kid, private_pem = await signing_key_pem(session)
        tokens = Tokens.from_private_pem(kid, private_pem)
        reviewers = []
        for n in range(args.concurrency):
            token = await tokens.mint(f"bench-rev-{n}", roles=("reviewer",), ttl=timedelta(hours=2))
            reviewers.append({"Authorization": f"Bearer {token}"})

        ready: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=args.concurrency * 4)
        feeding = asyncio.create_task(feeder(ready, database, tokens, args.concurrency))
        limits = httpx.Limits(max_connections=args.concurrency * 4)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            flow = Workflow(
                http,
                {
                    "certification": url["certification"] + "/api/v1/certification",
                    "payment": url["payment"] + "/api/v1/payment",
                    "sandbox": url["sandbox"],
                },
            )
            counter = {"started": 0, "completed": 0, "failed": 0, "with_supplements": 0}

            def supplements_next() -> bool:
                n = counter["started"]
                counter["started"] += 1
                f = args.supplement_fraction
                return int((n + 1) * f) > int(n * f)

            # Warm-up (not counted): one application per worker, connections and caches.
            first = [await ready.get() for _ in range(args.concurrency)]
            outcomes = await asyncio.gather(
                *(
                    one_application(flow, first[i], reviewers[i], supplements=i == 0)
                    for i in range(args.concurrency)
                ),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException) and not isinstance(outcome, StepFailed):
                    raise outcome
            if flow.errors:
                raise SystemExit(f"warm-up failed: {json.dumps(flow.errors, indent=2)}")
            counter["started"] = 0
            flow.counting = True
            load_before = [round(x, 2) for x in os.getloadavg()]
            started_at = time.perf_counter()
            stop_at = started_at + args.seconds

            async def worker(index: int) -> None:
                while time.perf_counter() < stop_at:
                    applicant = await ready.get()
                    asks = supplements_next()
                    try:
                        await one_application(flow, applicant, reviewers[index], supplements=asks)
                    except StepFailed:
                        counter["failed"] += 1
                        continue
                    counter["completed"] += 1
                    counter["with_supplements"] += int(asks)

            await asyncio.gather(*(worker(i) for i in range(args.concurrency)))
            elapsed = time.perf_counter() - started_at
            load_after = [round(x, 2) for x in os.getloadavg()]
        order = ["application", "open"] + [f"step:{s}" for s in steps()] + ["materials"]
        order += sorted(s for s in flow.timings if s.startswith("upload:"))
        order += [
            "submit", "pay_start", "sandbox_pay", "pay_to_submitted", "claim", "supplements",
            "supplement_upload", "resubmit", "claim_again", "certify", "certificate",
            "certificate.pdf", "verify",
        ]  # fmt: skip
        total = sum(flow.timings["application"])
        figures = {
            step: {
                "count": len(flow.timings[step]),
                # Where an applicant's time goes: this step's calls over whole applications.
                "share_of_application": round(sum(flow.timings[step]) / total, 3),
                "p50_ms": round(statistics.median(flow.timings[step]), 1),
                "p99_ms": round(percentile(flow.timings[step], 0.99), 1),
                "max_ms": round(max(flow.timings[step]), 1),
            }
            for step in order
            if flow.timings.get(step)
        }
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpu_count": os.cpu_count(),
            "concurrency": args.concurrency,
            "seconds_asked": args.seconds,
            "seconds": round(elapsed, 1),
            "supplement_fraction": args.supplement_fraction,
            "completed": counter["completed"],
            "with_supplements": counter["with_supplements"],
            "failed": counter["failed"],
            "applications_per_minute": round(counter["completed"] * 60 / elapsed, 1),
            "errors": len(flow.errors),
            "error_details": flow.errors[:50],
            "load_average_before": load_before,
            "load_average_after": load_after,
            "steps": figures,
        }
    finally:
        if feeding is not None:
            feeding.cancel()
            await asyncio.gather(feeding, return_exceptions=True)
        for name in ("certification", "payment", "sandbox", "identity"):
            processes[name].stop()
        await database.dispose()
        await identity_db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--supplement-fraction", type=float, default=0.25)
    args = parser.parse_args()
    if not 0 <= args.supplement_fraction <= 1:
        parser.error("--supplement-fraction is between 0 and 1")
    os.environ["EDUCERT_TEST_RUN_ID"] = "benchwf" + uuid.uuid4().hex[:6]
    # Production's outbox poll (the relay is woken by LISTEN/NOTIFY; this is the fallback).
    for service in ("identity", "payment", "certification"):
        os.environ.setdefault(f"{service.upper()}_OUTBOX_POLL_SECONDS", "1.0")
    configure_test_environment()
    from educert_common.cli import migrate_main
    from educert_common.settings import PlatformSettings

    log_dir = Path(f"/tmp/educert-bench-{os.environ['EDUCERT_TEST_RUN_ID']}")
    log_dir.mkdir(parents=True, exist_ok=True)
    migrate_main(["identity", "payment", "certification"])
    try:
        results = asyncio.run(run(args, log_dir))
    finally:
        settings = PlatformSettings()
        asyncio.run(drop_test_databases(settings))
        delete_test_broker_entities(settings.broker_prefix)
    print(
        f"{results['completed']} applications completed in {results['seconds']} s at "
        f"{args.concurrency} concurrent ({results['with_supplements']} through supplements): "
        f"{results['applications_per_minute']} per minute; errors {results['errors']}, "
        f"abandoned {results['failed']}"
    )
    for step, f in results["steps"].items():
        print(
            f"  {step:28} n={f['count']:5}  p50 {f['p50_ms']:8.1f} ms  p99 {f['p99_ms']:8.1f} ms"
            f"  max {f['max_ms']:8.1f} ms  {f['share_of_application']:6.1%} of the time"
        )
    for error in results["error_details"]:
        print(f"  ERROR {error['step']}: {error['status']} {error['detail']}")
    print(
        f"load average before {results['load_average_before']}, "
        f"after {results['load_average_after']} ({results['cpu_count']} cores); "
        f"logs in {log_dir}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "certification_workflow.json").write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(1 if results["errors"] else 0)


if __name__ == "__main__":
    main()
