"""The platform's signatures: keys from settings, PAdES on PDFs, detached-JWS receipts.

Verification reports and certificates (PDF) are signed with the document key; credentials
(educert_common.credentials) and partners' receipts with the Ed25519 credential key. Both
public halves are published by `public_jwks` so third parties can verify offline.
"""

from educert_common.signing.keys import (
    SigningKeyError,
    SigningKeys,
    SigningSettings,
    certificate_pem,
    load_signing_keys,
    okp_thumbprint,
    public_jwks,
)

__all__ = [
    "SigningKeyError",
    "SigningKeys",
    "SigningSettings",
    "certificate_pem",
    "load_signing_keys",
    "okp_thumbprint",
    "public_jwks",
]
