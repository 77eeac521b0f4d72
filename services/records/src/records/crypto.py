"""The records service's keys, derived from settings once per process."""

from dataclasses import dataclass
from functools import lru_cache

from educert_common.crypto import BlindIndex, FieldCipher, derive_key
from educert_common.idnumbers import id_number_index
from educert_common.masking import mask_id_number
from records.config import RecordsSettings

# Associated data of every encrypted ID number: a ciphertext moved to another column or
# table does not decrypt.
ID_NUMBER_CONTEXT = "records.id_number"


@dataclass(frozen=True)
class Secrets:
    personal: FieldCipher
    # The platform's keyed hash of normalised ID numbers (identity computes the same one).
    id_index: BlindIndex
    # HMAC key of the public query's captcha answers (stored hashed, never in clear).
    captcha_key: bytes
    # HMAC key of the links in verification alerts that close a report in one step.
    close_link_key: bytes

    def seal_id_number(self, number: str) -> bytes:
        return self.personal.encrypt(number, context=ID_NUMBER_CONTEXT)

    def masked_id_number(self, sealed: bytes) -> str:
        return mask_id_number(self.personal.decrypt(sealed, context=ID_NUMBER_CONTEXT))


@lru_cache(maxsize=8)
def _cipher(secret: str, key_id: int, retired: tuple[tuple[int, str], ...]) -> FieldCipher:
    return FieldCipher.from_secret(
        secret, "records-personal-data", key_id=key_id, retired_secrets=dict(retired)
    )


def secrets_for(settings: RecordsSettings) -> Secrets:
    return Secrets(
        personal=_cipher(
            settings.personal_data_secret,
            settings.personal_data_key_id,
            tuple(sorted(settings.personal_data_retired_secrets.items())),
        ),
        id_index=id_number_index(settings.platform),
        captcha_key=_derived(settings.personal_data_secret, "records-query-captcha"),
        close_link_key=_derived(settings.personal_data_secret, "records-report-close-links"),
    )


@lru_cache(maxsize=16)
def _derived(secret: str, purpose: str) -> bytes:
    return derive_key(secret, purpose)
