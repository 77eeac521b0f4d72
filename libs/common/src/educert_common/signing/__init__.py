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
from educert_common.signing.pades import (
    PdfSignatureCheck,
    async_check_pdf_signature,
    async_sign_pdf,
    check_pdf_signature,
    sign_pdf,
)
from educert_common.signing.receipts import (
    SignedReceipt,
    canonical_json,
    sign_receipt,
    verify_receipt,
)

__all__ = [
    "PdfSignatureCheck",
    "SignedReceipt",
    "SigningKeyError",
    "SigningKeys",
    "SigningSettings",
    "async_check_pdf_signature",
    "async_sign_pdf",
    "canonical_json",
    "certificate_pem",
    "check_pdf_signature",
    "load_signing_keys",
    "okp_thumbprint",
    "public_jwks",
    "sign_pdf",
    "sign_receipt",
    "verify_receipt",
]
