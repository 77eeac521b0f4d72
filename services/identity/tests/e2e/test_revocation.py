"""Revocation holds within seconds: logout, password reset, a disabled account and a revoked
API key stop their access tokens at the gateway and at a service reached directly, long
before the tokens expire."""

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jose import jwt
from PIL import Image

from educert_common.settings import PlatformSettings
from educert_common.testing.netfault import CuttableTcpProxy
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.waiting import wait_until

pytestmark = pytest.mark.e2e

# Far below the 15-minute access-token lifetime (and the API-key token's 5 minutes).
REVOCATION_DEADLINE_SECONDS = 5.0


def png(size: tuple[int, int] = (200, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 200, 230)).save(buffer, "PNG")
    return buffer.getvalue()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def notification(
    stack: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[str]]:
    """Two replicas of a second service, each verifying tokens itself, called on their own
    ports: a revocation must reach every replica, not one per service."""
    log_dir: Path = tmp_path_factory.mktemp("revocation-notification")
    replicas = [
        RunningProcess(
            f"notification-{n}",
            "notification.main:create_app",
            port=free_port(),
            env={"EDUCERT_IDENTITY_URL": stack.identity.url},
            log_dir=log_dir,
        )
        for n in (1, 2)
    ]
    for process in replicas:
        process.start()
    try:
        for process in replicas:
            await process.wait_ready(timeout=60)
        yield [f"{process.url}/api/v1/notification/whoami" for process in replicas]
    finally:
        for process in replicas:
            process.stop()


async def statuses(
    client: Any, stack: Any, notification: list[str], headers: dict[str, str]
) -> list[int]:
    """What the gateway and each service replica reached directly answer."""
    answers = [await client.get(f"{stack.api}/whoami", headers=headers)]
    answers += [await client.get(url, headers=headers) for url in notification]
    return [answer.status_code for answer in answers]


async def refused_everywhere(
    client: Any, stack: Any, notification: list[str], headers: dict[str, str]
) -> None:
    """Wait until the gateway and every service replica reached directly answer 401."""

    async def refused() -> bool:
        return set(await statuses(client, stack, notification, headers)) == {401}

    await wait_until(refused, timeout=REVOCATION_DEADLINE_SECONDS)


async def accepted_everywhere(
    client: Any, stack: Any, notification: list[str], headers: dict[str, str]
) -> None:
    assert set(await statuses(client, stack, notification, headers)) == {200}


async def test_logout_stops_the_access_token_everywhere(
    stack: Any, client: Any, onboard: Any, notification: list[str]
) -> None:
    user = await onboard()
    other_device = await client.post(
        f"{stack.api}/login",
        json={"identifier": user.person.mobile, "password": user.person.password},
    )
    assert other_device.status_code == 200
    await accepted_everywhere(client, stack, notification, auth(user.access))

    logout = await client.post(f"{stack.api}/logout", headers=auth(user.access))
    assert logout.status_code == 200

    await refused_everywhere(client, stack, notification, auth(user.access))
    # Only the session that logged out ends: the other device keeps working.
    await accepted_everywhere(
        client, stack, notification, auth(other_device.json()["access_token"])
    )


async def test_password_reset_stops_every_access_token(
    stack: Any, client: Any, onboard: Any, outbox: Any, notification: list[str]
) -> None:
    user = await onboard()
    await accepted_everywhere(client, stack, notification, auth(user.access))

    sent = await client.post(
        f"{stack.api}/recovery/password/code", json={"destination": user.person.mobile}
    )
    assert sent.status_code == 200, sent.text
    code = await outbox.code(user.person.mobile, "reset_password")
    reset = await client.post(
        f"{stack.api}/recovery/password",
        json={"destination": user.person.mobile, "code": code, "new_password": "Reset9again"},
    )
    assert reset.status_code == 200, reset.text

    await refused_everywhere(client, stack, notification, auth(user.access))


async def test_disabled_account_loses_its_access_tokens(
    stack: Any, client: Any, onboard: Any, make_person: Any, tokens: Any, notification: list[str]
) -> None:
    holder = await onboard()
    await accepted_everywhere(client, stack, notification, auth(holder.access))
    claimant = make_person()
    claimant.id_number = holder.person.id_number
    claimant.gender = holder.person.gender
    filed = await client.post(
        f"{stack.api}/appeals",
        data={"registration": json.dumps(claimant.registration())},
        files={"id_scan": ("scan.png", png((800, 500))), "head_photo": ("photo.png", png())},
    )
    assert filed.status_code == 201, filed.text
    operator = auth(await tokens.mint("operator-revocation", roles=("operator",)))
    granted = await client.post(
        f"{stack.api}/appeals/{filed.json()['id']}/decision",
        headers=operator,
        json={"decision": "grant", "reason": "documents match the head photo"},
    )
    assert granted.status_code == 200, granted.text

    await refused_everywhere(client, stack, notification, auth(holder.access))
    # The operator who decided is untouched.
    assert (await client.get(f"{stack.api}/whoami", headers=operator)).status_code == 200


async def test_revoked_api_key_stops_the_token_the_gateway_cached(
    stack: Any, client: Any, tokens: Any, notification: list[str]
) -> None:
    operator = auth(await tokens.mint("operator-keys", roles=("operator",)))
    created = await client.post(
        f"{stack.api}/api-keys",
        headers=operator,
        json={"name": "registrar", "institution_id": "inst-20002", "scopes": ["records:read"]},
    )
    assert created.status_code == 201, created.text
    key_headers = {"X-API-Key": created.json()["key"]}
    # The gateway exchanges the key once and caches the token for minutes.
    assert (await client.get(f"{stack.api}/whoami", headers=key_headers)).status_code == 200
    # The same token, as a partner's request forwarded to a service carries it.
    exchanged = await client.post(
        f"{stack.identity.url}/internal/api-keys/exchange",
        headers={"X-Internal-Token": PlatformSettings().internal_token},
        json={"api_key": created.json()["key"]},
    )
    assert exchanged.status_code == 200
    partner_token = auth(exchanged.json()["access_token"])
    for replica in notification:
        assert (await client.get(replica, headers=partner_token)).status_code == 200

    revoked = await client.post(
        f"{stack.api}/api-keys/{created.json()['id']}/revoke", headers=operator
    )
    assert revoked.status_code == 200, revoked.text

    async def key_refused() -> bool:
        through_gateway = await client.get(f"{stack.api}/whoami", headers=key_headers)
        direct = [
            (await client.get(url, headers=partner_token)).status_code for url in notification
        ]
        return through_gateway.status_code == 401 and set(direct) == {401}

    await wait_until(key_refused, timeout=REVOCATION_DEADLINE_SECONDS)


async def test_rotation_without_overlap_stops_the_old_key_at_once(
    stack: Any, client: Any, tokens: Any
) -> None:
    operator = auth(await tokens.mint("operator-rotation", roles=("operator",)))
    created = await client.post(
        f"{stack.api}/api-keys",
        headers=operator,
        json={"name": "registrar", "institution_id": "inst-20003", "scopes": ["records:read"]},
    )
    assert created.status_code == 201, created.text
    old_key = {"X-API-Key": created.json()["key"]}
    assert (await client.get(f"{stack.api}/whoami", headers=old_key)).status_code == 200

    rotated = await client.post(
        f"{stack.api}/api-keys/{created.json()['id']}/rotate",
        headers=operator,
        json={"overlap_hours": 0},
    )
    assert rotated.status_code in (200, 201), rotated.text

    async def old_key_refused() -> bool:
        return (await client.get(f"{stack.api}/whoami", headers=old_key)).status_code == 401

    await wait_until(old_key_refused, timeout=REVOCATION_DEADLINE_SECONDS)
    new_key = {"X-API-Key": rotated.json()["key"]}
    assert (await client.get(f"{stack.api}/whoami", headers=new_key)).status_code == 200


async def test_a_process_catches_up_on_start_and_hears_revocations_without_the_broker(
    stack: Any, client: Any, onboard: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = PlatformSettings()
    broker = urlsplit(settings.broker_url)
    proxy = await CuttableTcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672).start()
    credentials = broker.netloc.rpartition("@")[0]
    through_proxy = broker._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}").geturl()
    logged_out_before = await onboard()
    assert (
        await client.post(f"{stack.api}/logout", headers=auth(logged_out_before.access))
    ).status_code == 200
    listing = f"{stack.identity.url}/internal/revocations"
    # Internal: without the shared token the route does not exist.
    assert (await client.get(listing)).status_code == 404
    held = await client.get(listing, headers={"X-Internal-Token": settings.internal_token})
    assert held.status_code == 200
    sid = jwt.get_unverified_claims(logged_out_before.access)["sid"]
    entries = [e for e in held.json()["revocations"] if e["ids"] == [sid]]
    assert [(e["kind"], e["reason"]) for e in entries] == [("session", "logout")]
    process = RunningProcess(
        "notification-cut-off",
        "notification.main:create_app",
        env={
            "EDUCERT_IDENTITY_URL": stack.identity.url,
            "EDUCERT_BROKER_URL": through_proxy,
            "EDUCERT_REVOCATION_POLL_SECONDS": "1",
        },
        log_dir=tmp_path_factory.mktemp("revocation-cut-off"),
    )
    process.start()
    try:
        await process.wait_ready(timeout=60)
        whoami = f"{process.url}/api/v1/notification/whoami"

        # Revoked before this process existed: the catch-up read on start knows it.
        async def earlier_revocation_known() -> bool:
            late = await client.get(whoami, headers=auth(logged_out_before.access))
            return late.status_code == 401

        await wait_until(earlier_revocation_known, timeout=REVOCATION_DEADLINE_SECONDS)

        user = await onboard()
        assert (await client.get(whoami, headers=auth(user.access))).status_code == 200
        await proxy.cut()
        assert (
            await client.post(f"{stack.api}/logout", headers=auth(user.access))
        ).status_code == 200

        async def refused() -> bool:
            return (await client.get(whoami, headers=auth(user.access))).status_code == 401

        # No broker: the process asks identity every second instead.
        await wait_until(refused, timeout=REVOCATION_DEADLINE_SECONDS)
    finally:
        process.stop()
        await proxy.close()
