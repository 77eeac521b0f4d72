"""The third-party verifier printed in docs/verification.md checks what the platform issues."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from educert_common.credentials import (
    StatusList,
    add_proof,
    build_credential,
    encode_multikey,
    status_entry,
    status_list_credential,
)

DOC = Path(__file__).resolve().parents[4] / "docs" / "verification.md"
ISSUER = "https://educert.example/issuer"
METHOD = f"{ISSUER}#key-2026-1"
LIST_URL = "https://educert.example/credentials/status/revocation/1"
ISSUED = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
# The documented example key (secret bytes 0..31): the page names its Multikey.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="module")
def verifier() -> dict[str, Any]:
    """Run the page's offline-verifier code block and return its functions."""
    page = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- offline-verifier.*?-->\n```python\n(.*?)```", page, re.DOTALL)
    assert block is not None, "the offline verifier block is missing from the page"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own page
    return namespace


def _signed(document: dict[str, Any]) -> dict[str, Any]:
    return add_proof(document, KEY, verification_method=METHOD, created=ISSUED)


def _list(bits: StatusList) -> dict[str, Any]:
    return _signed(
        status_list_credential(
            list_url=LIST_URL,
            issuer_id=ISSUER,
            issuer_name="EduCert",
            purpose="revocation",
            status_list=bits,
            valid_from=ISSUED,
            valid_until=ISSUED + timedelta(days=1),
        )
    )


def test_the_page_names_the_example_keys_multikey(verifier: dict[str, Any]) -> None:
    assert verifier["TRUSTED"][METHOD] == encode_multikey(KEY.public_key())


def test_the_offline_verifier_accepts_our_credential_and_reads_its_bit(
    verifier: dict[str, Any],
) -> None:
    entry = status_entry(LIST_URL, 94567, "revocation")
    credential = _signed(
        build_credential(
            credential_id="https://educert.example/credentials/A7K2M9P4Q8R3T6V1",
            credential_type="DegreeVerificationReport",
            issuer_id=ISSUER,
            issuer_name="EduCert",
            valid_from=ISSUED,
            valid_until=ISSUED + timedelta(days=180),
            subject={"type": "DegreeRecord", "name": "张三", "degree": "工学学士学位"},
            status=entry,
        )
    )
    verifier["verify"](credential)
    bits = StatusList()
    now = ISSUED + timedelta(hours=1)
    assert verifier["status_bit"](entry, _list(bits), now) is False
    bits.set(94567, True)
    assert verifier["status_bit"](entry, _list(bits), now) is True

    credential["credentialSubject"]["degree"] = "工学博士学位"
    with pytest.raises(InvalidSignature):
        verifier["verify"](credential)
