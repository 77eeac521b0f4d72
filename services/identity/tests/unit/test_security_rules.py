"""Pure rules from the security review: client address behind proxies, login throttle keys,
settings refusals, request models, staff role grants, the registry import's availability."""

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

import identity.api  # noqa: F401  (imports the routers in their order)
from educert_common.errors import NotFound, PermissionDenied
from educert_common.http.client_ip import trusted_proxies
from identity.apikeys.schemas import ApiKeyCreate
from identity.config import IdentitySettings
from identity.face.schemas import CallbackBody
from identity.sessions.service import account_throttle_key, normalise_login
from identity.staff import service as staff

TRUSTED = ["127.0.0.1/32", "::1/128", "10.0.0.0/8"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # The gateway (trusted) appended the real client on the right.
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        # What the client wrote itself on the left is never believed.
        ("127.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # An ingress inside 10/8 in front of the gateway: skip every trusted hop.
        ("10.1.2.3", "1.2.3.4, 198.51.100.9, 10.0.0.5, 127.0.0.1", "198.51.100.9"),
        # An untrusted peer's header is ignored.
        ("198.51.100.1", "203.0.113.7", "198.51.100.1"),
        # No header: the peer.
        ("127.0.0.1", "", "127.0.0.1"),
        # Garbage where the rightmost untrusted entry should be: the last trusted hop.
        ("127.0.0.1", "203.0.113.7, not-an-ip", "127.0.0.1"),
        # All hops trusted (a call from inside): the leftmost.
        ("127.0.0.1", "10.0.0.8, 10.0.0.9", "10.0.0.8"),
        # IPv6 and IPv4-mapped peers.
        ("::1", "2001:db8::1", "2001:db8::1"),
        ("::ffff:10.0.0.2", "203.0.113.8", "203.0.113.8"),
    ],
)
def test_client_is_rightmost_untrusted_forwarded_address(
    peer: str, forwarded: str, expected: str
) -> None:
    assert trusted_proxies(tuple(TRUSTED)).client(peer, forwarded) == expected


def test_trusted_proxies_take_networks_and_refuse_garbage(monkeypatch: Any) -> None:
    monkeypatch.setenv("IDENTITY_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    assert IdentitySettings().trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]
    monkeypatch.setenv("IDENTITY_TRUSTED_PROXIES", '["172.16.0.0/12"]')
    assert IdentitySettings().trusted_proxies == ["172.16.0.0/12"]
    monkeypatch.setenv("IDENTITY_TRUSTED_PROXIES", "gateway")
    with pytest.raises(ValidationError, match="IDENTITY_TRUSTED_PROXIES"):
        IdentitySettings()


def test_login_names_are_normalised_as_the_lookup_does() -> None:
    spellings = [
        "13800138000",
        "+8613800138000",
        "138 0013 8000",
        "138-0013-8000",
        "008613800138000",
    ]
    assert {normalise_login(s) for s in spellings} == {("mobile", "13800138000")}
    assert normalise_login("  Ann@Example.COM ") == ("email", "ann@example.com")
    assert normalise_login("Alice_1") == ("username", "alice_1")
    cfg = IdentitySettings()
    assert len({account_throttle_key(s, cfg) for s in spellings}) == 1
    assert account_throttle_key("ANN@example.com", cfg) == account_throttle_key(
        "ann@example.com ", cfg
    )
    # A known account: one key for all its names, and no contact in it.
    user: Any = type("U", (), {"id": uuid.uuid4()})()
    keys = {account_throttle_key(s, cfg, user) for s in ("13800138000", "a@b.cn", "alice")}
    assert keys == {f"account:user:{user.id}"}


def _production(monkeypatch: Any, **env: str) -> None:
    values = {
        "EDUCERT_ENVIRONMENT": "production",
        "EDUCERT_INTERNAL_TOKEN": "prod-internal-token-0123456789",
        "EDUCERT_ID_NUMBER_INDEX_SECRET": "prod-index-secret-0123456789abcdef",
        "IDENTITY_SECRET_KEY": "prod-secret-key-0123456789abcdef",
        "IDENTITY_PERSONAL_DATA_SECRET": "prod-personal-0123456789abcdef",
        "IDENTITY_FACE_APP_SECRET": "prod-face-0123456789abcdef",
        "IDENTITY_CAPTCHA_ADAPTER": "disabled",
        **env,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_production_refuses_the_development_registry(monkeypatch: Any) -> None:
    _production(monkeypatch)
    with pytest.raises(ValidationError, match="IDENTITY_REGISTRY_ADAPTER"):
        IdentitySettings()
    monkeypatch.setenv("IDENTITY_REGISTRY_ADAPTER", "disabled")
    assert IdentitySettings().registry_adapter == "disabled"


def test_production_refuses_the_development_captcha(monkeypatch: Any) -> None:
    _production(monkeypatch, IDENTITY_REGISTRY_ADAPTER="disabled")
    monkeypatch.delenv("IDENTITY_CAPTCHA_ADAPTER")
    with pytest.raises(ValidationError, match="IDENTITY_CAPTCHA_ADAPTER"):
        IdentitySettings()
    monkeypatch.setenv("IDENTITY_CAPTCHA_ADAPTER", "disabled")
    assert IdentitySettings().captcha_adapter == "disabled"


@pytest.mark.parametrize(
    ("environment", "adapter"), [("production", "disabled"), ("development", "disabled")]
)
async def test_registry_import_is_not_found_outside_development(
    monkeypatch: Any, environment: str, adapter: str
) -> None:
    from identity.realname.api import import_registry

    _production(monkeypatch, EDUCERT_ENVIRONMENT=environment, IDENTITY_REGISTRY_ADAPTER=adapter)
    with pytest.raises(NotFound):
        await import_registry(None, None, None, IdentitySettings())  # type: ignore[arg-type]


def test_passing_face_callback_must_name_the_person() -> None:
    base = {"session_id": str(uuid.uuid4()), "challenge": "c" * 32, "result": "pass"}
    with pytest.raises(ValidationError):
        CallbackBody.model_validate(base)
    with pytest.raises(ValidationError):
        CallbackBody.model_validate({**base, "id_number_hash": "11010519491231002X"})
    assert CallbackBody.model_validate({**base, "id_number_hash": "a" * 64})
    assert CallbackBody.model_validate({**base, "result": "fail"})


def test_api_key_expiry_needs_an_offset() -> None:
    body = {"name": "k", "institution_id": "i", "scopes": ["records:read"]}
    with pytest.raises(ValidationError) as raised:
        ApiKeyCreate.model_validate({**body, "expires_at": "2030-01-01T00:00:00"})
    assert raised.value.errors()[0]["loc"] == ("expires_at",)
    assert ApiKeyCreate.model_validate({**body, "expires_at": "2030-01-01T00:00:00+08:00"})


@pytest.mark.parametrize("role", ["operator", "admin"])
async def test_operator_cannot_create_operators_or_admins(role: str) -> None:
    with pytest.raises(PermissionDenied):
        await staff.create_staff(
            None,  # type: ignore[arg-type]  # refused before any query
            None,  # type: ignore[arg-type]
            actor="op-1",
            actor_is_admin=False,
            role=role,
            email="new.staff@example.com",
            username="newstaff",
            institution_id=None,
        )
