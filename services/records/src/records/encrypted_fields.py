"""The records service's encrypted columns, for `educert-admin rotate-field-key records`.

Every column sealed with the personal-data key ring (`RECORDS_PERSONAL_DATA_*`). A new
encrypted column must be listed here, or a rotation leaves it under the old key.
"""

from educert_common.field_keys import EncryptedColumn
from records.academic.models import RECORD_TABLES
from records.config import RecordsSettings
from records.crypto import ID_NUMBER_CONTEXT, secrets_for


def encrypted_columns(settings: RecordsSettings) -> list[EncryptedColumn]:
    cipher = secrets_for(settings).personal
    return [
        *(
            EncryptedColumn(table, "id_number_encrypted", cipher, context=ID_NUMBER_CONTEXT)
            for table in (*RECORD_TABLES, "record_versions")
        ),
        # A proposed ID number in a correction request (NULL when none was proposed).
        EncryptedColumn(
            "corrections", "proposed_id_number_encrypted", cipher, context=ID_NUMBER_CONTEXT
        ),
    ]
