"""Signed JSON receipts for partners' audit files: a JWS with a detached payload.

Format (RFC 7515 Appendix F, the standard base64url payload left out of the compact form):

    signature = BASE64URL(header) + ".." + BASE64URL(Ed25519 signature)
    signed    = BASE64URL(header) + "." + BASE64URL(JCS(payload))

with header `{"alg":"EdDSA","kid":<credential key id>,"typ":"educert-receipt+jws"}` (RFC 8037)
and JCS the JSON Canonicalization Scheme (RFC 8785). The payload is signed in its canonical
form, so a partner who parses and re-serialises the JSON (other key order, other spacing,
`1.0` for `1`) still verifies it; any JOSE library verifies it once the payload segment is
put back. RFC 7797 (`b64: false`) would save the base64 step but needs `crit` support, which
many JOSE libraries lack: the plain detached form works with all of them.

Signing is a few lines over `cryptography`'s Ed25519 (python-jose has no EdDSA); a JOSE
library would only add an algorithm negotiation that has to be pinned back to one value.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from educert_common.signing.keys import SigningKeys, okp_thumbprint

ALGORITHM = "EdDSA"
RECEIPT_TYPE = "educert-receipt+jws"
_HEADER_MEMBERS = {"alg", "kid", "typ"}


@dataclass(frozen=True)
class SignedReceipt:
    """A receipt's canonical JSON and its detached compact JWS (`header..signature`)."""

    payload_json: str
    signature: str
    kid: str


def canonical_json(payload: Any) -> bytes:
    """The RFC 8785 (JCS) form of `payload`; integers must stay within +-(2**53 - 1)."""
    return rfc8785.dumps(payload)


def sign_receipt(payload: dict[str, Any], keys: SigningKeys) -> SignedReceipt:
    """Sign `payload` in its canonical form with the credential key (detached JWS)."""
    canonical = canonical_json(payload)
    header = {"alg": ALGORITHM, "kid": keys.credential_key_id, "typ": RECEIPT_TYPE}
    encoded_header = _b64url(canonical_json(header))
    signature = keys.credential_key.sign(_signing_input(encoded_header, canonical))
    return SignedReceipt(
        payload_json=canonical.decode(),
        signature=f"{encoded_header}..{_b64url(signature)}",
        kid=keys.credential_key_id,
    )


def verify_receipt(
    payload: str | bytes | dict[str, Any], signature: str, public_key: Ed25519PublicKey
) -> bool:
    """True only if `signature` is this key's detached JWS over `payload` (JSON or parsed)."""
    try:
        encoded_header, middle, encoded_signature = signature.split(".")
        header = _strict_json(_b64url_decode(encoded_header))
        raw_signature = _b64url_decode(encoded_signature)
        document = _strict_json(payload) if isinstance(payload, str | bytes) else payload
        canonical = canonical_json(document)
    except (ValueError, TypeError, AttributeError):
        return False
    if middle or not _acceptable_header(header, public_key):
        return False
    try:
        public_key.verify(raw_signature, _signing_input(encoded_header, canonical))
    except InvalidSignature:
        return False
    return True


def _acceptable_header(header: Any, public_key: Ed25519PublicKey) -> bool:
    """Exactly the header we write: one algorithm, our type, the key's own id, no `crit`."""
    return (
        isinstance(header, dict)
        and set(header) == _HEADER_MEMBERS
        and header["alg"] == ALGORITHM
        and header["typ"] == RECEIPT_TYPE
        and header["kid"] == okp_thumbprint(public_key)
    )


def _signing_input(encoded_header: str, canonical_payload: bytes) -> bytes:
    return f"{encoded_header}.{_b64url(canonical_payload)}".encode()


def _strict_json(text: str | bytes) -> Any:
    """Parse JSON, refusing duplicate member names and NaN/Infinity (not I-JSON)."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise ValueError("duplicate member name")
        return result

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, object_pairs_hook=unique, parse_constant=refuse)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing any other spelling of the same bytes."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error
    if _b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data
