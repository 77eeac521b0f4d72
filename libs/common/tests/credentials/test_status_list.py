"""Bitstring Status List v1.0: encoding, bit order, hostile input and index allocation."""

import base64
import gzip
import itertools
import statistics
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from educert_common.credentials.multibase import encode_base64url
from educert_common.credentials.status_list import (
    MAX_ENTRIES,
    MIN_ENTRIES,
    StatusList,
    StatusListError,
    StatusListFull,
    entry_index,
    random_free_index,
    status_entry,
    status_list_credential,
)

# The encodedList of the specification's BitstringStatusListCredential example.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
LIST_URL = "https://verify.educert.example/status/revocation/1"


def test_the_specifications_example_decodes_to_an_empty_minimum_list() -> None:
    example = StatusList.decode(SPEC_EMPTY_LIST)
    assert example.size == MIN_ENTRIES
    assert not any(example.get(i) for i in range(example.size))


def test_an_empty_list_encodes_exactly_like_the_specifications_example() -> None:
    assert StatusList().encode() == SPEC_EMPTY_LIST


def test_round_trip_keeps_every_bit() -> None:
    original = StatusList(MIN_ENTRIES * 2)
    chosen = {0, 1, 7, 8, 4242, 131_071, 131_072, MIN_ENTRIES * 2 - 1}
    for index in chosen:
        original.set(index, True)
    original.set(4242, False)
    decoded = StatusList.decode(original.encode())
    assert decoded.size == MIN_ENTRIES * 2
    assert {i for i in range(decoded.size) if decoded.get(i)} == chosen - {4242}


def test_index_zero_is_the_left_most_bit_of_the_first_byte() -> None:
    status_list = StatusList()
    status_list.set(0, True)
    status_list.set(9, True)  # second byte, second bit from the left
    status_list.set(MIN_ENTRIES - 1, True)  # right-most bit of the last byte
    raw = gzip.decompress(base64.urlsafe_b64decode(status_list.encode()[1:] + "=="))
    assert len(raw) == 16 * 1024
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0000
    assert raw[-1] == 0b0000_0001
    assert raw[2:-1] == bytes(len(raw) - 3)


def test_encoded_list_has_the_u_prefix_and_no_padding() -> None:
    encoded = StatusList().encode()
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, 10**9])
def test_out_of_range_indexes_are_refused(index: int) -> None:
    status_list = StatusList()
    with pytest.raises(StatusListError, match="outside the list"):
        status_list.get(index)
    with pytest.raises(StatusListError, match="outside the list"):
        status_list.set(index, True)


def test_non_integer_indexes_are_refused() -> None:
    with pytest.raises(StatusListError, match="integer"):
        StatusList().get(True)  # a bool is an int in Python, never an index here


@pytest.mark.parametrize("size", [0, 8, MIN_ENTRIES - 8, MIN_ENTRIES + 1, MAX_ENTRIES + 8])
def test_list_sizes_outside_the_rules_are_refused(size: int) -> None:
    with pytest.raises(StatusListError):
        StatusList(size)


def _encoded(raw: bytes) -> str:
    return encode_base64url(gzip.compress(raw))


def test_decoding_a_list_smaller_than_the_minimum_is_refused() -> None:
    with pytest.raises(StatusListError, match="at least 131072"):
        StatusList.decode(_encoded(bytes(16 * 1024 - 1)))


def test_a_gzip_bomb_is_refused_without_expanding_it() -> None:
    # 64 MiB of zeros compress to about 64 KB; the cap stops inflation at 1 MiB + 1 byte.
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    compressed = b"".join(bomb.compress(bytes(1 << 20)) for _ in range(64)) + bomb.flush()
    assert len(compressed) < 100_000
    with pytest.raises(StatusListError, match="expands beyond"):
        StatusList.decode(encode_base64url(compressed))


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        (SPEC_EMPTY_LIST[:-8], "truncated"),
        ("u" + base64.urlsafe_b64encode(b"not gzip at all").decode().rstrip("="), "not valid"),
        ("z" + SPEC_EMPTY_LIST[1:], "base64url"),
        (SPEC_EMPTY_LIST + "==", "encodedList"),
        (_encoded(bytes(16 * 1024)) + encode_base64url(gzip.compress(b"x"))[1:], "after the"),
    ],
)
def test_tampered_encodings_are_refused(encoded: str, reason: str) -> None:
    with pytest.raises(StatusListError, match=reason):
        StatusList.decode(encoded)


def test_flipped_bytes_in_the_compressed_list_are_caught_by_the_gzip_check() -> None:
    compressed = bytearray(gzip.compress(bytes(16 * 1024), mtime=0))
    compressed[-6] ^= 0xFF  # inside the CRC-32 of the trailer
    with pytest.raises(StatusListError):
        StatusList.decode(encode_base64url(bytes(compressed)))


def test_random_indexes_are_spread_and_not_sequential() -> None:
    picks = [random_free_index(lambda _: False) for _ in range(2000)]
    assert all(0 <= p < MIN_ENTRIES for p in picks)
    assert len(set(picks)) > 1960  # about 15 repeats expected among 2,000 of 131,072
    steps = [b - a for a, b in itertools.pairwise(picks)]
    assert sum(1 for s in steps if s == 1) < 5  # a counter would step by 1 every time
    # Uniform on [0, 131072): mean 65,536, each quarter holds about a quarter of the picks.
    assert 60_000 < statistics.mean(picks) < 71_000
    for quarter in range(4):
        share = sum(1 for p in picks if p // (MIN_ENTRIES // 4) == quarter) / len(picks)
        assert 0.2 < share < 0.3


def test_random_free_index_skips_taken_slots() -> None:
    taken = set(range(0, MIN_ENTRIES, 2))  # every even index is taken
    picks = {random_free_index(taken.__contains__) for _ in range(200)}
    assert all(p % 2 == 1 for p in picks)


def test_a_full_list_fails_clearly() -> None:
    with pytest.raises(StatusListFull, match="new status list"):
        random_free_index(lambda _: True)


def test_status_entry_shape() -> None:
    entry = status_entry(LIST_URL, 94567, "revocation")
    assert entry == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert entry_index(entry) == 94567


@pytest.mark.parametrize(
    ("url", "index", "purpose"),
    [
        (LIST_URL, -1, "revocation"),
        (LIST_URL, MAX_ENTRIES, "revocation"),
        (LIST_URL, 1, "message"),
        (LIST_URL + "#frag", 1, "revocation"),
        ("", 1, "suspension"),
    ],
)
def test_status_entry_refuses_bad_input(url: str, index: int, purpose: str) -> None:
    with pytest.raises(StatusListError):
        status_entry(url, index, purpose)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [5, "", "-1", "+1", " 1", "1_0", "١٢", "0x10", "1" * 13])
def test_entry_index_accepts_only_a_decimal_string(raw: object) -> None:
    with pytest.raises(StatusListError):
        entry_index({"statusListIndex": raw})


def test_status_list_credential_shape() -> None:
    status_list = StatusList()
    status_list.set(3, True)
    valid_from = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    credential = status_list_credential(
        list_url=LIST_URL,
        issuer_id="https://verify.educert.example/issuer",
        issuer_name="EduCert",
        purpose="revocation",
        status_list=status_list,
        valid_from=valid_from,
        valid_until=valid_from + timedelta(days=1),
        ttl=timedelta(minutes=5),
    )
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["id"] == LIST_URL
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["validFrom"] == "2026-12-02T07:00:00Z"
    assert credential["validUntil"] == "2026-12-03T07:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["ttl"] == 300_000
    assert subject["id"] == f"{LIST_URL}#list"
    assert StatusList.decode(subject["encodedList"]).get(3)
