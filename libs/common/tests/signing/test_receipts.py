"""Detached-JWS receipts: they survive re-serialisation, and every kind of tampering fails."""

import base64
import json
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from educert_common.signing import (
    SigningKeys,
    canonical_json,
    okp_thumbprint,
    sign_receipt,
    verify_receipt,
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def bulk_answer(count: int = 1000, *, batch: str = "B-2026-12-02-0001") -> dict[str, Any]:
    """A partner's bulk verification answer, as the records service would write it."""
    return {
        "batch": batch,
        "partner": "招商银行 China Merchants Bank",
        "checked_at": "2026-12-02T07:30:00Z",
        "results": [
            {
                "code": f"AB{index:010d}",
                "status": "valid" if index % 7 else "revoked",
                "holder": "张**",
                "degree": "学士 Bachelor",
                "score": 3.5,
                "line": index,
            }
            for index in range(count)
        ],
    }


@pytest.fixture(scope="module")
def payload() -> dict[str, Any]:
    return bulk_answer()


def test_round_trip(payload: dict[str, Any], keys: SigningKeys) -> None:
    receipt = sign_receipt(payload, keys)
    assert receipt.kid == keys.credential_key_id
    assert json.loads(receipt.payload_json) == payload
    assert receipt.payload_json.encode() == canonical_json(payload)
    assert verify_receipt(receipt.payload_json, receipt.signature, keys.credential_public_key)
    assert verify_receipt(payload, receipt.signature, keys.credential_public_key)


def test_detached_compact_form(payload: dict[str, Any], keys: SigningKeys) -> None:
    receipt = sign_receipt(payload, keys)
    encoded_header, middle, encoded_signature = receipt.signature.split(".")
    assert middle == ""  # RFC 7515 Appendix F: the payload travels separately
    assert json.loads(_b64url_decode(encoded_header)) == {
        "alg": "EdDSA",
        "kid": keys.credential_key_id,
        "typ": "educert-receipt+jws",
    }
    assert len(_b64url_decode(encoded_signature)) == 64


def test_reserialised_payload_still_verifies(payload: dict[str, Any], keys: SigningKeys) -> None:
    receipt = sign_receipt(payload, keys)
    # What a partner's tooling may do: other key order, indentation, escaped non-ASCII.
    shuffled = {key: payload[key] for key in reversed(payload)}
    reserialised = json.dumps(shuffled, indent=2, ensure_ascii=True)
    assert reserialised != receipt.payload_json
    assert verify_receipt(reserialised, receipt.signature, keys.credential_public_key)
    # A number written as 1.0 is the same JSON number as 1.
    assert verify_receipt(
        reserialised.replace('"line": 1,', '"line": 1.0,'),
        receipt.signature,
        keys.credential_public_key,
    )


def test_the_documented_check_in_plain_cryptography(
    payload: dict[str, Any], keys: SigningKeys
) -> None:
    """The few lines docs/verification.md gives partners, with nothing of ours but JCS."""
    receipt = sign_receipt(payload, keys)
    header, _, signature = receipt.signature.split(".")
    canonical = rfc8785.dumps(json.loads(receipt.payload_json))
    signing_input = f"{header}.{_b64url(canonical)}".encode()
    keys.credential_public_key.verify(_b64url_decode(signature), signing_input)  # raises if bad


class TestTampering:
    def test_changed_result(self, payload: dict[str, Any], keys: SigningKeys) -> None:
        receipt = sign_receipt(payload, keys)
        forged = json.loads(receipt.payload_json)
        forged["results"][7]["status"] = "valid"  # was revoked
        assert not verify_receipt(forged, receipt.signature, keys.credential_public_key)
        assert not verify_receipt(
            receipt.payload_json.replace('"revoked"', '"valid"', 1),
            receipt.signature,
            keys.credential_public_key,
        )

    def test_added_or_removed_entry(self, payload: dict[str, Any], keys: SigningKeys) -> None:
        receipt = sign_receipt(payload, keys)
        fewer = {**payload, "results": payload["results"][:-1]}
        more = {**payload, "note": "checked by hand"}
        for forged in (fewer, more):
            assert not verify_receipt(forged, receipt.signature, keys.credential_public_key)

    @pytest.mark.parametrize(
        "header",
        [
            {"alg": "EdDSA", "kid": "another-key", "typ": "educert-receipt+jws"},
            {"alg": "EdDSA", "typ": "educert-receipt+jws"},
            {"alg": "none", "kid": "K", "typ": "educert-receipt+jws"},
            {"alg": "EdDSA", "kid": "K", "typ": "JWT"},
            {"alg": "EdDSA", "kid": "K", "typ": "educert-receipt+jws", "b64": False},
            {"alg": "EdDSA", "kid": "K", "typ": "educert-receipt+jws", "crit": ["exp"]},
        ],
    )
    def test_changed_header(
        self, header: dict[str, Any], payload: dict[str, Any], keys: SigningKeys
    ) -> None:
        receipt = sign_receipt(payload, keys)
        if header.get("kid") == "K":
            header = {**header, "kid": keys.credential_key_id}
        _, _, signature = receipt.signature.split(".")
        swapped = f"{_b64url(json.dumps(header).encode())}..{signature}"
        assert not verify_receipt(receipt.payload_json, swapped, keys.credential_public_key)

    def test_wrong_key(self, payload: dict[str, Any], keys: SigningKeys) -> None:
        receipt = sign_receipt(payload, keys)
        stranger = Ed25519PrivateKey.generate().public_key()
        assert not verify_receipt(receipt.payload_json, receipt.signature, stranger)

    def test_signature_of_another_receipt(self, keys: SigningKeys) -> None:
        first = sign_receipt(bulk_answer(3, batch="B-1"), keys)
        second = sign_receipt(bulk_answer(3, batch="B-2"), keys)
        assert not verify_receipt(first.payload_json, second.signature, keys.credential_public_key)

    def test_forged_with_another_key_under_our_kid(
        self, payload: dict[str, Any], keys: SigningKeys
    ) -> None:
        forger = Ed25519PrivateKey.generate()
        header = _b64url(
            canonical_json(
                {"alg": "EdDSA", "kid": keys.credential_key_id, "typ": "educert-receipt+jws"}
            )
        )
        forged_payload = {**payload, "batch": "B-FORGED"}
        signing_input = f"{header}.{_b64url(canonical_json(forged_payload))}".encode()
        forged_signature = forger.sign(signing_input)
        forger.public_key().verify(forged_signature, signing_input)  # a real Ed25519 signature
        forged = f"{header}..{_b64url(forged_signature)}"
        assert okp_thumbprint(forger.public_key()) != keys.credential_key_id
        assert not verify_receipt(forged_payload, forged, keys.credential_public_key)

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda s: s.replace("..", ".e30."),  # payload put back in (not detached)
            lambda s: s[:-2],  # truncated signature
            lambda s: s + "=",  # padded base64url
            lambda s: s.replace("..", "."),  # two segments
            lambda s: "",
        ],
    )
    def test_malformed_signature(
        self, mangle: Any, payload: dict[str, Any], keys: SigningKeys
    ) -> None:
        receipt = sign_receipt(payload, keys)
        assert not verify_receipt(
            receipt.payload_json, mangle(receipt.signature), keys.credential_public_key
        )

    def test_ambiguous_payload_json(self, keys: SigningKeys) -> None:
        receipt = sign_receipt({"status": "revoked"}, keys)
        duplicated = '{"status": "revoked", "status": "valid"}'
        assert not verify_receipt(duplicated, receipt.signature, keys.credential_public_key)
        assert not verify_receipt("not json", receipt.signature, keys.credential_public_key)


# The worked example of docs/verification.md, signed with RFC 8037's example Ed25519 key
# (Appendix A.1: public, so never one of ours). jwcrypto verifies it too.
EXAMPLE_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
EXAMPLE_PAYLOAD = (
    '{"batch":"B-2026-12-02-0001","checked_at":"2026-12-02T07:30:00Z","results":'
    '[{"code":"AB0000000001","status":"valid"},{"code":"AB0000000007","status":"revoked"}]}'
)
EXAMPLE_SIGNATURE = (
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImtQcktfcW14VldhWVZBOXd3QkY2SXVvM3ZWeno3VHhIQ1R3WEJ5Z3JTNGsi"
    "LCJ0eXAiOiJlZHVjZXJ0LXJlY2VpcHQrandzIn0..-f_xahVJi6Vrh2kjvlViSmEsRB27wmuYIoEOWHu2wliFoDz"
    "CJdzt7XdbSQhTtlT_rKDP4NcJewCuulcZwWTzBA"
)


def test_documented_example_verifies() -> None:
    public_key = Ed25519PublicKey.from_public_bytes(_b64url_decode(EXAMPLE_X))
    assert verify_receipt(EXAMPLE_PAYLOAD, EXAMPLE_SIGNATURE, public_key)
    assert not verify_receipt(
        EXAMPLE_PAYLOAD.replace("revoked", "valid"), EXAMPLE_SIGNATURE, public_key
    )
