"""Identity's encrypted columns, for `educert-admin rotate-field-key identity`.

Every column sealed with the personal-data key ring (`IDENTITY_PERSONAL_DATA_*`), with the
associated data its writer binds. A new encrypted column must be listed here, or a rotation
leaves it under the old key (tests/identity: `test_every_encrypted_column_is_listed`).
"""

from educert_common.field_keys import EncryptedColumn
from identity.accounts.rules import ID_NUMBER_CONTEXT, VALID_FROM_CONTEXT, VALID_TO_CONTEXT
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.realname.registry import REGISTRY_CONTEXT


def encrypted_columns(settings: IdentitySettings) -> list[EncryptedColumn]:
    cipher = secrets_for(settings).personal
    registry = [
        EncryptedColumn(
            "registry_people", f"{field}_encrypted", cipher, context=f"{REGISTRY_CONTEXT}.{field}"
        )
        for field in ("id_number", "name", "birth_date", "valid_from", "valid_to")
    ]
    return [
        EncryptedColumn("users", "id_number_encrypted", cipher, context=ID_NUMBER_CONTEXT),
        EncryptedColumn("users", "id_valid_from_encrypted", cipher, context=VALID_FROM_CONTEXT),
        EncryptedColumn("users", "id_valid_to_encrypted", cipher, context=VALID_TO_CONTEXT),
        *registry,
    ]
