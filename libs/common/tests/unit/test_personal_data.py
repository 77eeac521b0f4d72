"""Field encryption, blind indexes and masks."""

import pytest
from cryptography.exceptions import InvalidTag

from educert_common.crypto import BlindIndex, FieldCipher, UnknownFieldKey, key_id_of
from educert_common.masking import mask_email, mask_id_number, mask_mobile, mask_name

ID_NUMBER = "11010519491231002X"


def test_encryption_round_trips_and_never_repeats_a_ciphertext() -> None:
    cipher = FieldCipher.from_secret("test-secret")

    first = cipher.encrypt(ID_NUMBER, context="id_number")
    second = cipher.encrypt(ID_NUMBER, context="id_number")

    assert first != second
    assert ID_NUMBER.encode() not in first
    assert cipher.decrypt(first, context="id_number") == ID_NUMBER


def test_a_ciphertext_moved_to_another_column_or_tampered_with_is_refused() -> None:
    cipher = FieldCipher.from_secret("test-secret")
    blob = cipher.encrypt(ID_NUMBER, context="id_number")

    with pytest.raises(InvalidTag):
        cipher.decrypt(blob, context="passport_number")
    with pytest.raises(InvalidTag):
        cipher.decrypt(blob[:-1] + bytes([blob[-1] ^ 1]), context="id_number")
    with pytest.raises(InvalidTag):
        FieldCipher.from_secret("other-secret").decrypt(blob, context="id_number")


def test_blind_index_is_keyed_and_normalised() -> None:
    index = BlindIndex.from_secret("test-secret", "id_number")

    assert index.of(ID_NUMBER) == index.of(" 11010519491231002x ")
    assert index.of(ID_NUMBER) != BlindIndex.from_secret("other", "id_number").of(ID_NUMBER)
    assert len(index.of(ID_NUMBER)) == 64


@pytest.mark.parametrize(
    ("masker", "value", "expected"),
    [
        (mask_id_number, ID_NUMBER, "110***********002X"),
        (mask_id_number, "E12345678", "E******78"),
        (mask_id_number, "12345678", "1*****78"),
        (mask_mobile, "13812345678", "138****5678"),
        (mask_email, "zhang.san@example.com", "z***@example.com"),
        (mask_name, "张三丰", "张**"),
        (mask_name, "ZHANG SAN", "Z********"),
    ],
)
def test_masks_keep_only_a_few_characters(masker: object, value: str, expected: str) -> None:
    assert masker(value) == expected  # type: ignore[operator]


# Key ring ----------------------------------------------------------------------------------


def test_ciphertexts_from_before_key_rings_read_as_key_one() -> None:
    """Today's format: 0x01, nonce, AES-GCM under the key derived from the one secret."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from educert_common.crypto import derive_key

    nonce = os.urandom(12)
    key = derive_key("secret-a", "field-encryption")
    legacy = b"\x01" + nonce + AESGCM(key).encrypt(nonce, ID_NUMBER.encode(), b"id_number")

    assert FieldCipher.from_secret("secret-a").decrypt(legacy, context="id_number") == ID_NUMBER
    rotated = FieldCipher.from_secret("secret-b", key_id=2, retired_secrets={1: "secret-a"})
    assert rotated.decrypt(legacy, context="id_number") == ID_NUMBER


def test_data_under_a_retired_key_stays_readable_and_new_data_uses_the_current_key() -> None:
    old = FieldCipher.from_secret("secret-a", key_id=1)
    blob = old.encrypt(ID_NUMBER, context="id_number")
    ring = FieldCipher.from_secret("secret-b", key_id=2, retired_secrets={1: "secret-a"})

    assert ring.decrypt(blob, context="id_number") == ID_NUMBER
    fresh = ring.encrypt(ID_NUMBER, context="id_number")
    assert key_id_of(fresh) == 2 and key_id_of(blob) == 1
    resealed = ring.rotate(blob, context="id_number")
    assert key_id_of(resealed) == 2
    assert ring.rotate(resealed, context="id_number") is resealed
    # Once key 1 is dropped from the ring, only the re-sealed value can be read.
    without_a = FieldCipher.from_secret("secret-b", key_id=2)
    assert without_a.decrypt(resealed, context="id_number") == ID_NUMBER
    with pytest.raises(UnknownFieldKey):
        without_a.decrypt(blob, context="id_number")


def test_a_ciphertext_under_an_unknown_key_id_fails_clearly() -> None:
    blob = FieldCipher.from_secret("secret-c", key_id=7).encrypt(ID_NUMBER, context="id_number")
    ring = FieldCipher.from_secret("secret-b", key_id=2, retired_secrets={1: "secret-a"})

    with pytest.raises(UnknownFieldKey, match="key id 7 is not in the key ring") as raised:
        ring.decrypt(blob, context="id_number")
    assert raised.value.key_id == 7
    with pytest.raises(UnknownFieldKey, match="empty"):
        ring.decrypt(b"", context="id_number")


@pytest.mark.parametrize(("key_id", "retired"), [(0, {}), (256, {}), (2, {2: "x"}), (2, {0: "x"})])
def test_key_ids_are_bytes_and_the_current_key_is_never_also_retired(
    key_id: int, retired: dict[int, str]
) -> None:
    with pytest.raises(ValueError, match="key id"):
        FieldCipher.from_secret("secret", key_id=key_id, retired_secrets=retired)
