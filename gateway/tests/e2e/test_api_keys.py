"""Partner API keys through the gateway: exchanged for a short-lived token with the key's scopes."""

from typing import Any

import httpx
import pytest

from educert_common.testing.tokens import Tokens

pytestmark = pytest.mark.e2e


async def issue_key(
    client: httpx.AsyncClient, platform: Any, operator: str, scopes: list[str]
) -> httpx.Response:
    return await client.post(
        f"{platform.gateway.url}/api/v1/identity/api-keys",
        headers={"Authorization": f"Bearer {operator}"},
        json={"name": "registrar import", "institution_id": "inst-10001", "scopes": scopes},
    )


async def test_api_key_is_exchanged_with_its_scopes_and_revocable(
    platform: Any, client: httpx.AsyncClient, tokens: Tokens
) -> None:
    operator = await tokens.mint("operator-7", roles=("operator",))
    refused = await issue_key(client, platform, operator, ["records:import", "admin:everything"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "scopes"
    created = await issue_key(client, platform, operator, ["records:import", "reports:verify"])
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key.startswith(f"ek_{created.json()['prefix']}_")

    whoami = await client.get(
        f"{platform.gateway.url}/api/v1/identity/whoami", headers={"X-API-Key": key}
    )
    assert whoami.status_code == 200, whoami.text
    assert whoami.json()["roles"] == ["partner"]
    assert whoami.json()["institution"] == "inst-10001"
    assert whoami.json()["scopes"] == ["records:import", "reports:verify"]
    # The right scopes are carried, not the operator's powers: operator routes stay closed.
    denied = await client.get(
        f"{platform.gateway.url}/api/v1/identity/api-keys", headers={"X-API-Key": key}
    )
    assert denied.status_code == 403
    narrow = await issue_key(client, platform, operator, ["records:read"])
    narrow_who = await client.get(
        f"{platform.gateway.url}/api/v1/identity/whoami",
        headers={"X-API-Key": narrow.json()["key"]},
    )
    assert narrow_who.json()["scopes"] == ["records:read"]

    wrong = await client.get(
        f"{platform.gateway.url}/api/v1/identity/whoami",
        headers={"X-API-Key": key[:-4] + "AAAA"},
    )
    assert wrong.status_code == 401
    # The exchange route is internal: without the shared token it does not exist.
    direct = await client.post(
        f"{platform.services['identity'].url}/internal/api-keys/exchange", json={"api_key": key}
    )
    assert direct.status_code == 404

    listed = await client.get(
        f"{platform.gateway.url}/api/v1/identity/api-keys?institution_id=inst-10001",
        headers={"Authorization": f"Bearer {operator}"},
    )
    mine = [k for k in listed.json()["items"] if k["id"] == created.json()["id"]]
    assert mine and mine[0]["last_used_at"] is not None and "key" not in mine[0]
