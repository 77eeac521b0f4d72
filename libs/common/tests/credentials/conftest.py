"""Real Ed25519 keys and a key ring for the credential tests."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ISSUER = "https://verify.educert.example/issuer"
METHOD = f"{ISSUER}#key-2026"


@pytest.fixture(scope="session")
def spec_vectors() -> dict[str, Any]:
    """Load the eddsa-jcs-2022 test vectors copied from the cryptosuite specification."""
    path = Path(__file__).with_name("eddsa_jcs_2022_vectors.json")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def issuer_key() -> Ed25519PrivateKey:
    """Generate the platform's signing key for this run."""
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def resolve_key(issuer_key: Ed25519PrivateKey) -> Callable[[str], Ed25519PublicKey | None]:
    """Return a resolver that knows only the platform's verification method."""
    ring = {METHOD: issuer_key.public_key()}
    return ring.get
