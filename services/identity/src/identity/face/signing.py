"""The callback signature shared with the government app: HMAC-SHA256 over
"{timestamp}\\n{nonce}\\n{raw body}" with the app secret, hex in `X-Face-Signature`."""

import hmac
from hashlib import sha256

TIMESTAMP_HEADER = "X-Face-Timestamp"
NONCE_HEADER = "X-Face-Nonce"
SIGNATURE_HEADER = "X-Face-Signature"


def sign(secret: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body
    return hmac.new(secret, message, sha256).hexdigest()
