"""RevocationList: what a revocation refuses, and how long it is kept (an injected clock)."""

import logging
import uuid
from datetime import UTC, datetime

import pytest

from educert_common.auth.revocation import RevocationList
from educert_common.auth.verifier import Principal
from educert_common.events.catalogue import CredentialsRevoked, RevokedKind

NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def principal(
    subject: str = "user-1",
    *,
    session_id: str | None = None,
    api_key_id: str | None = None,
    issued_at: float = NOW - 60,
) -> Principal:
    return Principal(
        subject=subject,
        roles=frozenset({"applicant"}),
        institution=None,
        scopes=frozenset(),
        token_id="jti-1",
        expires_at=datetime.fromtimestamp(issued_at + 900, UTC),
        session_id=session_id,
        api_key_id=api_key_id,
        issued_at=issued_at,
    )


def revocation(
    kind: RevokedKind, *ids: uuid.UUID, revoked_at: float = NOW, lifetime: float = 900
) -> CredentialsRevoked:
    return CredentialsRevoked(
        kind=kind,
        ids=list(ids),
        reason="test",
        revoked_at=datetime.fromtimestamp(revoked_at, UTC),
        tokens_expire_by=datetime.fromtimestamp(revoked_at + lifetime, UTC),
    )


def test_a_revoked_session_refuses_only_its_own_tokens() -> None:
    revoked, other = uuid.uuid4(), uuid.uuid4()
    revocations = RevocationList(clock=Clock())
    revocations.add(revocation("session", revoked))
    assert revocations.revokes(principal(session_id=str(revoked)))
    assert not revocations.revokes(principal(session_id=str(other)))
    # The same subject's tokens of another session, or with no session, are untouched.
    assert not revocations.revokes(principal(subject=str(revoked)))


def test_a_revoked_api_key_refuses_the_tokens_exchanged_for_it() -> None:
    key = uuid.uuid4()
    revocations = RevocationList(clock=Clock())
    revocations.add(revocation("api_key", key, lifetime=300))
    assert revocations.revokes(principal("partner:abcdefgh", api_key_id=str(key)))
    assert not revocations.revokes(principal("partner:abcdefgh", api_key_id=str(uuid.uuid4())))


def test_a_disabled_user_loses_tokens_issued_until_the_revocation() -> None:
    user = uuid.uuid4()
    revocations = RevocationList(clock=Clock())
    revocations.add(revocation("user", user))
    assert revocations.revokes(principal(str(user), issued_at=NOW - 300))
    assert revocations.revokes(principal(str(user), issued_at=NOW))
    assert not revocations.revokes(principal(str(user), issued_at=NOW + 1))
    assert not revocations.revokes(principal(str(uuid.uuid4()), issued_at=NOW - 300))


def test_entries_go_once_every_token_they_could_affect_has_expired() -> None:
    clock = Clock()
    sid, key = uuid.uuid4(), uuid.uuid4()
    revocations = RevocationList(leeway_seconds=30, clock=clock)
    revocations.add(revocation("session", sid, lifetime=900))
    revocations.add(revocation("api_key", key, lifetime=300))
    assert len(revocations) == 2
    # The verifier still accepts a token up to its leeway past `exp`: keep it that long.
    clock.now = NOW + 300 + 29
    assert revocations.revokes(principal(api_key_id=str(key)))
    clock.now = NOW + 300 + 31
    assert not revocations.revokes(principal(api_key_id=str(key)))
    assert revocations.revokes(principal(session_id=str(sid)))
    clock.now = NOW + 900 + 31
    assert not revocations.revokes(principal(session_id=str(sid)))
    assert len(revocations) == 0  # and forgotten


def test_an_already_expired_revocation_is_not_kept_and_a_repeat_is_kept_once() -> None:
    clock = Clock()
    sid = uuid.uuid4()
    revocations = RevocationList(leeway_seconds=30, clock=clock)
    revocations.add(revocation("session", uuid.uuid4(), revoked_at=NOW - 2000))
    assert len(revocations) == 0
    # Heard from the broker and again from the catch-up read: one entry.
    revocations.add(revocation("session", sid))
    revocations.add_all([revocation("session", sid)])
    assert len(revocations) == 1


def test_the_blind_alarm_logs_instead_of_raising(caplog: pytest.LogCaptureFixture) -> None:
    """Its log fields must not clash with LogRecord's own (`process` did: KeyError, and the
    feed never subscribed when identity was not up yet)."""
    from educert_common.auth.revocation import RevocationFeed

    feed = RevocationFeed(
        RevocationList(),
        broker_url="amqp://guest:guest@127.0.0.1:1/",
        exchange_name="unused",
        catch_up_url="http://127.0.0.1:1/internal/revocations",
        internal_token="unused",
        process_name="records",
    )
    with caplog.at_level(logging.ERROR):
        feed._alarm_if_blind()
    assert "REVOCATIONS NOT RECEIVED" in caplog.text
