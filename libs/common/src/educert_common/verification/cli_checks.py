"""The checks behind `educert-verify`: a PDF's signature and state, a credential's proof and
status, each turned into a verdict, an exit code and the details under them."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from educert_common.verification.cli_sources import (
    MAX_JSON_BYTES,
    MAX_STATUS_LIST_BYTES,
    Fetcher,
    SourceError,
    certificates_from_jwks,
    certificates_from_pem,
    is_url,
    issuer_keys,
    load_json,
    pdf_text,
    printed_code,
)
from educert_common.verification.codes import normalise_code

if TYPE_CHECKING:
    from cryptography import x509

    from educert_common.signing.pades import PdfSignatureCheck

VALID, NOT_VALID, UNDECIDED, NOT_CHECKED = 0, 1, 2, 3
# Which exit code wins when two parts of a check disagree: a failure says the most.
_SEVERITY = (NOT_VALID, UNDECIDED, NOT_CHECKED, VALID)
VERIFY_PATH = "/api/v1/records/reports/verify/"
_ONLINE_VERDICTS = {
    "valid": ("VALID", VALID),
    "not_yet_valid": ("NOT YET VALID", NOT_VALID),
    "expired": ("EXPIRED", NOT_VALID),
    "closed": ("CLOSED", NOT_VALID),
    "revoked": ("REVOKED", NOT_VALID),
    "unknown": ("UNKNOWN CODE", NOT_VALID),
}
# By CredentialState value: the credential modules are imported only for a credential.
_CREDENTIAL_VERDICTS = {
    "valid": ("VALID", VALID),
    "not_yet_valid": ("NOT YET VALID", NOT_VALID),
    "expired": ("EXPIRED", NOT_VALID),
    "revoked": ("REVOKED", NOT_VALID),
    "suspended": ("SUSPENDED", NOT_VALID),
    "proof_invalid": ("INVALID SIGNATURE", NOT_VALID),
    "status_unavailable": ("STATUS UNKNOWN", UNDECIDED),
    "malformed": ("NOT A VALID CREDENTIAL", UNDECIDED),
}


class UsageError(Exception):
    """The arguments do not fit the file given."""


@dataclass
class Outcome:
    """The verdict (first line), its exit code, and the details under it."""

    verdict: str
    exit_code: int
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def worsen(self, verdict: str, exit_code: int) -> None:
        """Take another part's verdict when it says less good news than the current one."""
        if _SEVERITY.index(exit_code) < _SEVERITY.index(self.exit_code):
            self.verdict, self.exit_code = verdict, exit_code


# --- PDF ----------------------------------------------------------------------------------


def verify_pdf(
    file: str,
    pdf: bytes,
    fetcher: Fetcher,
    *,
    trust: str | None,
    jwks: str | None,
    online: str | None,
) -> Outcome:
    """Check the PAdES signature, then (with --online) the report's current state."""
    # Imported here: pyHanko takes seconds to import, and a credential check never needs it.
    from educert_common.signing.pades import check_pdf_signature

    roots, trust_source = _trust_roots(trust, jwks, fetcher)
    check = check_pdf_signature(pdf, roots)
    if not check.signed and (check.problem or "").startswith("not a readable PDF"):
        raise SourceError(f"{file} is {check.problem} (truncated or damaged)")
    outcome = _signature_outcome(check, trust_source)
    text = pdf_text(file)
    code = printed_code(text) if text is not None else None
    outcome.details["verification_code"] = code
    if text is None:
        outcome.notes.append("pdftotext (poppler-utils) is not installed: code not read")
    elif code is None:
        outcome.notes.append("no single verification code found in the PDF's text")
    if online:
        if code is not None:
            _check_online(outcome, online, code, fetcher)
        else:
            outcome.worsen("STATUS UNKNOWN", UNDECIDED)
    elif outcome.exit_code == VALID:
        outcome.notes.append(
            "the report's current state (revoked, closed, expired) was not checked: "
            "add --online BASE_URL or open the verification page"
        )
    return outcome


def _trust_roots(
    trust: str | None, jwks: str | None, fetcher: Fetcher
) -> tuple[list["x509.Certificate"], str]:
    roots: list[x509.Certificate] = []
    sources = []
    if trust:
        roots += certificates_from_pem(trust)
        sources.append(trust)
    if jwks:
        roots += certificates_from_jwks(load_json(jwks, MAX_JSON_BYTES, fetcher), jwks)
        sources.append(jwks)
    return roots, ", ".join(sources)


def _signature_outcome(check: "PdfSignatureCheck", trust_source: str) -> Outcome:
    from educert_common.signing.keys import DEVELOPMENT_MARKER

    if not check.signed:
        return Outcome("NOT SIGNED", NOT_VALID, {"problem": check.problem})
    details: dict[str, Any] = {
        "signer": check.signer_subject,
        "signed_at": _utc(check.signing_time),
        "intact": check.intact,
        "valid": check.valid,
        "trusted": check.trusted if trust_source else None,
        "covers_whole_file": check.covers_whole_file,
        "trust_root": trust_source or None,
    }
    outcome = Outcome("SIGNATURE VALID", VALID, details)
    if check.signer_subject and DEVELOPMENT_MARKER in check.signer_subject:
        details["development_certificate"] = True
        outcome.notes.append(
            "DEVELOPMENT certificate: signed by a development or test key, not the platform's "
            "production key; never accept it as a real report"
        )
    if not (check.intact and check.valid):
        outcome.worsen("INVALID SIGNATURE", NOT_VALID)
    elif not check.covers_whole_file:
        outcome.worsen("MODIFIED AFTER SIGNING", NOT_VALID)
    elif not trust_source:
        outcome.worsen("SIGNER NOT CHECKED", NOT_CHECKED)
        outcome.notes.append(
            "signer not checked against a trusted certificate: give --trust CERT.pem or "
            "--jwks FILE_OR_URL (the platform's issuer/jwks.json)"
        )
    elif not check.trusted:
        outcome.worsen("UNTRUSTED SIGNER", NOT_VALID)
    if trust_source or outcome.exit_code == NOT_VALID:
        details["problem"] = check.problem
    return outcome


def _check_online(outcome: Outcome, base_url: str, code: str, fetcher: Fetcher) -> None:
    url = f"{base_url.rstrip('/')}{VERIFY_PATH}{quote(normalise_code(code) or code)}"
    try:
        answer = fetcher.json(url, MAX_JSON_BYTES)
    except SourceError as error:
        outcome.details["online"] = {"url": url, "problem": str(error)}
        outcome.worsen("STATUS UNKNOWN", UNDECIDED)
        return
    state = answer.get("state") if isinstance(answer, Mapping) else None
    if state not in _ONLINE_VERDICTS or normalise_code(str(answer.get("code"))) != (
        normalise_code(code)
    ):
        problem = "the answer carries no known state for this code"
        outcome.details["online"] = {"url": url, "problem": problem}
        outcome.worsen("STATUS UNKNOWN", UNDECIDED)
        return
    issuer = answer.get("issuer") if isinstance(answer.get("issuer"), Mapping) else {}
    outcome.details["online"] = {
        "url": url,
        "state": state,
        **{
            name: answer.get(name)
            for name in ("title_en", "valid_from", "valid_until", "state_since", "reason_en")
            if answer.get(name)
        },
        **({"institution": issuer.get("name_en")} if issuer.get("name_en") else {}),
        "checked_at": answer.get("checked_at"),
    }
    verdict, exit_code = _ONLINE_VERDICTS[state]
    if outcome.exit_code == VALID and exit_code == VALID:
        outcome.verdict = "VALID"
    outcome.worsen(verdict, exit_code)


# --- credentials --------------------------------------------------------------------------


def verify_credential(
    file: str,
    document: Any,
    fetcher: Fetcher,
    *,
    issuer: str | None,
    status_list: str | None,
    offline: bool,
) -> Outcome:
    """Check a credential's proof, validity period and status list entry."""
    from educert_common.credentials.vc import CredentialState, check_credential

    if not isinstance(document, Mapping) or "proof" not in document:
        raise SourceError(f"{file} is JSON but not a signed verifiable credential")
    if offline and (not issuer or is_url(issuer)):
        raise UsageError("--offline needs --issuer FILE (the issuer document saved earlier)")
    if offline and status_list and is_url(status_list):
        raise UsageError("--offline takes --status-list FILE, not a URL")
    keys = issuer_keys(*_issuer_document(issuer, document, fetcher))
    problems: list[str] = []
    skipped: list[str] = []
    read: list[str] = []

    def status_lookup(url: str) -> Any:
        try:
            if status_list:
                read.append(status_list)
                return load_json(status_list, MAX_STATUS_LIST_BYTES, fetcher)
            if offline:
                skipped.append(url)
                return None
            read.append(url)
            return fetcher.json(url, MAX_STATUS_LIST_BYTES, "application/vc, application/json")
        except SourceError as error:
            problems.append(str(error))
            return None

    check = check_credential(document, keys.get, datetime.now(UTC), status_lookup)
    verdict, exit_code = _CREDENTIAL_VERDICTS[check.state.value]
    unavailable = check.state is CredentialState.STATUS_UNAVAILABLE
    details: dict[str, Any] = {
        "state": check.state.value,
        # A failed fetch says more than check_credential's "could not be fetched".
        "reason": problems[0] if unavailable and problems else check.reason,
        "issuer": check.issuer_id,
        "issuer_name": check.issuer_name,
        "valid_from": document.get("validFrom"),
        "valid_until": document.get("validUntil"),
        "credential": document.get("id"),
        "status_list": ", ".join(dict.fromkeys(read)) or None,
    }
    outcome = Outcome(verdict, exit_code, details)
    if unavailable and skipped:
        outcome.verdict, outcome.exit_code = "STATUS NOT CHECKED", NOT_CHECKED
        details["reason"] = "status not checked (offline); the proof and validity period hold"
    if unavailable:
        outcome.notes.append("the credential is NOT reported valid: its status could not be read")
    if not issuer and check.issuer_id:
        # Anyone can publish a key at a URL of their own: the issuer's URL is the identity.
        outcome.notes.append(
            "the issuer's key was fetched from the URL the credential names: check that the "
            "issuer above is the platform's, or pin it with --issuer"
        )
    return outcome


def _issuer_document(
    issuer: str | None, document: Mapping[str, Any], fetcher: Fetcher
) -> tuple[Any, str]:
    if issuer:
        return load_json(issuer, MAX_JSON_BYTES, fetcher), issuer
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
    if not isinstance(method, str) or not is_url(method):
        raise SourceError("the proof names no http(s) verificationMethod: give --issuer")
    url = method.partition("#")[0]
    return fetcher.json(url, MAX_JSON_BYTES), url


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None
