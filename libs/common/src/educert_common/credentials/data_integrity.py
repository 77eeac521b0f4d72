"""Data Integrity proofs with the eddsa-jcs-2022 cryptosuite (W3C Data Integrity EdDSA v1.0).

The signed bytes are SHA-256(JCS(proof configuration)) || SHA-256(JCS(document without
proof)), signed with pure Ed25519; proofValue is the 64-byte signature as base58btc
multibase. JCS (RFC 8785) needs no JSON-LD processing, so a verifier needs no network and no
context files: any edit of a member, anywhere, changes the hash.

Only a single proof is produced and accepted: proof sets and chains are refused, since a
report carries exactly one platform proof and an extra proof would be an unverified claim.
"""

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from educert_common.credentials.dates import format_datetime, parse_datetime
from educert_common.credentials.multibase import MultibaseError, decode_base58btc, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ASSERTION_METHOD = "assertionMethod"
_SIGNATURE_BYTES = 64

KeyResolver = Callable[[str], Ed25519PublicKey | None]


class ProofError(ValueError):
    """A proof cannot be created for this document (or these options)."""


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of verifying a document's proof: `reason` says why when not verified."""

    verified: bool
    reason: str | None = None
    verification_method: str | None = None


def canonicalize(value: Any) -> bytes:
    """Serialize a JSON value with the JSON Canonicalization Scheme (RFC 8785), as UTF-8."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, RecursionError) as exc:
        # Floats out of range, integers beyond 2^53, lone surrogates, non-string keys.
        raise ProofError(f"document is not canonicalizable JSON: {exc}") from None


def hash_data(unsecured_document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """Return SHA-256(JCS(proof config)) || SHA-256(JCS(document)), the bytes Ed25519 signs."""
    _check_suite(proof_config)
    if "created" in proof_config:
        try:
            parse_datetime(proof_config["created"])
        except ValueError as exc:
            raise ProofError(f"proof created: {exc}") from None
    config_hash = hashlib.sha256(canonicalize(dict(proof_config))).digest()
    document_hash = hashlib.sha256(canonicalize(dict(unsecured_document))).digest()
    return config_hash + document_hash


def add_proof(
    document: Mapping[str, Any],
    key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """Return a copy of `document` with an eddsa-jcs-2022 assertionMethod proof added."""
    if "proof" in document:
        raise ProofError("document already has a proof; proof sets and chains are not supported")
    if not verification_method:
        raise ProofError("verification_method is required")
    unsecured = copy.deepcopy(dict(document))
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": ASSERTION_METHOD,
    }
    # The spec's step 2: the proof carries the document's @context, so a context appended
    # after signing cannot change the meaning of what was signed without being noticed.
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = key.sign(hash_data(unsecured, proof))
    proof["proofValue"] = encode_base58btc(signature)
    return {**unsecured, "proof": proof}


def verify_proof(
    document: Mapping[str, Any],
    resolve_key: KeyResolver,
    *,
    expected_purpose: str = ASSERTION_METHOD,
    now: datetime | None = None,
) -> ProofCheck:
    """Verify a document's single eddsa-jcs-2022 proof with the key its verificationMethod names.

    `resolve_key` returns the public key for a verification method id, or None when the id is
    not one the caller trusts for `expected_purpose` (the caller's key ring decides this).
    """
    try:
        return _verify(document, resolve_key, expected_purpose, now)
    except ProofError as exc:
        return ProofCheck(False, str(exc))


def _verify(
    document: Mapping[str, Any],
    resolve_key: KeyResolver,
    expected_purpose: str,
    now: datetime | None,
) -> ProofCheck:
    if not isinstance(document, Mapping):
        return ProofCheck(False, "document is not a JSON object")
    proof = document.get("proof")
    if proof is None:
        return ProofCheck(False, "document has no proof")
    if not isinstance(proof, Mapping):
        return ProofCheck(False, "proof must be a single object (proof sets are not supported)")
    for member in ("type", "verificationMethod", "proofPurpose"):
        if not isinstance(proof.get(member), str):
            return ProofCheck(False, f"proof.{member} is missing or not a string")
    method: str = proof["verificationMethod"]
    if proof["type"] != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(
            False,
            f"unsupported proof type/cryptosuite {proof['type']!r}/{proof.get('cryptosuite')!r}"
            f" (expected {PROOF_TYPE}/{CRYPTOSUITE})",
            method,
        )
    if proof["proofPurpose"] != expected_purpose:
        return ProofCheck(
            False, f"proofPurpose {proof['proofPurpose']!r} is not {expected_purpose!r}", method
        )
    if "expires" in proof:
        expired = _expired(proof["expires"], now)
        if expired is not None:
            return ProofCheck(False, expired, method)
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        return ProofCheck(False, "proofValue is missing or not a string", method)
    try:
        signature = decode_base58btc(proof_value)
    except MultibaseError as exc:
        return ProofCheck(False, f"proofValue: {exc}", method)
    if len(signature) != _SIGNATURE_BYTES:
        return ProofCheck(False, "proofValue is not a 64-byte Ed25519 signature", method)

    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    if "@context" in options:
        if not _starts_with(unsecured.get("@context"), options["@context"]):
            return ProofCheck(False, "document @context does not start with the proof's", method)
        unsecured["@context"] = options["@context"]

    key = resolve_key(method)
    if key is None:
        return ProofCheck(False, f"unknown verification method {method!r}", method)
    try:
        key.verify(signature, hash_data(unsecured, options))
    except InvalidSignature:
        return ProofCheck(False, "signature does not match the document and proof options", method)
    return ProofCheck(True, None, method)


def _check_suite(options: Mapping[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"proof options must be {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")


def _expired(expires: object, now: datetime | None) -> str | None:
    try:
        moment = parse_datetime(expires)
    except ValueError as exc:
        return f"proof expires: {exc}"
    if now is None:
        return "proof has an expiry; pass now to check it"
    return "proof has expired" if now >= moment else None


def _starts_with(document_context: object, proof_context: object) -> bool:
    """Tell whether the document's @context begins with every proof @context value, in order."""
    doc = document_context if isinstance(document_context, list) else [document_context]
    prefix = proof_context if isinstance(proof_context, list) else [proof_context]
    return document_context is not None and doc[: len(prefix)] == prefix
