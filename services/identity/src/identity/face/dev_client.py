"""A small signed client standing in for the government app in development and tests.

    client = DevFaceApp(identity_url, secret="dev-only-face-app-secret")
    payload = client.scan(qr_payload)              # what the app reads from the QR code
    # face check done: send the callback naming the person whose face was checked
    await client.complete(payload, passed=True, id_number="11010519491231002X")

The callback carries the verified person's identity as the keyed blind index of the ID
number (`BlindIndex.from_secret(EDUCERT_ID_NUMBER_INDEX_SECRET, "id_number")`, the hash
identity keeps for users); the session passes only if it is the account holder's.
`complete` signs exactly as the real app must (see identity.face.signing); `send` lets
tests replay or tamper with a callback.
"""

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx

from educert_common.crypto import BlindIndex
from educert_common.settings import PlatformSettings
from identity.accounts.validation import normalise_id_number
from identity.face.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

SAMPLE_RECORDS = [
    {"direction": "exit", "date": "2019-09-01", "port": "Shanghai Pudong", "country": "GB"},
    {"direction": "entry", "date": "2023-07-15", "port": "Beijing Capital", "country": "GB"},
]


@dataclass
class SignedCallback:
    url: str
    body: bytes
    headers: dict[str, str]


class DevFaceApp:
    def __init__(
        self,
        base_url: str,
        *,
        secret: str,
        index_secret: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret.encode()
        self.index = BlindIndex.from_secret(
            index_secret or PlatformSettings().id_number_index_secret, "id_number"
        )
        self.timeout = timeout

    def person_hash(self, id_number: str) -> str:
        """The blind index of the verified person's ID number, as identity computes it."""
        return self.index.of(normalise_id_number(id_number))

    @staticmethod
    def scan(qr_payload: str) -> dict[str, Any]:
        """Read the QR payload (JSON) the identity service put in the session."""
        data: dict[str, Any] = json.loads(qr_payload)
        return data

    def build(
        self,
        scanned: dict[str, Any],
        *,
        passed: bool,
        id_number: str | None = None,
        records: list[dict[str, Any]] | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> SignedCallback:
        """`id_number`: whose face the app verified (sent as its blind index)."""
        data: dict[str, Any] = {
            "session_id": scanned["session_id"],
            "challenge": scanned["challenge"],
            "result": "pass" if passed else "fail",
            "entry_exit_records": records if records is not None else SAMPLE_RECORDS,
        }
        if id_number is not None:
            data["id_number_hash"] = self.person_hash(id_number)
        body = json.dumps(data, separators=(",", ":")).encode()
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or secrets.token_hex(16)
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: ts,
            NONCE_HEADER: nonce,
            SIGNATURE_HEADER: sign(self.secret, ts, nonce, body),
        }
        return SignedCallback(f"{self.base_url}/api/v1/identity/face/callback", body, headers)

    async def send(self, callback: SignedCallback) -> httpx.Response:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            return await client.post(callback.url, content=callback.body, headers=callback.headers)

    async def complete(
        self, scanned: dict[str, Any], *, passed: bool = True, id_number: str | None = None
    ) -> httpx.Response:
        return await self.send(self.build(scanned, passed=passed, id_number=id_number))
