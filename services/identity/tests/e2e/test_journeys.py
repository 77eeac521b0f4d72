"""Identity journeys through the gateway, with identity and the gateway as real processes."""

import io
import json
import re
import time
import uuid
from typing import Any

import pytest
from PIL import Image

from educert_common.crypto import BlindIndex
from educert_common.settings import PlatformSettings
from educert_common.settings import PlatformSettings as Platform
from educert_common.testing.waiting import wait_until
from identity.face.dev_client import DevFaceApp

pytestmark = pytest.mark.e2e

FACE_SECRET = "dev-only-face-app-secret"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def operator_token(tokens: Any) -> str:
    return await tokens.mint("operator-1", roles=("operator",))


async def load_registry(client: Any, stack: Any, tokens: Any, *rows: str) -> None:
    csv_text = "id_type,id_number,name,gender,birth_date,valid_from,valid_to\n" + "\n".join(rows)
    response = await client.post(
        f"{stack.api}/registry/people",
        content=csv_text.encode(),
        headers={**auth(await operator_token(tokens)), "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text


async def test_register_verify_realname_login_refresh_logout(
    stack: Any, client: Any, outbox: Any, tokens: Any, make_person: Any, onboard: Any
) -> None:
    person = make_person()
    await load_registry(client, stack, tokens, person.csv_row())
    user = await onboard(person)

    token = await outbox.activation_token(person.email)
    assert (
        await client.post(f"{stack.api}/email/activation", json={"token": token})
    ).status_code == 200
    again = await client.post(f"{stack.api}/email/activation", json={"token": token})
    assert again.status_code == 422 and again.json()["code"] == "activation_link_rejected"

    me = (await client.get(f"{stack.api}/me", headers=auth(user.access))).json()
    assert me["id_number_masked"] == person.id_number[:3] + "*" * 11 + person.id_number[-4:]
    assert me["email_verified"] and me["mobile_verified"]
    assert me["realname_status"] == "unverified"

    response = await client.post(f"{stack.api}/me/realname-verification", headers=auth(user.access))
    assert response.status_code == 200, response.text
    assert response.json()["realname_status"] == "verified"
    event = await outbox.latest("identity.user.realname_verified", user_id=user.user_id)
    assert event is not None
    expected = BlindIndex.from_secret(PlatformSettings().id_number_index_secret, "id_number")
    assert event["id_number_hash"] == expected.of(person.id_number)
    assert person.id_number not in str(event)

    # Immutable once verified.
    response = await client.put(
        f"{stack.api}/me/identity",
        headers=auth(user.access),
        json={
            "real_name": "李四",
            "gender": "female",
            "id_valid_from": "2020-01-01",
            "id_valid_to": "2040-01-01",
        },
    )
    assert response.status_code == 409 and response.json()["code"] == "realname_locked"

    # Login by e-mail and username too.
    for identifier in (person.email, person.username):
        response = await client.post(
            f"{stack.api}/login", json={"identifier": identifier, "password": person.password}
        )
        assert response.status_code == 200, response.text

    refreshed = await client.post(
        f"{stack.api}/token/refresh", json={"refresh_token": user.refresh}
    )
    assert refreshed.status_code == 200
    pair = refreshed.json()
    whoami = await client.get(f"{stack.api}/whoami", headers=auth(pair["access_token"]))
    assert whoami.json()["subject"] == user.user_id and whoami.json()["roles"] == ["applicant"]

    assert (
        await client.post(f"{stack.api}/logout", headers=auth(pair["access_token"]))
    ).status_code == 200
    after = await client.post(
        f"{stack.api}/token/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert after.status_code == 401


async def test_refresh_token_reuse_revokes_the_family(
    stack: Any, client: Any, onboard: Any
) -> None:
    user = await onboard()
    first = await client.post(f"{stack.api}/token/refresh", json={"refresh_token": user.refresh})
    assert first.status_code == 200
    newer = first.json()["refresh_token"]
    # The spent token comes back (stolen copy): the whole session ends.
    reuse = await client.post(f"{stack.api}/token/refresh", json={"refresh_token": user.refresh})
    assert reuse.status_code == 401 and reuse.json()["code"] == "refresh_token_invalid"
    legit = await client.post(f"{stack.api}/token/refresh", json={"refresh_token": newer})
    assert legit.status_code == 401

    # The family's access tokens stop too (the thief may hold one).
    async def family_access_refused() -> bool:
        listed = await client.get(f"{stack.api}/sessions", headers=auth(user.access))
        return listed.status_code == 401

    await wait_until(family_access_refused, timeout=5)
    again = await client.post(
        f"{stack.api}/login",
        json={"identifier": user.person.mobile, "password": user.person.password},
    )
    sessions = await client.get(f"{stack.api}/sessions", headers=auth(again.json()["access_token"]))
    assert sessions.status_code == 200
    assert all(s["id"] != first.json()["session_id"] for s in sessions.json())


async def test_lockout_asks_for_a_captcha_and_never_reveals_the_account(
    stack: Any, client: Any, onboard: Any
) -> None:
    user = await onboard()
    unknown = await client.post(
        f"{stack.api}/login", json={"identifier": "nobody@example.com", "password": "Wrong123x"}
    )
    known = await client.post(
        f"{stack.api}/login", json={"identifier": user.person.mobile, "password": "Wrong123x"}
    )
    assert unknown.status_code == known.status_code == 401
    assert unknown.json()["code"] == known.json()["code"] == "invalid_credentials"
    assert unknown.json()["title"] == known.json()["title"]
    for _ in range(4):
        await client.post(
            f"{stack.api}/login", json={"identifier": user.person.mobile, "password": "Wrong123x"}
        )
    # Past the threshold a device the account does not know must solve a captcha first.
    locked = await client.post(
        f"{stack.api}/login",
        json={"identifier": user.person.mobile, "password": user.person.password},
    )
    assert locked.status_code == 429 and locked.json()["code"] == "captcha_required"
    assert locked.json()["errors"][0]["field"] == "captcha_token"
    # Other login names of other people are unaffected.
    other = await onboard()
    assert other.access


async def test_password_recovery_by_mobile_and_email(
    stack: Any, client: Any, outbox: Any, onboard: Any
) -> None:
    user = await onboard()
    person = user.person
    unknown = await client.post(
        f"{stack.api}/recovery/password/code", json={"destination": "13000000001"}
    )
    known = await client.post(
        f"{stack.api}/recovery/password/code", json={"destination": person.mobile}
    )
    assert unknown.status_code == known.status_code == 200
    assert set(unknown.json()) == set(known.json())
    assert unknown.json()["channel"] == known.json()["channel"] == "sms"
    assert (
        await outbox.latest("identity.verification_code.issued", destination="13000000001") is None
    )

    code = await outbox.code(person.mobile, "reset_password")
    wrong = await client.post(
        f"{stack.api}/recovery/password",
        json={
            "destination": person.mobile,
            "code": "000000" if code != "000000" else "111111",
            "new_password": "NewPass123x",
        },
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "code_rejected"
    ok = await client.post(
        f"{stack.api}/recovery/password",
        json={"destination": person.mobile, "code": code, "new_password": "NewPass123x"},
    )
    assert ok.status_code == 200, ok.text
    # Every session ended; the old password no longer works, the new one does.
    assert (
        await client.post(f"{stack.api}/token/refresh", json={"refresh_token": user.refresh})
    ).status_code == 401
    old = await client.post(
        f"{stack.api}/login", json={"identifier": person.mobile, "password": person.password}
    )
    assert old.status_code == 401
    new = await client.post(
        f"{stack.api}/login", json={"identifier": person.mobile, "password": "NewPass123x"}
    )
    assert new.status_code == 200

    # By e-mail, once the address is verified (until then it is a claim and gets no code).
    token = await outbox.activation_token(person.email)
    activated = await client.post(f"{stack.api}/email/activation", json={"token": token})
    assert activated.status_code == 200
    sent = await client.post(
        f"{stack.api}/recovery/password/code", json={"destination": person.email}
    )
    assert sent.json()["channel"] == "email"
    code = await outbox.code(person.email, "reset_password")
    ok = await client.post(
        f"{stack.api}/recovery/password",
        json={"destination": person.email, "code": code, "new_password": "Other456yz"},
    )
    assert ok.status_code == 200
    login = await client.post(
        f"{stack.api}/login", json={"identifier": person.email, "password": "Other456yz"}
    )
    assert login.status_code == 200
    # A code works once.
    replay = await client.post(
        f"{stack.api}/recovery/password",
        json={"destination": person.email, "code": code, "new_password": "Third789ab"},
    )
    assert replay.status_code == 422


async def test_find_username(stack: Any, client: Any, outbox: Any, onboard: Any) -> None:
    user = await onboard()
    sent = await client.post(
        f"{stack.api}/recovery/username/code", json={"destination": user.person.mobile}
    )
    assert sent.status_code == 200
    code = await outbox.code(user.person.mobile, "find_username")
    found = await client.post(
        f"{stack.api}/recovery/username", json={"destination": user.person.mobile, "code": code}
    )
    assert found.status_code == 200
    assert found.json()["username"] == user.person.username
    assert "@" in found.json()["email_masked"] and "***" in found.json()["email_masked"]


async def test_change_username_email_mobile_and_password(
    stack: Any, client: Any, outbox: Any, onboard: Any, make_person: Any
) -> None:
    user = await onboard()
    headers = auth(user.access)
    other = make_person()
    renamed = await client.put(
        f"{stack.api}/me/username", headers=headers, json={"username": other.username}
    )
    assert renamed.status_code == 200 and renamed.json()["username"] == other.username

    sent = await client.post(
        f"{stack.api}/me/email/code", headers=headers, json={"email": other.email}
    )
    assert sent.status_code == 200, sent.text
    code = await outbox.code(other.email, "change_email")
    changed = await client.put(
        f"{stack.api}/me/email", headers=headers, json={"email": other.email, "code": code}
    )
    assert changed.status_code == 200, changed.text
    notice = await outbox.latest("identity.contact_change.announced", destination=user.person.email)
    assert notice is not None and notice["changed"] == "email"

    sent = await client.post(
        f"{stack.api}/me/mobile/code", headers=headers, json={"mobile": other.mobile}
    )
    assert sent.status_code == 200
    code = await outbox.code(other.mobile, "change_mobile")
    changed = await client.put(
        f"{stack.api}/me/mobile", headers=headers, json={"mobile": other.mobile, "code": code}
    )
    assert changed.status_code == 200
    notice = await outbox.latest(
        "identity.contact_change.announced", destination=user.person.mobile
    )
    assert notice is not None and notice["channel"] == "sms"

    second = await client.post(
        f"{stack.api}/login", json={"identifier": other.mobile, "password": user.person.password}
    )
    assert second.status_code == 200
    wrong = await client.put(
        f"{stack.api}/me/password",
        headers=headers,
        json={"current_password": "Nope1234x", "new_password": "Brand9new"},
    )
    assert wrong.status_code == 401
    changed = await client.put(
        f"{stack.api}/me/password",
        headers=headers,
        json={"current_password": user.person.password, "new_password": "Brand9new"},
    )
    assert changed.status_code == 200
    # The other session is revoked, this one survives.
    assert (
        await client.post(
            f"{stack.api}/token/refresh", json={"refresh_token": second.json()["refresh_token"]}
        )
    ).status_code == 401
    assert (
        await client.post(f"{stack.api}/token/refresh", json={"refresh_token": user.refresh})
    ).status_code == 200


def png(size: tuple[int, int] = (200, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 200, 230)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_duplicate_id_points_to_recovery_then_appeal_moves_identity(
    stack: Any, client: Any, outbox: Any, tokens: Any, onboard: Any, make_person: Any
) -> None:
    holder = await onboard()
    claimant = make_person()
    claimant.id_number = holder.person.id_number
    claimant.gender = holder.person.gender
    refused = await client.post(f"{stack.api}/registrations", json=claimant.registration())
    assert refused.status_code == 409 and refused.json()["code"] == "id_number_registered"
    assert refused.json()["errors"][0]["field"] == "id_number"

    registration = json.dumps(claimant.registration())
    # A PostScript file that claims to be a JPEG: the type comes from the content.
    bad_type = await client.post(
        f"{stack.api}/appeals",
        data={"registration": registration},
        files={
            "id_scan": ("scan.jpg", b"%!PS-not-an-image" * 10, "image/jpeg"),
            "head_photo": ("photo.png", png(), "image/png"),
        },
    )
    assert bad_type.status_code == 415
    assert bad_type.json()["errors"][0]["field"] == "id_scan"
    bad_registration = await client.post(
        f"{stack.api}/appeals",
        data={"registration": json.dumps({**claimant.registration(), "gender": ["x"]})},
        files={"id_scan": ("s.png", png((800, 500))), "head_photo": ("p.png", png())},
    )
    assert bad_registration.status_code == 422
    assert "registration.gender" in {e["field"] for e in bad_registration.json()["errors"]}
    filed = await client.post(
        f"{stack.api}/appeals",
        data={
            "registration": registration,
            "statement": "The old account was registered by someone else",
        },
        files={"id_scan": ("scan.png", png((800, 500))), "head_photo": ("photo.png", png())},
    )
    assert filed.status_code == 201, filed.text
    appeal_id = filed.json()["id"]

    operator = auth(await operator_token(tokens))
    listed = await client.get(f"{stack.api}/appeals?status=pending", headers=operator)
    assert appeal_id in {a["id"] for a in listed.json()["items"]}
    assert (
        await client.get(f"{stack.api}/appeals", headers=auth(holder.access))
    ).status_code == 403
    photo = await client.get(f"{stack.api}/appeals/{appeal_id}/files/head_photo", headers=operator)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    decided = await client.post(
        f"{stack.api}/appeals/{appeal_id}/decision",
        headers=operator,
        json={"decision": "grant", "reason": "documents match the head photo"},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "granted"

    old = await client.post(
        f"{stack.api}/login",
        json={"identifier": holder.person.username, "password": holder.person.password},
    )
    assert old.status_code == 401
    assert (
        await client.post(f"{stack.api}/token/refresh", json={"refresh_token": holder.refresh})
    ).status_code == 401
    new = await client.post(
        f"{stack.api}/login", json={"identifier": claimant.username, "password": claimant.password}
    )
    assert new.status_code == 200
    me = (await client.get(f"{stack.api}/me", headers=auth(new.json()["access_token"]))).json()
    assert me["realname_status"] == "unverified" and me["id_number_masked"].endswith(
        claimant.id_number[-4:]
    )


async def test_face_sessions_good_bad_expired_and_replayed(
    stack: Any, client: Any, onboard: Any, make_person: Any
) -> None:
    user = await onboard()
    app = DevFaceApp(stack.identity.url, secret=FACE_SECRET)

    started = await client.post(f"{stack.api}/face/sessions", headers=auth(user.access))
    assert started.status_code == 201
    scanned = app.scan(started.json()["qr_payload"])
    callback = app.build(scanned, passed=True, id_number=user.person.id_number)
    assert (await app.send(callback)).status_code == 200
    replay = await app.send(callback)
    assert replay.status_code == 409 and replay.json()["code"] == "callback_replayed"
    view = await client.get(
        f"{stack.api}/face/sessions/{scanned['session_id']}", headers=auth(user.access)
    )
    assert view.json()["status"] == "passed" and view.json()["entry_exit_records"]

    # Internal read for certification.

    internal = await client.get(
        f"{stack.identity.url}/internal/face/users/{user.user_id}/latest-passed",
        headers={"X-Internal-Token": Platform().internal_token},
    )
    assert internal.status_code == 200 and internal.json()["session_id"] == scanned["session_id"]
    hidden = await client.get(
        f"{stack.identity.url}/internal/face/users/{user.user_id}/latest-passed"
    )
    assert hidden.status_code == 404

    # Failed check.
    started = await client.post(f"{stack.api}/face/sessions", headers=auth(user.access))
    scanned = app.scan(started.json()["qr_payload"])
    assert (await app.complete(scanned, passed=False)).json()["status"] == "failed"

    # Someone else scans the QR code and passes with their own face: the session fails.
    started = await client.post(f"{stack.api}/face/sessions", headers=auth(user.access))
    scanned = app.scan(started.json()["qr_payload"])
    stranger = await app.complete(scanned, passed=True, id_number=make_person().id_number)
    assert stranger.status_code == 200 and stranger.json()["status"] == "failed"
    view = await client.get(
        f"{stack.api}/face/sessions/{scanned['session_id']}", headers=auth(user.access)
    )
    assert view.json()["failure_reason"] == "person_mismatch"
    assert view.json()["entry_exit_records"] is None
    internal = await client.get(
        f"{stack.identity.url}/internal/face/users/{user.user_id}/latest-passed",
        headers={"X-Internal-Token": Platform().internal_token},
    )
    assert internal.json()["session_id"] != scanned["session_id"]
    # A passing result without the person is malformed.
    started = await client.post(f"{stack.api}/face/sessions", headers=auth(user.access))
    scanned = app.scan(started.json()["qr_payload"])
    assert (await app.complete(scanned, passed=True)).status_code == 422

    # Bad signatures, stale timestamps.
    started = await client.post(f"{stack.api}/face/sessions", headers=auth(user.access))
    scanned = app.scan(started.json()["qr_payload"])
    forged = DevFaceApp(stack.identity.url, secret="not-the-secret").build(
        scanned, passed=True, id_number=user.person.id_number
    )
    assert (await app.send(forged)).status_code == 401
    stale = app.build(
        scanned, passed=True, id_number=user.person.id_number, timestamp=int(time.time()) - 3600
    )
    assert (await app.send(stale)).status_code == 401
    tampered = app.build(scanned, passed=False)
    tampered.body = tampered.body.replace(b'"fail"', b'"pass"')
    assert (await app.send(tampered)).status_code == 401

    # Expired session (TTL 30 s in this stack): move its expiry into the past.
    from sqlalchemy import text

    from educert_common.db import Database
    from identity.config import IdentitySettings

    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=1)
    try:
        async with database.transaction() as session:
            await session.execute(
                text(
                    "UPDATE face_sessions SET expires_at = now() - interval '1 second' "
                    "WHERE id = :id"
                ),
                {"id": scanned["session_id"]},
            )
    finally:
        await database.dispose()
    expired = await app.complete(scanned, passed=True, id_number=user.person.id_number)
    assert expired.status_code == 409 and expired.json()["code"] == "face_session_closed"


async def test_one_user_cannot_read_or_change_anothers_data(
    stack: Any, client: Any, onboard: Any
) -> None:
    alice = await onboard()
    bob = await onboard()
    alice_sessions = (await client.get(f"{stack.api}/sessions", headers=auth(alice.access))).json()
    bob_sessions = (await client.get(f"{stack.api}/sessions", headers=auth(bob.access))).json()
    assert not {s["id"] for s in alice_sessions} & {s["id"] for s in bob_sessions}
    target = alice_sessions[0]["id"]
    assert (
        await client.delete(f"{stack.api}/sessions/{target}", headers=auth(bob.access))
    ).status_code == 404
    assert (
        await client.post(f"{stack.api}/token/refresh", json={"refresh_token": alice.refresh})
    ).status_code == 200

    face = await client.post(f"{stack.api}/face/sessions", headers=auth(alice.access))
    other = await client.get(
        f"{stack.api}/face/sessions/{face.json()['id']}", headers=auth(bob.access)
    )
    assert other.status_code == 404
    me = (await client.get(f"{stack.api}/me", headers=auth(bob.access))).json()
    assert me["id"] == bob.user_id
    # No mass assignment: roles, status or ids in the body are refused.
    escalate = await client.post(
        f"{stack.api}/registrations",
        json={**bob.person.registration(), "roles": ["operator"]},
    )
    assert escalate.status_code == 422 and escalate.json()["errors"][0]["field"] == "roles"
    assert (await client.get(f"{stack.api}/api-keys", headers=auth(bob.access))).status_code == 403


async def test_registration_validation_names_fields(
    stack: Any, client: Any, make_person: Any
) -> None:
    person = make_person()

    async def errors(**changes: Any) -> set[tuple[str, str]]:
        response = await client.post(
            f"{stack.api}/registrations", json=person.registration(**changes)
        )
        assert response.status_code == 422, response.text
        return {(e["field"], e["code"]) for e in response.json()["errors"]}

    assert ("id_number", "id_number_checksum") in await errors(id_number="110105194912310021")
    assert ("gender", "gender_mismatch") in await errors(
        id_number="11010519491231002X", gender="male"
    )
    assert ("id_valid_to", "id_expired") in await errors(id_valid_to="2021-01-01")
    assert ("password", "password_letters_digits") in await errors(password="onlyletters")
    assert ("password", "password_common") in await errors(password="password123")
    assert ("real_name", "name_not_upper_case") in await errors(
        nationality="GB",
        id_type="foreign_passport",
        id_number="123456789",
        real_name="smith john",
        birth_date="1990-01-01",
    )
    foreign = make_person()
    REGISTERED = foreign.id_number
    response = await client.post(
        f"{stack.api}/registrations",
        json=foreign.registration(
            nationality="GB",
            id_type="foreign_passport",
            id_number="K1234567" + REGISTERED[-4:-1],
            real_name="  SMITH   JOHN ",
            birth_date="1990-01-01",
            mobile="+447911123456",
        ),
    )
    assert response.status_code == 201, response.text
    assert "mobile_not_mainland" in {n["code"] for n in response.json()["notices"]}


async def test_realname_checks_stop_at_the_cap_and_send_to_an_operator(
    stack: Any, client: Any, tokens: Any, onboard: Any, make_person: Any
) -> None:
    person = make_person()
    user = await onboard(person)
    # The registry knows the number under another name: each check says which field differs.
    other = make_person(person.gender)
    other.id_number = person.id_number
    other.real_name = "李四"
    await load_registry(client, stack, tokens, other.csv_row())
    for _ in range(5):
        checked = await client.post(
            f"{stack.api}/me/realname-verification", headers=auth(user.access)
        )
        assert checked.status_code == 200, checked.text
        assert checked.json()["realname_mismatch_field"] == "real_name"
    capped = await client.post(f"{stack.api}/me/realname-verification", headers=auth(user.access))
    assert capped.status_code == 429 and capped.json()["code"] == "realname_attempts_exceeded"
    assert "运营人员" in capped.json()["title"] and int(capped.headers["retry-after"]) > 3600
    assert not capped.json().get("errors")


def from_address(address: str) -> dict[str, str]:
    """Identity trusts 127.0.0.1 (where the tests run) to say who the client is."""
    return {"X-Forwarded-For": f"192.0.2.66, {address}"}


async def test_registrations_and_appeals_are_capped_per_address(
    stack: Any, client: Any, make_person: Any
) -> None:
    address = f"198.51.100.{time.time_ns() % 250}"
    # Attempts count (a refused registration too): 60 per address per day in this stack.
    bad = make_person().registration(id_number="110105194912310021")
    for _ in range(60):
        response = await client.post(
            f"{stack.identity.url}/api/v1/identity/registrations",
            json=bad,
            headers=from_address(address),
        )
        assert response.status_code == 422, response.text
    capped = await client.post(
        f"{stack.identity.url}/api/v1/identity/registrations",
        json=make_person().registration(),
        headers=from_address(address),
    )
    assert capped.status_code == 429 and capped.json()["code"] == "registration_rate_limited"
    assert int(capped.headers["retry-after"]) > 3600 and not capped.json().get("errors")
    # Another address is unaffected.
    elsewhere = await client.post(
        f"{stack.identity.url}/api/v1/identity/registrations",
        json=bad,
        headers=from_address(f"203.0.113.{time.time_ns() % 250}"),
    )
    assert elsewhere.status_code == 422

    files = {"id_scan": ("s.png", png((800, 500))), "head_photo": ("p.png", png())}
    for _ in range(10):  # 10 appeals per address per day in this stack
        response = await client.post(
            f"{stack.identity.url}/api/v1/identity/appeals",
            data={"registration": json.dumps(bad)},
            files=files,
            headers=from_address(address),
        )
        assert response.status_code == 422, response.text
    capped = await client.post(
        f"{stack.identity.url}/api/v1/identity/appeals",
        data={"registration": json.dumps(bad)},
        files=files,
        headers=from_address(address),
    )
    assert capped.status_code == 429 and capped.json()["code"] == "appeal_rate_limited"
    assert "retry-after" in capped.headers


async def test_staff_roles_partner_tokens_and_naive_expiry(
    stack: Any, client: Any, tokens: Any, make_person: Any
) -> None:
    operator = auth(await operator_token(tokens))
    admin = auth(await tokens.mint("admin-1", roles=("admin",)))

    def staff(role: str) -> dict[str, Any]:
        person = make_person()
        return {"role": role, "username": person.username, "email": person.email}

    for role in ("operator", "admin"):
        refused = await client.post(f"{stack.api}/staff", headers=operator, json=staff(role))
        assert refused.status_code == 403, refused.text
        created = await client.post(f"{stack.api}/staff", headers=admin, json=staff(role))
        assert created.status_code == 201 and created.json()["roles"] == [role]
    reviewer = await client.post(f"{stack.api}/staff", headers=operator, json=staff("reviewer"))
    assert reviewer.status_code == 201

    partner = auth(
        await tokens.mint("partner:abcdefgh", roles=("partner",), scopes=("records:read",))
    )
    face = await client.get(
        f"{stack.identity.url}/api/v1/identity/face/sessions/{uuid.uuid4()}", headers=partner
    )
    assert face.status_code == 404

    naive = await client.post(
        f"{stack.api}/api-keys",
        headers=operator,
        json={
            "name": "registrar",
            "institution_id": "inst-1",
            "scopes": ["records:read"],
            "expires_at": "2030-01-01T00:00:00",
        },
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "expires_at"


def raw_id_numbers(text: str) -> set[str]:
    """Every GB 11643-valid 18-character number in `text` (raw resident ID numbers)."""
    from stdnum.cn import ric

    found = set()
    for candidate in re.findall(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", text):
        if candidate[-1] == ric.calc_check_digit(candidate):
            found.add(candidate)
    return found


async def test_zz_no_raw_id_number_in_any_response_or_log(stack: Any, client: Any) -> None:
    """Runs after the journeys above (same session processes): scan what they produced."""
    assert len(client.bodies) > 50
    for body in client.bodies:
        assert not raw_id_numbers(body), body[:300]
    for process in (stack.identity, stack.gateway):
        log = process.log_path.read_text(errors="replace")
        assert "account registered" in log or process is stack.gateway
        assert not raw_id_numbers(log), f"raw ID number in the {process.name} log"


async def test_codes_and_links_leave_the_outbox_once_published(
    stack: Any, client: Any, outbox: Any, identity_db: Any, onboard: Any
) -> None:
    from sqlalchemy import text

    from educert_common.testing.waiting import wait_until

    user = await onboard()
    person = user.person
    response = await client.post(
        f"{stack.api}/recovery/password/code", json={"destination": person.mobile}
    )
    assert response.status_code == 200
    # Notification got the code and the activation link (read from the broker) ...
    code = await outbox.code(person.mobile, "reset_password")
    token = await outbox.activation_token(person.email)

    async def published_rows() -> list[Any] | None:
        async with identity_db.transaction() as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT published_at, payload FROM outbox_events "
                        "WHERE payload->'data'->>'destination' = :m "
                        "OR payload->'data'->>'email' = :e"
                    ),
                    {"m": person.mobile, "e": person.email},
                )
            ).all()
        return rows if rows and all(row.published_at for row in rows) else None

    rows = await wait_until(published_rows, message="identity's events to be published")
    # ... and no outbox row holds either of them any more.
    secrets = [
        row.payload["data"]
        for row in rows
        if row.payload["type"]
        in ("identity.verification_code.issued", "identity.activation_link.issued")
    ]
    assert len(secrets) >= 3  # registration code, reset code, activation link
    assert all(
        data.get("code", "[redacted]") == data.get("link", "[redacted]") == "[redacted]"
        for data in secrets
    )
    async with identity_db.transaction() as session:
        everything = (
            await session.execute(text("SELECT payload::text FROM outbox_events"))
        ).scalars()
        stored = "\n".join(everything)
    assert token not in stored and f'"code": "{code}"' not in stored
