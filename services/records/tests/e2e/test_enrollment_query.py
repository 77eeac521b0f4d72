"""The public new-student query against real records, identity and gateway processes:
captchas (right, wrong, reused, expired), one answer shape, limits per address and per ID
number, and nothing personal in the answer."""

import base64
import io
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image

from educert_common.testing.people import Person
from educert_common.testing.processes import RunningProcess
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.enrollment_query.rules import answer_hash
from records.testing import Caller, Stack, adult, student_status_body

PER_ADDRESS = 5
PER_ID_NUMBER = 3
CAPTCHAS_PER_ADDRESS = 8
MAX_GUESSES = 3
KNOWN_ANSWER = "K7MPX"
# Every ID number the module's queries sent: none may appear in the records log.
SENT_ID_NUMBERS: list[str] = []
PUBLIC_FIELDS = {
    "institution_name",
    "institution_name_en",
    "major",
    "level",
    "level_label",
    "status",
    "status_label",
}


@pytest.fixture(scope="module")
def records_env() -> dict[str, str]:
    return {
        "RECORDS_ENROLLMENT_QUERY_PER_ADDRESS_PER_HOUR": str(PER_ADDRESS),
        "RECORDS_ENROLLMENT_QUERY_PER_ID_NUMBER_PER_DAY": str(PER_ID_NUMBER),
        "RECORDS_ENROLLMENT_QUERY_CAPTCHA_MAX_GUESSES": str(MAX_GUESSES),
        "RECORDS_ENROLLMENT_QUERY_CAPTCHAS_PER_ADDRESS_PER_HOUR": str(CAPTCHAS_PER_ADDRESS),
    }


@pytest.fixture(scope="module")
async def gateway(stack: Stack) -> AsyncIterator[RunningProcess]:
    process = RunningProcess(
        "gateway",
        "educert_gateway.main:create_app",
        env={
            **stack.env,
            "GATEWAY_RATE_LIMIT_PER_SECOND": "10000",
            "GATEWAY_RATE_LIMIT_BURST": "10000",
        },
        log_dir=stack.log_dir,
    ).start()
    try:
        await process.wait_ready(timeout=60)
        yield process
    finally:
        process.stop()


ADDRESSES = itertools.count()


def address() -> str:
    """A fresh client address (the records process trusts the test's X-Forwarded-For)."""
    n = next(ADDRESSES)
    return f"198.18.{n // 250}.{n % 250 + 1}"


def recent(days: int = 60) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


async def captcha(
    caller: Caller, ip: str, *, base: str | None = None
) -> tuple[str, dict[str, Any]]:
    """A new captcha whose stored answer the test then sets to KNOWN_ANSWER (the image's own
    answer is only ever stored hashed, so the test writes the hash of one it knows)."""
    response = await caller.http.post(
        f"{base or caller.stack.url}/enrollment-query/captchas",
        headers={"X-Forwarded-For": ip},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    key = secrets_for(RecordsSettings()).captcha_key
    await caller.stack.execute(
        "UPDATE query_captchas SET answer_hash = :hash WHERE id = :id",
        hash=answer_hash(key, uuid.UUID(body["captcha_id"]), KNOWN_ANSWER),
        id=uuid.UUID(body["captcha_id"]),
    )
    return body["captcha_id"], body


async def query(
    caller: Caller,
    who: Person,
    ip: str,
    *,
    name: str | None = None,
    captcha_id: str | None = None,
    answer: str = KNOWN_ANSWER,
    base: str | None = None,
) -> httpx.Response:
    if captcha_id is None:
        captcha_id, _ = await captcha(caller, ip, base=base)
    SENT_ID_NUMBERS.append(who.id_number)
    return await caller.http.post(
        f"{base or caller.stack.url}/enrollment-query",
        json={
            "id_number": who.id_number,
            "name": name or who.name,
            "captcha_id": captcha_id,
            "captcha_answer": answer,
        },
        headers={"X-Forwarded-For": ip},
    )


async def enrolled(caller: Caller, **overrides: Any) -> tuple[str, Person, str]:
    """An institution and a new student enrolled there this intake; (institution, person,
    student number)."""
    institution = await caller.institution()
    who = adult()
    number = f"N{uuid.uuid4().hex[:10]}"
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/student-status/{number}",
        json=student_status_body(
            who,
            **{
                "enrollment_date": recent(),
                "status_date": recent(),
                "major": "临床医学",
                **overrides,
            },
        ),
        headers=await caller.staff(institution),
    )
    assert response.status_code == 201, response.text
    return institution, who, number


def problem(response: httpx.Response) -> tuple[int, str, list[tuple[str, str]]]:
    body = response.json()
    return (
        response.status_code,
        body["code"],
        [(e["field"], e["code"]) for e in body.get("errors", [])],
    )


async def test_a_captcha_is_a_png_whose_answer_is_stored_only_hashed(caller: Caller) -> None:
    response = await caller.http.post(
        f"{caller.stack.url}/enrollment-query/captchas", headers={"X-Forwarded-For": address()}
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["image"].startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(body["image"].split(",", 1)[1])))
    assert (image.format, image.size) == ("PNG", (160, 60))
    assert 60 <= body["expires_in"] <= 1800 and body["answer_length"] == 5
    [row] = await caller.stack.rows(
        "SELECT answer_hash, expires_at - created_at AS ttl, spent_at FROM query_captchas "
        "WHERE id = :id",
        id=uuid.UUID(body["captcha_id"]),
    )
    assert len(row.answer_hash) == 64 and row.spent_at is None
    assert row.ttl == timedelta(seconds=body["expires_in"])


async def test_a_right_captcha_answers_in_one_shape_found_or_not(caller: Caller) -> None:
    institution, who, number = await enrolled(caller)
    ip = address()

    found = await query(caller, who, ip)
    assert found.status_code == 200, found.text
    assert found.headers["cache-control"] == "no-store"
    [enrollment] = found.json()["enrollments"]
    assert set(found.json()) == {"enrollments"}
    assert set(enrollment) == PUBLIC_FIELDS
    assert enrollment["institution_name"] == f"测试大学{institution[-4:]}"
    assert (enrollment["major"], enrollment["level"], enrollment["level_label"]) == (
        "临床医学",
        "bachelor",
        "本科",
    )
    assert (enrollment["status"], enrollment["status_label"]) == ("registered", "报到入学")
    # Nothing personal: no ID number, birth date, student number, gender or name.
    for secret in (who.id_number, who.birth_date.isoformat(), number, who.name, institution):
        assert secret not in found.text

    # Lower case and spaces in the ID number still find it (it is normalised, then hashed).
    spaced = Person(who.name, who.gender, who.birth_date, " ".join(who.id_number.lower()))
    assert len((await query(caller, spaced, ip)).json()["enrollments"]) == 1

    nobody = await query(caller, adult(), ip)
    wrong_name = await query(caller, who, ip, name="欧阳某某")
    for response in (nobody, wrong_name):
        assert response.status_code == 200, response.text
        assert response.json() == {"enrollments": []}


async def test_only_current_enrollments_of_this_intake_show(caller: Caller) -> None:
    _, suspended, _ = await enrolled(caller, status="suspended")
    _, old, _ = await enrolled(caller, enrollment_date="2019-09-01", status_date="2019-09-01")
    ip = address()
    assert (await query(caller, suspended, ip)).json() == {"enrollments": []}
    assert (await query(caller, old, ip)).json() == {"enrollments": []}


async def test_an_unknown_wrong_reused_or_expired_captcha_is_refused_naming_the_field(
    caller: Caller,
) -> None:
    _, who, _ = await enrolled(caller)
    # Every query from its own address: the per-address cap has a test of its own.

    unknown = await query(caller, who, address(), captcha_id=str(uuid.uuid4()))
    assert problem(unknown) == (422, "captcha_unknown", [("captcha_id", "captcha_unknown")])

    # A right answer spends the captcha: the same one again is refused.
    captcha_id, _ = await captcha(caller, address())
    assert (await query(caller, who, address(), captcha_id=captcha_id)).status_code == 200
    reused = await query(caller, who, address(), captcha_id=captcha_id)
    assert problem(reused) == (422, "captcha_used", [("captcha_id", "captcha_used")])

    # Wrong guesses are counted (committed despite the 422); the last allowed spends it.
    captcha_id, _ = await captcha(caller, address())
    for _ in range(MAX_GUESSES):
        wrong = await query(caller, who, address(), captcha_id=captcha_id, answer="AAAAA")
        assert problem(wrong) == (422, "captcha_wrong", [("captcha_answer", "captcha_wrong")])
    spent = await query(caller, who, address(), captcha_id=captcha_id)
    assert problem(spent) == (422, "captcha_used", [("captcha_id", "captcha_used")])
    [row] = await caller.stack.rows(
        "SELECT wrong_guesses, spent_at FROM query_captchas WHERE id = :id",
        id=uuid.UUID(captcha_id),
    )
    assert row.wrong_guesses == MAX_GUESSES and row.spent_at is not None

    # Expired: the captcha's expiry moved into the past (the clock of the database rows).
    captcha_id, _ = await captcha(caller, address())
    await caller.stack.execute(
        "UPDATE query_captchas SET expires_at = now() - interval '1 second' WHERE id = :id",
        id=uuid.UUID(captcha_id),
    )
    expired = await query(caller, who, address(), captcha_id=captcha_id)
    assert problem(expired) == (422, "captcha_expired", [("captcha_id", "captcha_expired")])

    # Malformed fields are 422 naming them, before any captcha is spent.
    malformed = await caller.http.post(
        f"{caller.stack.url}/enrollment-query",
        json={"id_number": "<script>", "name": "", "captcha_id": "x", "captcha_answer": ""},
        headers={"X-Forwarded-For": address()},
    )
    assert malformed.status_code == 422
    fields = {e["field"] for e in malformed.json()["errors"]}
    assert {"id_number", "name", "captcha_id", "captcha_answer"} <= {
        f.rsplit(".", 1)[-1] for f in fields
    }


async def test_queries_per_address_are_capped_across_an_ipv6_64(caller: Caller) -> None:
    _, who, _ = await enrolled(caller)
    prefix = f"2001:db8:{next(ADDRESSES):x}:1"
    # Every query counts, answered or refused by its captcha.
    for host in range(1, PER_ADDRESS + 1):
        answer = KNOWN_ANSWER if host % 2 else "AAAAA"
        response = await query(caller, who, f"{prefix}::{host}", answer=answer)
        assert response.status_code in (200, 422), response.text
    # Another address of the same /64 is the same client.
    refused = await query(caller, who, f"{prefix}::abcd")
    assert problem(refused) == (429, "query_rate_limited", [])
    assert 1 <= int(refused.headers["retry-after"]) <= 3601
    # Another client is not held back (another person: this one's number has had its share).
    assert (await query(caller, adult(), address())).status_code == 200


async def test_queries_per_id_number_are_capped_whatever_the_address(caller: Caller) -> None:
    _, who, _ = await enrolled(caller)
    for _ in range(PER_ID_NUMBER):
        assert (await query(caller, who, address())).status_code == 200
    refused = await query(caller, who, address(), name="张三")
    assert problem(refused) == (429, "query_rate_limited", [])
    assert 1 <= int(refused.headers["retry-after"]) <= 86401
    # Another person's number is not.
    _, other, _ = await enrolled(caller)
    assert len((await query(caller, other, address())).json()["enrollments"]) == 1


async def test_captchas_per_address_are_capped(caller: Caller) -> None:
    ip = address()
    for _ in range(CAPTCHAS_PER_ADDRESS):
        await captcha(caller, ip)
    refused = await caller.http.post(
        f"{caller.stack.url}/enrollment-query/captchas", headers={"X-Forwarded-For": ip}
    )
    assert problem(refused) == (429, "captcha_rate_limited", [])
    assert 1 <= int(refused.headers["retry-after"]) <= 3601
    assert (await captcha(caller, address()))[0]


async def test_the_query_goes_through_the_gateway_without_a_token(
    caller: Caller, gateway: RunningProcess
) -> None:
    _, who, _ = await enrolled(caller)
    base = f"{gateway.url}/api/v1/records"
    response = await query(caller, who, address(), base=base)
    assert response.status_code == 200, response.text
    assert len(response.json()["enrollments"]) == 1
    assert response.headers.get("x-request-id")


async def test_no_id_number_sent_to_the_query_reaches_the_log(caller: Caller) -> None:
    # An invalid one too (a 422 names the field, never echoes the value).
    malformed = await caller.http.post(
        f"{caller.stack.url}/enrollment-query",
        json={
            "id_number": "11010119900307123$",
            "name": "张三",
            "captcha_id": str(uuid.uuid4()),
            "captcha_answer": "AAAAA",
        },
        headers={"X-Forwarded-For": address()},
    )
    assert malformed.status_code == 422
    assert "11010119900307123" not in malformed.text
    assert len(SENT_ID_NUMBERS) > 10
    log = caller.stack.records.log_path.read_text(errors="replace")
    leaked = [n for n in {*SENT_ID_NUMBERS, "11010119900307123"} if n in log]
    assert leaked == []
