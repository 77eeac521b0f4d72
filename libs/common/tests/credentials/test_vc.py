"""Report credentials end to end: build, sign, publish a status list, check as a verifier."""

import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from educert_common.credentials.data_integrity import add_proof
from educert_common.credentials.status_list import (
    StatusList,
    StatusPurpose,
    status_entry,
    status_list_credential,
)
from educert_common.credentials.vc import (
    CredentialCheck,
    CredentialState,
    build_credential,
    check_credential,
)

from .conftest import ISSUER, METHOD

Resolver = Callable[[str], Ed25519PublicKey | None]
ISSUED = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(days=1)
REVOCATION_URL = "https://verify.educert.example/status/revocation/1"
SUSPENSION_URL = "https://verify.educert.example/status/suspension/1"
INDEX = 4242
SUBJECT = {"type": "DegreeRecord", "name": "张*", "degree": "工学学士", "conferred": "2024-06-30"}


class Publisher:
    """The platform's side: status lists it signs and serves by URL."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.lists = {REVOCATION_URL: StatusList(), SUSPENSION_URL: StatusList()}
        self.published: dict[str, dict[str, Any]] = {}
        for url in self.lists:
            self.publish(url)

    def publish(self, url: str, *, valid_from: datetime = ISSUED, **kwargs: Any) -> None:
        purpose: StatusPurpose = "revocation" if "revocation" in url else "suspension"
        unsigned = status_list_credential(
            list_url=url,
            issuer_id=ISSUER,
            issuer_name="EduCert",
            purpose=purpose,
            status_list=self.lists[url],
            valid_from=valid_from,
            valid_until=kwargs.pop("valid_until", valid_from + timedelta(days=7)),
            ttl=timedelta(minutes=5),
        )
        key = kwargs.pop("key", self.key)
        self.published[url] = add_proof(
            unsigned, key, verification_method=METHOD, created=valid_from
        )

    def set(self, url: str, index: int, value: bool = True) -> None:
        self.lists[url].set(index, value)
        self.publish(url)

    def lookup(self, url: str) -> Mapping[str, Any] | None:
        return self.published.get(url)


@pytest.fixture
def publisher(issuer_key: Ed25519PrivateKey) -> Publisher:
    return Publisher(issuer_key)


def _credential(
    key: Ed25519PrivateKey,
    *,
    issuer_id: str = ISSUER,
    valid_until: datetime | None = ISSUED + timedelta(days=30),
    status: Any = "both",
) -> dict[str, Any]:
    if status == "both":
        status = [
            status_entry(REVOCATION_URL, INDEX, "revocation"),
            status_entry(SUSPENSION_URL, INDEX, "suspension"),
        ]
    unsigned = build_credential(
        credential_id="urn:uuid:5f1c0d2e-8a43-4f0e-9d59-7b1f0c9f6a21",
        credential_type="DegreeVerificationReport",
        issuer_id=issuer_id,
        issuer_name="EduCert",
        valid_from=ISSUED,
        valid_until=valid_until,
        subject=SUBJECT,
        status=status,
        name="Degree verification report",
    )
    return add_proof(unsigned, key, verification_method=METHOD, created=ISSUED)


def test_build_credential_shape_and_only_the_given_claims(issuer_key: Ed25519PrivateKey) -> None:
    subject = copy.deepcopy(SUBJECT)
    credential = _credential(issuer_key)
    subject_before = copy.deepcopy(subject)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == ["VerifiableCredential", "DegreeVerificationReport"]
    assert credential["issuer"] == {"id": ISSUER, "name": "EduCert"}
    assert credential["validFrom"] == "2026-12-02T07:00:00Z"
    assert credential["validUntil"] == "2027-01-01T07:00:00Z"
    assert credential["credentialSubject"] == SUBJECT  # nothing added, nothing dropped
    assert credential["credentialSubject"] is not SUBJECT
    assert subject == subject_before
    assert credential["credentialStatus"][0]["statusListIndex"] == str(INDEX)
    assert set(credential) == {
        "@context",
        "id",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "name",
        "credentialSubject",
        "credentialStatus",
        "proof",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"credential_type": "VerifiableCredential"}, "specific"),
        ({"credential_type": "degree report"}, "CamelCase"),
        ({"subject": {}}, "non-empty"),
        ({"issuer_name": ""}, "required"),
        ({"valid_until": ISSUED}, "after"),
    ],
)
def test_build_credential_refuses_bad_input(changes: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "credential_id": "urn:uuid:1",
        "credential_type": "DegreeVerificationReport",
        "issuer_id": ISSUER,
        "issuer_name": "EduCert",
        "valid_from": ISSUED,
        "valid_until": None,
        "subject": SUBJECT,
        "status": None,
    }
    with pytest.raises(ValueError, match=message):
        build_credential(**{**arguments, **changes})


def _check(
    credential: Mapping[str, Any], resolve: Resolver, publisher: Publisher, now: datetime = NOW
) -> CredentialCheck:
    return check_credential(credential, resolve, now, publisher.lookup)


def test_a_fresh_credential_is_valid_and_names_its_issuer(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    check = _check(_credential(issuer_key), resolve_key, publisher)
    assert check.state is CredentialState.VALID, check.reason
    assert check.valid
    assert (check.issuer_id, check.issuer_name) == (ISSUER, "EduCert")


def test_validity_period(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key)
    early = _check(credential, resolve_key, publisher, now=ISSUED - timedelta(seconds=1))
    assert early.state is CredentialState.NOT_YET_VALID
    late = _check(credential, resolve_key, publisher, now=ISSUED + timedelta(days=31))
    assert late.state is CredentialState.EXPIRED
    # No status list can be read that late (it is stale), and expired is still the answer.
    assert not late.valid


def test_revocation_and_suspension_bits(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key)
    publisher.set(SUSPENSION_URL, INDEX)
    assert _check(credential, resolve_key, publisher).state is CredentialState.SUSPENDED
    publisher.set(SUSPENSION_URL, INDEX, False)  # suspension is reversible
    assert _check(credential, resolve_key, publisher).state is CredentialState.VALID
    publisher.set(SUSPENSION_URL, INDEX)
    publisher.set(REVOCATION_URL, INDEX)
    revoked = _check(credential, resolve_key, publisher)
    assert revoked.state is CredentialState.REVOKED
    assert revoked.reason is not None and str(INDEX) in revoked.reason
    publisher.set(REVOCATION_URL, INDEX + 1)  # a neighbour's bit is not ours
    publisher.set(REVOCATION_URL, INDEX, False)
    publisher.set(SUSPENSION_URL, INDEX, False)
    assert _check(credential, resolve_key, publisher).state is CredentialState.VALID


def test_revoked_wins_over_expired_when_the_list_is_readable(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key, valid_until=ISSUED + timedelta(hours=1))
    publisher.set(REVOCATION_URL, INDEX)
    assert _check(credential, resolve_key, publisher).state is CredentialState.REVOKED


def _unavailable(check: CredentialCheck, fragment: str) -> None:
    assert check.state is CredentialState.STATUS_UNAVAILABLE
    assert not check.valid
    assert check.reason is not None and fragment in check.reason


def test_never_valid_when_the_status_list_cannot_be_fetched(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key)
    del publisher.published[SUSPENSION_URL]
    _unavailable(_check(credential, resolve_key, publisher), "could not be fetched")

    def broken(url: str) -> Mapping[str, Any] | None:
        raise ConnectionError(url)

    _unavailable(check_credential(credential, resolve_key, NOW, broken), "ConnectionError")


def test_a_readable_revocation_wins_over_an_unreadable_suspension_list(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    publisher.set(REVOCATION_URL, INDEX)
    del publisher.published[SUSPENSION_URL]
    check = _check(_credential(issuer_key), resolve_key, publisher)
    assert check.state is CredentialState.REVOKED


def _swap(publisher: Publisher, url: str, edit: Callable[[dict[str, Any]], None]) -> None:
    edited = copy.deepcopy(publisher.published[url])
    edit(edited)
    publisher.published[url] = edited


def test_status_list_problems_make_the_status_unavailable(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key)
    cases: list[tuple[Callable[[Publisher], None], str]] = [
        # A flipped list served without a new proof: the bits are signed.
        (
            lambda p: _swap(
                p,
                REVOCATION_URL,
                lambda d: d["credentialSubject"].update(encodedList=StatusList(262_144).encode()),
            ),
            "proof",
        ),
        (lambda p: p.publish(REVOCATION_URL, key=Ed25519PrivateKey.generate()), "proof"),
        # Another genuine list of ours served under this URL.
        (
            lambda p: p.published.update({REVOCATION_URL: p.published[SUSPENSION_URL]}),
            "id is not",
        ),
        (lambda p: p.publish(REVOCATION_URL, valid_from=ISSUED - timedelta(days=30)), "stale"),
        (lambda p: p.publish(REVOCATION_URL, valid_from=NOW + timedelta(hours=1)), "validity"),
    ]
    for damage, fragment in cases:
        fresh = Publisher(publisher.key)
        damage(fresh)
        _unavailable(check_credential(credential, resolve_key, NOW, fresh.lookup), fragment)


@pytest.mark.parametrize(
    ("entry_edit", "fragment"),
    [
        ({"statusPurpose": "message"}, "unsupported statusPurpose"),
        ({"statusSize": 2}, "statusSize"),
        ({"statusListIndex": 4242}, "base-10"),
        ({"statusListIndex": "999999999"}, "outside the list"),
        ({"type": "StatusList2021Entry"}, "BitstringStatusListEntry"),
        ({"statusListCredential": SUSPENSION_URL}, "statusPurpose 'revocation'"),
    ],
)
def test_entries_we_cannot_read_make_the_status_unavailable(
    issuer_key: Ed25519PrivateKey,
    resolve_key: Resolver,
    publisher: Publisher,
    entry_edit: dict[str, Any],
    fragment: str,
) -> None:
    entry = {**status_entry(REVOCATION_URL, INDEX, "revocation"), **entry_edit}
    credential = _credential(issuer_key, status=entry)
    _unavailable(_check(credential, resolve_key, publisher), fragment)


def test_too_many_status_entries_are_not_all_fetched(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    fetched: list[str] = []

    def lookup(url: str) -> Mapping[str, Any] | None:
        fetched.append(url)
        return publisher.lookup(url)

    entries = [status_entry(REVOCATION_URL, i, "revocation") for i in range(50)]
    check = check_credential(_credential(issuer_key, status=entries), resolve_key, NOW, lookup)
    _unavailable(check, "too many")
    assert fetched == []


def test_a_changed_claim_is_proof_invalid(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key)
    credential["credentialSubject"]["degree"] = "工学博士"
    check = _check(credential, resolve_key, publisher)
    assert check.state is CredentialState.PROOF_INVALID
    assert check.reason is not None and "signature" in check.reason
    assert check.issuer_id is None  # an unverified document's issuer is only a claim


def test_a_dropped_status_entry_is_proof_invalid(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key)
    publisher.set(REVOCATION_URL, INDEX)
    del credential["credentialStatus"]  # a holder hiding the revocation
    assert _check(credential, resolve_key, publisher).state is CredentialState.PROOF_INVALID


def test_our_key_signing_for_another_issuer_is_proof_invalid(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key, issuer_id="https://another.example/issuer")
    check = _check(credential, resolve_key, publisher)
    assert check.state is CredentialState.PROOF_INVALID
    assert check.reason == "the signing key does not belong to the issuer"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update({"@context": ["https://www.w3.org/2018/credentials/v1"]}),
        lambda d: d.update(type=["DegreeVerificationReport"]),
        lambda d: d.update(issuer={"name": "EduCert"}),
        lambda d: d.pop("validFrom"),
        lambda d: d.pop("credentialSubject"),
    ],
)
def test_documents_that_are_not_vc2_are_malformed(
    issuer_key: Ed25519PrivateKey,
    resolve_key: Resolver,
    publisher: Publisher,
    edit: Callable[[dict[str, Any]], None],
) -> None:
    credential = _credential(issuer_key)
    edit(credential)
    assert _check(credential, resolve_key, publisher).state is CredentialState.MALFORMED


def test_a_credential_without_status_entries_is_checked_on_proof_and_period(
    issuer_key: Ed25519PrivateKey, resolve_key: Resolver, publisher: Publisher
) -> None:
    credential = _credential(issuer_key, status=None, valid_until=None)
    assert "credentialStatus" not in credential and "validUntil" not in credential
    assert _check(credential, resolve_key, publisher).state is CredentialState.VALID


def test_now_must_be_aware(issuer_key: Ed25519PrivateKey, resolve_key: Resolver) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_credential(
            _credential(issuer_key), resolve_key, datetime(2026, 12, 3), lambda _: None
        )
