"""eddsa-jcs-2022 proofs: the specification's test vectors, then every way to break a proof."""

import copy
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from educert_common.credentials.data_integrity import (
    ProofError,
    add_proof,
    canonicalize,
    hash_data,
    verify_proof,
)
from educert_common.credentials.multibase import decode_base58btc, decode_multikey

from .conftest import METHOD

Resolver = Callable[[str], Ed25519PublicKey | None]
CREATED = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def _spec_key(vectors: dict[str, Any]) -> Ed25519PrivateKey:
    secret = decode_base58btc(vectors["keyPair"]["privateKeyMultibase"])
    return Ed25519PrivateKey.from_private_bytes(secret[2:])


def _did_key(method: str) -> Ed25519PublicKey | None:
    """Resolve a did:key verification method: the key is the fragment (a Multikey)."""
    did, _, fragment = method.partition("#")
    return decode_multikey(fragment) if did == f"did:key:{fragment}" else None


def _created(vectors: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(vectors["proofOptions"]["created"])


class TestSpecificationVectors:
    def test_canonical_forms_and_hashes_match(self, spec_vectors: dict[str, Any]) -> None:
        canonical_document = canonicalize(spec_vectors["unsigned"])
        canonical_options = canonicalize(spec_vectors["proofOptions"])
        assert canonical_document.decode() == spec_vectors["canonicalDocument"]
        assert canonical_options.decode() == spec_vectors["canonicalProofOptions"]
        assert hashlib.sha256(canonical_document).hexdigest() == spec_vectors["documentHash"]
        assert hashlib.sha256(canonical_options).hexdigest() == spec_vectors["proofOptionsHash"]
        combined = hash_data(spec_vectors["unsigned"], spec_vectors["proofOptions"])
        assert combined.hex() == spec_vectors["combinedHash"]

    def test_add_proof_reproduces_the_exact_signed_credential(
        self, spec_vectors: dict[str, Any]
    ) -> None:
        signed = add_proof(
            spec_vectors["unsigned"],
            _spec_key(spec_vectors),
            verification_method=spec_vectors["proofOptions"]["verificationMethod"],
            created=_created(spec_vectors),
        )
        proof_value = signed["proof"]["proofValue"]
        assert decode_base58btc(proof_value).hex() == spec_vectors["signatureHex"]
        assert proof_value == spec_vectors["proofValue"]
        assert signed == spec_vectors["signed"]
        assert "proof" not in spec_vectors["unsigned"]  # a new dict; the input is untouched

    def test_the_specifications_signed_credential_verifies(
        self, spec_vectors: dict[str, Any]
    ) -> None:
        check = verify_proof(spec_vectors["signed"], _did_key)
        assert check.verified, check.reason
        assert check.verification_method == spec_vectors["proofOptions"]["verificationMethod"]


@pytest.fixture
def signed(issuer_key: Ed25519PrivateKey) -> dict[str, Any]:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b0f6c1e-3b9e-4f57-9a8f-3f1f1d7f2a10",
        "type": ["VerifiableCredential", "DegreeReportCredential"],
        "issuer": {"id": "https://verify.educert.example/issuer", "name": "EduCert"},
        "validFrom": "2026-12-02T07:00:00Z",
        "credentialSubject": {"name": "张三", "degree": "学士", "year": 2024},
    }
    return add_proof(document, issuer_key, verification_method=METHOD, created=CREATED)


def test_our_proof_verifies_and_proof_carries_the_context(
    signed: dict[str, Any], resolve_key: Resolver
) -> None:
    assert verify_proof(signed, resolve_key).verified
    assert signed["proof"]["@context"] == signed["@context"]
    assert signed["proof"]["created"] == "2026-12-02T07:00:00Z"


def _edit(document: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    edit(changed)
    return changed


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d["credentialSubject"].update(degree="硕士"), "signature does not match"),
        (lambda d: d["credentialSubject"].update(year=2025), "signature does not match"),
        (lambda d: d["credentialSubject"].update(extra="x"), "signature does not match"),
        (lambda d: d.update(validFrom="2020-01-01T00:00:00Z"), "signature does not match"),
        (lambda d: d["proof"].update(created="2026-12-02T07:00:01Z"), "signature does not match"),
        (
            lambda d: d["proof"].update(verificationMethod=METHOD.replace("2026", "2027")),
            "unknown verification method",
        ),
        (lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022"), "cryptosuite"),
        (lambda d: d["proof"].update(type="Ed25519Signature2020"), "cryptosuite"),
        (lambda d: d["proof"].update(proofPurpose="authentication"), "proofPurpose"),
        (lambda d: d["proof"].update(created="yesterday"), "created"),
        (lambda d: d["proof"].pop("proofValue"), "proofValue is missing"),
        (lambda d: d["proof"].update(proofValue=42), "proofValue is missing"),
        (lambda d: d["proof"].update(proofValue="u" + "A" * 86), "proofValue"),
        (lambda d: d["proof"].update(proofValue="z3"), "64-byte"),
        (lambda d: d["proof"].pop("verificationMethod"), "verificationMethod"),
        (lambda d: d.pop("proof"), "no proof"),
        (lambda d: d.update(proof=[d["proof"]]), "proof sets"),
        (lambda d: d.update({"@context": ["https://example.com/other"]}), "@context"),
        (lambda d: d["credentialSubject"].update(n=float("nan")), "canonicalizable"),
    ],
)
def test_tampering_fails_with_a_reason(
    signed: dict[str, Any],
    resolve_key: Resolver,
    edit: Callable[[dict[str, Any]], None],
    reason: str,
) -> None:
    check = verify_proof(_edit(signed, edit), resolve_key)
    assert not check.verified
    assert check.reason is not None and reason in check.reason


def test_a_proof_by_another_key_under_our_method_fails(resolve_key: Resolver) -> None:
    forged = add_proof(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "claim": "forged"},
        Ed25519PrivateKey.generate(),
        verification_method=METHOD,
        created=CREATED,
    )
    check = verify_proof(forged, resolve_key)
    assert not check.verified
    assert check.reason is not None and "signature does not match" in check.reason


def test_a_proof_moved_onto_another_document_fails(
    signed: dict[str, Any], resolve_key: Resolver
) -> None:
    other = _edit(signed, lambda d: d.update(id="urn:uuid:another"))
    assert not verify_proof(other, resolve_key).verified


def test_an_appended_context_is_ignored_as_the_spec_says(
    signed: dict[str, Any], resolve_key: Resolver
) -> None:
    # The proof's @context is what was signed; a context appended later is not signed
    # and therefore cannot take part in the verified document.
    appended = _edit(signed, lambda d: d["@context"].append("https://example.com/later"))
    assert verify_proof(appended, resolve_key).verified


def test_proof_expiry_is_checked_against_now(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver
) -> None:
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "claim": 1}
    signed = add_proof(document, issuer_key, verification_method=METHOD, created=CREATED)
    # An expiry added after signing changes the proof options, so sign with it instead.
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    options["expires"] = "2026-12-03T00:00:00Z"
    options["proofValue"] = _sign(issuer_key, document, options)
    with_expiry = {**document, "proof": options}
    assert verify_proof(with_expiry, resolve_key, now=CREATED).verified
    late = verify_proof(with_expiry, resolve_key, now=CREATED + timedelta(days=2))
    assert not late.verified and late.reason == "proof has expired"
    assert not verify_proof(with_expiry, resolve_key).verified  # no clock, no answer


def _sign(key: Ed25519PrivateKey, document: dict[str, Any], options: dict[str, Any]) -> str:
    from educert_common.credentials.multibase import encode_base58btc

    return encode_base58btc(key.sign(hash_data(document, options)))


def test_add_proof_refuses_what_it_cannot_sign(issuer_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ProofError, match="already has a proof"):
        add_proof({"proof": {}}, issuer_key, verification_method=METHOD, created=CREATED)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_proof({}, issuer_key, verification_method=METHOD, created=datetime(2026, 1, 1))
    with pytest.raises(ProofError, match="canonicalizable"):
        add_proof({"n": 2**60}, issuer_key, verification_method=METHOD, created=CREATED)


def test_created_is_written_in_utc(issuer_key: Ed25519PrivateKey, resolve_key: Resolver) -> None:
    beijing = timezone(timedelta(hours=8))
    signed = add_proof(
        {"a": 1},
        issuer_key,
        verification_method=METHOD,
        created=datetime(2026, 12, 2, 15, 0, 0, 999_999, tzinfo=beijing),
    )
    assert signed["proof"]["created"] == "2026-12-02T07:00:00Z"
    assert "@context" not in signed["proof"]  # no context to copy
    assert verify_proof(signed, resolve_key).verified


def test_a_deeply_nested_document_fails_with_a_reason(
    signed: dict[str, Any], resolve_key: Resolver
) -> None:
    deep: Any = "bottom"
    for _ in range(5000):
        deep = [deep]
    check = verify_proof({**signed, "credentialSubject": deep}, resolve_key)
    assert not check.verified
    assert check.reason is not None and "canonicalizable" in check.reason
