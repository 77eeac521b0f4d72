"""Field encryption, blind indexes and masks."""

import pytest
from cryptography.exceptions import InvalidTag

from educert_common.crypto import BlindIndex, FieldCipher
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
