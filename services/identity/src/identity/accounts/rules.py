"""Pure helpers of accounts other sub-packages use too: the encrypted fields' contexts, the
account as responses show it, the 'taken' field error, applying checked identity data."""

from educert_common.errors import FieldError, Text
from educert_common.masking import mask_email, mask_id_number, mask_mobile, mask_name
from identity.accounts.models import User
from identity.accounts.schemas import (
    MeView,
)
from identity.accounts.validation import (
    CheckedIdentity,
)
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import (
    ContactTaken,
)

ID_NUMBER_CONTEXT = "users.id_number"
VALID_FROM_CONTEXT = "users.id_valid_from"
VALID_TO_CONTEXT = "users.id_valid_to"


def taken(field: str, en: str, zh: str) -> ContactTaken:
    return ContactTaken(Text(en, zh), errors=[FieldError(field, "taken", Text(en, zh))])


def id_number_of(user: User, settings: IdentitySettings) -> str | None:
    if user.id_number_encrypted is None:
        return None
    return secrets_for(settings).personal.decrypt(
        user.id_number_encrypted, context=ID_NUMBER_CONTEXT
    )


def me_view(user: User, settings: IdentitySettings) -> MeView:
    """The caller's account as responses show it: names, numbers and contacts masked."""
    s = secrets_for(settings)
    number = id_number_of(user, settings)
    valid_to = s.decrypt_date(user.id_valid_to_encrypted, context=VALID_TO_CONTEXT)
    return MeView(
        id=user.id,
        username=user.username,
        roles=list(user.roles),
        institution_id=user.institution_id,
        status=user.status,
        email_masked=mask_email(user.email) if user.email else None,
        email_verified=user.email_verified,
        mobile_masked=mask_mobile(user.mobile) if user.mobile else None,
        mobile_is_mainland=user.mobile_is_mainland,
        mobile_verified=user.mobile_verified,
        real_name_masked=mask_name(user.real_name) if user.real_name else None,
        nationality=user.nationality,
        gender=user.gender,
        id_type=user.id_type,
        id_number_masked=mask_id_number(number) if number else None,
        id_valid_from=s.decrypt_date(user.id_valid_from_encrypted, context=VALID_FROM_CONTEXT),
        id_valid_to=valid_to,
        id_valid_long_term=user.id_type is not None and valid_to is None,
        realname_status=user.realname_status,
        realname_mismatch_field=user.realname_mismatch_field,
        realname_verified_at=user.realname_verified_at,
        created_at=user.created_at,
    )


def apply_identity(user: User, identity: CheckedIdentity, settings: IdentitySettings) -> None:
    s = secrets_for(settings)
    user.real_name = identity.real_name
    user.nationality = identity.nationality
    user.gender = identity.gender
    user.birth_date = identity.birth_date
    user.id_type = identity.id_type.value
    user.id_number_encrypted = s.personal.encrypt(identity.id_number, context=ID_NUMBER_CONTEXT)
    user.id_number_hash = s.id_index.of(identity.id_number)
    user.id_valid_from_encrypted = s.encrypt_date(
        identity.id_valid_from, context=VALID_FROM_CONTEXT
    )
    user.id_valid_to_encrypted = s.encrypt_date(identity.id_valid_to, context=VALID_TO_CONTEXT)
