"""The event catalogue: every event type and its `data`, shared by producers and consumers.

docs/events.md describes each; a producer builds one of these models and a consumer parses the
envelope's `data` back into it with `parse_event`.
"""

from datetime import date, datetime
from typing import ClassVar, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from educert_common.events.envelope import EventEnvelope


class Event(BaseModel):
    """Base of every catalogued event's data; `event_type` is its routing key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    # Fields only the consumer may see (one-time codes, sign-in links): the outbox relay
    # redacts them from the stored row once the event is published (see outbox.py).
    secret_fields: ClassVar[frozenset[str]] = frozenset()


CATALOGUE: dict[str, type[Event]] = {}
EventT = TypeVar("EventT", bound=type[Event])


def secret_field_names() -> frozenset[str]:
    """Every field name some catalogued event declares secret (consumers that render or store
    event data treat these names as secrets; one list, here)."""
    return frozenset().union(*(event.secret_fields for event in CATALOGUE.values()))


def catalogued(event_class: EventT) -> EventT:
    """Register an event class under its type; a type may be registered once."""
    existing = CATALOGUE.get(event_class.event_type)
    if existing is not None and existing is not event_class:
        raise ValueError(f"event type {event_class.event_type} is already catalogued")
    CATALOGUE[event_class.event_type] = event_class
    return event_class


def parse_event(envelope: EventEnvelope) -> Event:
    """Return the typed data of a catalogued event."""
    try:
        event_class = CATALOGUE[envelope.type]
    except KeyError:
        raise LookupError(f"event type {envelope.type} is not in the catalogue") from None
    return event_class.model_validate(envelope.data)


Locale = Literal["zh", "en"]


# identity ------------------------------------------------------------------------------------


@catalogued
class UserRealnameVerified(Event):
    """An account's real name was confirmed by the population registry; records bind on it."""

    event_type = "identity.user.realname_verified"

    user_id: UUID
    # Keyed hash (HMAC) of the ID number: records match on it without ever seeing the number.
    id_number_hash: str
    real_name: str
    gender: Literal["male", "female"]
    birth_date: date


@catalogued
class UserContactsChanged(Event):
    """How to reach a user changed (registration, new e-mail or mobile, locale); notification
    keeps its own copy of these contacts for events that name only a user id."""

    event_type = "identity.user.contacts_changed"

    user_id: UUID
    email: str | None
    email_verified: bool
    mobile: str | None
    # Only mainland numbers can receive SMS; foreign ones get e-mail only.
    mobile_is_mainland: bool
    locale: Locale = "zh"


@catalogued
class VerificationCodeIssued(Event):
    """A one-time code must reach a person; notification delivers it and nothing else keeps it."""

    event_type = "identity.verification_code.issued"
    secret_fields = frozenset({"code"})

    user_id: UUID | None
    channel: Literal["sms", "email"]
    destination: str
    code: str
    purpose: str
    expires_at: datetime
    locale: Locale = "zh"


@catalogued
class ActivationLinkIssued(Event):
    """An e-mail address must be confirmed by following a signed, expiring link."""

    event_type = "identity.activation_link.issued"
    secret_fields = frozenset({"link"})

    user_id: UUID
    email: str
    link: str
    expires_at: datetime
    locale: Locale = "zh"


@catalogued
class ContactChangeAnnounced(Event):
    """A login contact was replaced; the old contact is told, in case it was not the owner."""

    event_type = "identity.contact_change.announced"

    user_id: UUID
    channel: Literal["sms", "email"]
    # The old e-mail address or mainland mobile number (the one that must hear about it).
    destination: str
    changed: Literal["email", "mobile"]
    # The new contact, masked (e.g. z***@example.com, 139****0000).
    new_value_masked: str
    locale: Locale = "zh"


RevokedKind = Literal["session", "user", "api_key"]


@catalogued
class CredentialsRevoked(Event):
    """Access tokens stop being honoured before they expire. `kind` says what `ids` name:
    login sessions (the token's `sid`), partner API keys (its `api_key_id`), or users whose
    account was disabled (every token with that `sub` issued until `revoked_at`). Every gateway
    and service process hears it (each on its own broadcast queue) and refuses those tokens
    until `tokens_expire_by`, when the last of them has expired anyway."""

    event_type = "identity.credentials.revoked"

    kind: RevokedKind
    ids: list[UUID] = Field(min_length=1)
    # logout, revoked_by_user, password_changed, password_reset, refresh_reuse,
    # account_disabled, api_key_revoked, api_key_rotated
    reason: str
    revoked_at: datetime
    tokens_expire_by: datetime


# payment -------------------------------------------------------------------------------------

OrderPurpose = Literal["certification", "photo_check", "report", "courier"]


@catalogued
class OrderCreated(Event):
    event_type = "payment.order.created"

    order_id: UUID
    user_id: UUID
    purpose: OrderPurpose
    reference_id: str
    amount_fen: int


@catalogued
class OrderPaid(Event):
    """Emitted exactly once per order, whoever paid and however often the provider called."""

    event_type = "payment.order.paid"

    order_id: UUID
    user_id: UUID
    purpose: OrderPurpose
    reference_id: str
    amount_fen: int
    channel: Literal["wechat", "alipay"]
    paid_at: datetime


@catalogued
class OrderExpired(Event):
    event_type = "payment.order.expired"

    order_id: UUID
    user_id: UUID
    purpose: OrderPurpose
    reference_id: str


@catalogued
class OrderRefunded(Event):
    event_type = "payment.order.refunded"

    order_id: UUID
    user_id: UUID
    purpose: OrderPurpose
    reference_id: str
    refund_id: UUID
    amount_fen: int
    refunded_total_fen: int


# records -------------------------------------------------------------------------------------

RecordKind = Literal["student_status", "qualification", "degree"]


@catalogued
class RecordReported(Event):
    """An institution reported a record or a new version of one (one by one or by import)."""

    event_type = "records.record.reported"

    record_id: UUID
    kind: RecordKind
    institution_id: str
    version: int
    # The account the record is bound to, if any (its student hears of the change).
    owner_id: UUID | None = None
    import_job_id: UUID | None = None


@catalogued
class RecordBound(Event):
    """A record joined a student's archive (automatically on real-name data, or by hand)."""

    event_type = "records.record.bound"

    record_id: UUID
    kind: RecordKind
    institution_id: str
    user_id: UUID
    method: Literal["automatic", "manual"]


@catalogued
class RecordUnbound(Event):
    """An operator took a record out of an account's archive (audited, with the reason)."""

    event_type = "records.record.unbound"

    record_id: UUID
    kind: RecordKind
    user_id: UUID
    reason: str


@catalogued
class PhotoCheckConcluded(Event):
    """A student's photo-check answer became final (24 hours after the last change)."""

    event_type = "records.photo_check.concluded"

    record_id: UUID
    kind: RecordKind
    user_id: UUID
    conclusion: Literal["correct", "wrong"]
    # Fields the student marked wrong (photo, name, id_number, birth_date, major).
    wrong_fields: list[str] = Field(default_factory=list)
    correction_id: UUID | None = None


@catalogued
class CorrectionRequested(Event):
    """A student asked the institution to correct fields of a record."""

    event_type = "records.correction.requested"

    correction_id: UUID
    record_id: UUID
    kind: RecordKind
    institution_id: str
    user_id: UUID
    fields: list[str]


@catalogued
class CorrectionDecided(Event):
    """The institution (or an operator) accepted or rejected a correction request."""

    event_type = "records.correction.decided"

    correction_id: UUID
    record_id: UUID
    kind: RecordKind
    institution_id: str
    user_id: UUID
    decision: Literal["accepted", "rejected"]
    reason: str | None = None


ReportState = Literal["valid", "not_yet_valid", "expired", "closed", "revoked"]


@catalogued
class ReportIssued(Event):
    """A student's online verification report was issued (its code now verifies)."""

    event_type = "records.report.issued"

    report_id: UUID
    user_id: UUID
    kind: RecordKind
    record_id: UUID
    valid_from: datetime
    valid_until: datetime


@catalogued
class ReportClosed(Event):
    """A report stopped verifying as valid before its time: closed by its holder (in the app
    or from a verification alert), or revoked (its record was corrected or unbound, or an
    operator revoked it). A verifier sees which, with the date."""

    event_type = "records.report.closed"

    report_id: UUID
    user_id: UUID
    kind: RecordKind
    closed_at: datetime
    # holder, alert_link, record_changed, record_unbound, operator
    reason: str
    revoked: bool


@catalogued
class ReportVerified(Event):
    """Someone verified a report whose holder asked to be told of every verification; the
    message carries a link that closes the report in one step."""

    event_type = "records.report.verified"

    report_id: UUID
    user_id: UUID
    kind: RecordKind
    verified_at: datetime
    channel: Literal["page", "api", "bulk"]
    state: ReportState
    # The partner organisation for partner calls (its institution code), else None.
    partner: str | None = None
    close_link: str

    secret_fields = frozenset({"close_link"})


@catalogued
class PhotoAttemptPaid(Event):
    """A student paid the technical fee of a photo upload attempt; the identity check against
    the population registry runs next."""

    event_type = "records.photo.paid"

    attempt_id: UUID
    user_id: UUID
    kind: RecordKind
    record_id: UUID
    order_id: UUID


@catalogued
class PhotoRegistryChecked(Event):
    """The population registry answered for a photo upload attempt: passed (the photo waits
    for manual review, expected by `review_due_on`) or failed (a new paid attempt is needed)."""

    event_type = "records.photo.registry_checked"

    attempt_id: UUID
    user_id: UUID
    kind: RecordKind
    record_id: UUID
    passed: bool
    # match, mismatch or not_found; for a mismatch the field (real_name, id_number...).
    outcome: str
    field: str | None = None
    review_due_on: date | None = None


@catalogued
class PhotoApproved(Event):
    """Institution staff or an operator approved an uploaded photo: it is now the record's
    photo (a new version of the record)."""

    event_type = "records.photo.approved"

    attempt_id: UUID
    user_id: UUID
    kind: RecordKind
    record_id: UUID
    institution_id: str
    version: int


@catalogued
class PhotoRejected(Event):
    """Institution staff or an operator rejected an uploaded photo, with the reason; another
    try is a new paid attempt."""

    event_type = "records.photo.rejected"

    attempt_id: UUID
    user_id: UUID
    kind: RecordKind
    record_id: UUID
    institution_id: str
    reason: str


@catalogued
class DegreeApplicationReturned(Event):
    """The institution returned a degree application for the student to fix (the reasons
    name the materials or fields)."""

    event_type = "records.degree_application.returned"

    application_id: UUID
    round_id: UUID
    institution_id: str
    user_id: UUID
    round_title: str
    # [{"field": slot name, "registration_report" or "general", "reason": text}]
    reasons: list[dict[str, str]]


@catalogued
class DegreeApplicationApproved(Event):
    """The institution's first review approved a degree application: the student now
    confirms it finally (no edits after) and gets the receipt."""

    event_type = "records.degree_application.approved"

    application_id: UUID
    round_id: UUID
    institution_id: str
    user_id: UUID
    round_title: str


@catalogued
class DegreeApplicationDisqualified(Event):
    """The institution disqualified a degree application (forged documents), with the reason."""

    event_type = "records.degree_application.disqualified"

    application_id: UUID
    round_id: UUID
    institution_id: str
    user_id: UUID
    round_title: str
    reason: str


# certification -------------------------------------------------------------------------------


ApplicationKind = Literal[
    "foreign_degree", "hmt_degree", "domestic_qualification", "reconsideration"
]
ApplicationState = Literal[
    "draft",
    "awaiting_payment",
    "submitted",
    "in_review",
    "returned",
    "resubmitted",
    "certified",
    "refused",
    "withdrawn",
]


class ApplicationMoved(Event):
    """Base of `certification.application.<state>`: an application entered that state (one
    event per transition of the state machine, certification.applications.states)."""

    application_id: UUID
    user_id: UUID
    kind: ApplicationKind
    # The reference applicants and reviewers quote (e.g. RZ20261202000123).
    number: str
    previous_state: ApplicationState
    occurred_at: datetime


@catalogued
class ApplicationAwaitingPayment(ApplicationMoved):
    """Submitted by the applicant; the fee's orders exist and wait to be paid."""

    event_type = "certification.application.awaiting_payment"

    order_ids: list[UUID] = Field(default_factory=list)


@catalogued
class ApplicationSubmitted(ApplicationMoved):
    """Paid (or free) and in the reviewers' queue; the estimate is in Asia/Shanghai dates."""

    event_type = "certification.application.submitted"

    estimated_completion: date | None = None


@catalogued
class ApplicationInReview(ApplicationMoved):
    event_type = "certification.application.in_review"


class SupplementItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # add_file, reupload_file or paper (sent offline with a courier tracking number)
    mode: Literal["add_file", "reupload_file", "paper"]
    slot: str
    message: str


@catalogued
class ApplicationReturned(ApplicationMoved):
    """A reviewer returned the application asking for supplementary materials."""

    event_type = "certification.application.returned"

    request_id: UUID
    items: list[SupplementItem]
    message: str = ""


@catalogued
class ApplicationResubmitted(ApplicationMoved):
    """The applicant answered every supplement item: back in the reviewers' queue with a
    fresh SLA day; the estimate is in Asia/Shanghai dates, as on submission."""

    event_type = "certification.application.resubmitted"

    estimated_completion: date | None = None


@catalogued
class ApplicationCertified(ApplicationMoved):
    event_type = "certification.application.certified"

    certificate_id: UUID
    certificate_number: str


@catalogued
class ApplicationRefused(ApplicationMoved):
    event_type = "certification.application.refused"

    reasons: list[str]


@catalogued
class ApplicationWithdrawn(Event):
    """The applicant withdrew a certification application before review; payment refunds
    what was paid for it (orders with purpose "certification" and this reference id)."""

    event_type = "certification.application.withdrawn"

    application_id: UUID
    user_id: UUID
    reason: str
    kind: ApplicationKind | None = None
    number: str | None = None
    previous_state: ApplicationState | None = None
    occurred_at: datetime | None = None


@catalogued
class CertificateRevoked(Event):
    """An operator revoked a certification certificate: from now on its code verifies as
    revoked (with the date and the reason) and its status-list bit is set."""

    event_type = "certification.certificate.revoked"

    certificate_id: UUID
    application_id: UUID
    user_id: UUID
    number: str
    revoked_at: datetime
    reason: str


# notification --------------------------------------------------------------------------------


@catalogued
class MessageDelivered(Event):
    event_type = "notification.message.delivered"

    message_id: UUID
    user_id: UUID | None
    channel: Literal["sms", "email", "inbox"]
    source_event_id: UUID


@catalogued
class MessageFailed(Event):
    event_type = "notification.message.failed"

    message_id: UUID
    user_id: UUID | None
    channel: Literal["sms", "email", "inbox"]
    source_event_id: UUID
    reason: str
