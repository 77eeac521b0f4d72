"""Verifiable Credentials 2.0 documents: build one for a report, check one as a verifier would.

Terms: only the VC 2.0 context is used. Its `@vocab` makes the platform's own terms (the
credential subtype and the subject's claim names) legal without a context file of ours,
and eddsa-jcs-2022 signs the JSON itself, so no verifier needs to fetch or trust a context.

The caller decides what the subject discloses: `build_credential` copies the claims it is
given and adds none, so a field the holder hid cannot slip into the credential.
"""

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from educert_common.credentials.data_integrity import KeyResolver, verify_proof
from educert_common.credentials.dates import format_datetime, parse_datetime
from educert_common.credentials.status_list import (
    ENTRY_TYPE,
    LIST_CREDENTIAL_TYPE,
    LIST_TYPE,
    VC_V2_CONTEXT,
    StatusList,
    StatusListError,
    entry_index,
)

BASE_TYPE = "VerifiableCredential"
# Ours carry one or two (revocation, suspension); a verifier fetches at most this many lists.
MAX_STATUS_ENTRIES = 4
# A type name is a JSON-LD term resolved through the v2 @vocab: keep it a plain identifier.
_TYPE_NAME = re.compile(r"[A-Z][A-Za-z0-9]{0,63}", re.ASCII)

StatusLookup = Callable[[str], Mapping[str, Any] | None]


class CredentialState(StrEnum):
    """What a verifier is told about a credential."""

    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    PROOF_INVALID = "proof_invalid"
    STATUS_UNAVAILABLE = "status_unavailable"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class CredentialCheck:
    """The answer for one credential: a state, why when not valid, and who issued it.

    The issuer is filled in only once the proof verified (never for proof_invalid/malformed).
    """

    state: CredentialState
    reason: str | None = None
    issuer_id: str | None = None
    issuer_name: str | None = None

    @property
    def valid(self) -> bool:
        """Tell whether the credential may be relied upon now."""
        return self.state is CredentialState.VALID


def build_credential(
    *,
    credential_id: str,
    credential_type: str,
    issuer_id: str,
    issuer_name: str,
    valid_from: datetime,
    valid_until: datetime | None,
    subject: Mapping[str, Any],
    status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    name: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Build an unsigned VC 2.0 document with exactly the subject claims given (sign it next)."""
    if not _TYPE_NAME.fullmatch(credential_type) or credential_type == BASE_TYPE:
        raise ValueError("credential_type must be a specific CamelCase type name")
    if not isinstance(subject, Mapping) or not subject:
        raise ValueError("subject must be a non-empty mapping of claims")
    if not credential_id or not issuer_id or not issuer_name:
        raise ValueError("credential_id, issuer_id and issuer_name are required")
    if valid_until is not None and valid_until <= valid_from:
        raise ValueError("valid_until must be after valid_from")
    document: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": credential_id,
        "type": [BASE_TYPE, credential_type],
        "issuer": {"id": issuer_id, "name": issuer_name},
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        document["validUntil"] = format_datetime(valid_until)
    if name is not None:
        document["name"] = name
    if description is not None:
        document["description"] = description
    document["credentialSubject"] = copy.deepcopy(dict(subject))
    if status is not None:
        document["credentialStatus"] = copy.deepcopy(
            dict(status) if isinstance(status, Mapping) else [dict(entry) for entry in status]
        )
    return document


def check_credential(
    document: Mapping[str, Any],
    resolve_key: KeyResolver,
    now: datetime,
    status_lookup: StatusLookup,
) -> CredentialCheck:
    """Check proof, validity period and every status entry; never valid without the status.

    `resolve_key` must return only keys trusted for assertionMethod; `status_lookup` returns
    the status list credential published at a URL, or None when it could not be fetched.
    The proof's verification method must belong to the issuer ('<issuer id>#...').
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    shape = _read_shape(document)
    if isinstance(shape, CredentialCheck):
        return shape
    issuer_id, issuer_name = shape

    def answer(state: CredentialState, reason: str | None = None) -> CredentialCheck:
        return CredentialCheck(state, reason, issuer_id, issuer_name)

    # Until the proof verifies, the issuer named in the document is only a claim: leave it out.
    proof = verify_proof(document, resolve_key, now=now)
    if not proof.verified:
        return CredentialCheck(CredentialState.PROOF_INVALID, proof.reason)
    if not _controlled_by(proof.verification_method, issuer_id):
        return CredentialCheck(
            CredentialState.PROOF_INVALID, "the signing key does not belong to the issuer"
        )
    try:
        valid_from = parse_datetime(document["validFrom"])
        valid_until = parse_datetime(document["validUntil"]) if "validUntil" in document else None
    except ValueError as exc:
        return answer(CredentialState.MALFORMED, f"validity period: {exc}")

    period: CredentialCheck | None = None
    if now < valid_from:
        period = answer(CredentialState.NOT_YET_VALID, f"valid from {document['validFrom']}")
    elif valid_until is not None and now > valid_until:
        period = answer(CredentialState.EXPIRED, f"valid until {document['validUntil']}")

    status = _read_statuses(document.get("credentialStatus"), resolve_key, now, status_lookup)
    if status is not None and status[0] in (CredentialState.REVOKED, CredentialState.SUSPENDED):
        return answer(*status)  # revoked says more than expired, so it wins when readable
    if period is not None:
        return period  # outside its period the credential is not valid whatever the list says
    if status is not None:
        return answer(*status)
    return answer(CredentialState.VALID)


def _read_shape(document: Mapping[str, Any]) -> tuple[str, str | None] | CredentialCheck:
    """Return the issuer's id and name, or a MALFORMED answer for a non-VC 2.0 document."""
    if not isinstance(document, Mapping):
        return CredentialCheck(CredentialState.MALFORMED, "credential is not a JSON object")
    context = document.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        return CredentialCheck(CredentialState.MALFORMED, "@context must start with VC 2.0")
    types = document.get("type")
    if not isinstance(types, list) or BASE_TYPE not in types:
        return CredentialCheck(CredentialState.MALFORMED, "type must include VerifiableCredential")
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    issuer_name = issuer.get("name") if isinstance(issuer, Mapping) else None
    if not isinstance(issuer_id, str) or not issuer_id:
        return CredentialCheck(CredentialState.MALFORMED, "issuer must be a URL or {id, name}")
    if "validFrom" not in document or "credentialSubject" not in document:
        return CredentialCheck(CredentialState.MALFORMED, "validFrom and credentialSubject needed")
    return issuer_id, issuer_name if isinstance(issuer_name, str) else None


def _controlled_by(method: str | None, controller: str) -> bool:
    return method is not None and method.partition("#")[0] == controller


def _read_statuses(
    status: object, resolve_key: KeyResolver, now: datetime, status_lookup: StatusLookup
) -> tuple[CredentialState, str] | None:
    """Return the worst status among the entries, or None when every bit is clear."""
    if status is None:
        return None
    entries = status if isinstance(status, list) else [status]
    if not entries:
        return None
    if len(entries) > MAX_STATUS_ENTRIES:  # each entry may cost a fetch: bound the work
        return CredentialState.STATUS_UNAVAILABLE, "too many credentialStatus entries"
    found: tuple[CredentialState, str] | None = None
    for entry in entries:
        state = _read_status(entry, resolve_key, now, status_lookup)
        if state is not None and (found is None or _RANK[state[0]] < _RANK[found[0]]):
            found = state
    return found


_RANK = {
    CredentialState.REVOKED: 0,
    CredentialState.SUSPENDED: 1,
    CredentialState.STATUS_UNAVAILABLE: 2,
}


def _read_status(
    entry: object, resolve_key: KeyResolver, now: datetime, status_lookup: StatusLookup
) -> tuple[CredentialState, str] | None:
    """Read one BitstringStatusListEntry: None when its bit is clear, else a state and why."""
    unavailable = CredentialState.STATUS_UNAVAILABLE
    if not isinstance(entry, Mapping) or entry.get("type") != ENTRY_TYPE:
        return unavailable, "credentialStatus is not a BitstringStatusListEntry"
    purpose = entry.get("statusPurpose")
    if purpose not in ("revocation", "suspension"):
        return unavailable, f"unsupported statusPurpose {purpose!r}"
    if entry.get("statusSize", 1) != 1:
        return unavailable, "only statusSize 1 is supported"
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        return unavailable, "statusListCredential is missing"
    try:
        index = entry_index(entry)
    except StatusListError as exc:
        return unavailable, str(exc)

    try:
        list_credential = status_lookup(url)
    except Exception as exc:  # a verifier answers "unavailable", whatever broke the fetch
        return unavailable, f"status list {url} could not be fetched ({type(exc).__name__})"
    if list_credential is None:
        return unavailable, f"status list {url} could not be fetched"
    problem = _check_list_credential(list_credential, url, purpose, resolve_key, now)
    if problem is not None:
        return unavailable, problem
    try:
        bits = StatusList.decode(list_credential["credentialSubject"]["encodedList"])
        is_set = bits.get(index)
    except StatusListError as exc:
        return unavailable, f"status list {url}: {exc}"
    if not is_set:
        return None
    state = CredentialState.REVOKED if purpose == "revocation" else CredentialState.SUSPENDED
    return state, f"{purpose} bit {index} is set in {url}"


def _check_list_credential(
    credential: Mapping[str, Any],
    url: str,
    purpose: str,
    resolve_key: KeyResolver,
    now: datetime,
) -> str | None:
    """Return why a fetched status list credential cannot be used, or None when it can."""
    shape = _read_shape(credential)
    if isinstance(shape, CredentialCheck):
        return f"status list {url}: {shape.reason}"
    if LIST_CREDENTIAL_TYPE not in credential["type"]:
        return f"{url} is not a {LIST_CREDENTIAL_TYPE}"
    # The list must be the one the entry names: another genuine list of ours would verify
    # too, with the bit at this index clear.
    if credential.get("id") != url:
        return f"status list credential id is not {url}"
    proof = verify_proof(credential, resolve_key, now=now)
    if not proof.verified:
        return f"status list {url} proof: {proof.reason}"
    if not _controlled_by(proof.verification_method, shape[0]):
        return f"status list {url} is not signed by its issuer's key"
    try:
        valid_from = parse_datetime(credential["validFrom"])
        until = credential.get("validUntil")
        valid_until = parse_datetime(until) if until is not None else None
    except ValueError as exc:
        return f"status list {url}: {exc}"
    if now < valid_from or (valid_until is not None and now > valid_until):
        return f"status list {url} is outside its validity period (stale or not yet published)"
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != LIST_TYPE:
        return f"status list {url}: credentialSubject is not a {LIST_TYPE}"
    purposes = subject.get("statusPurpose")
    if purpose not in (purposes if isinstance(purposes, list) else [purposes]):
        return f"status list {url} does not carry statusPurpose {purpose!r}"
    return None
