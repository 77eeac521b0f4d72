"""Bitstring Status List v1.0: the published list that says which credentials are revoked.

One bit per credential (statusSize 1): index 0 is the most significant bit of the first byte.
The list is GZIP-compressed, then base64url without padding, with the multibase 'u' prefix.
At least 131,072 entries (16 KB), so one credential hides among many (herd privacy);
indexes are handed out at random so a position says nothing about when it was issued.
"""

import gzip
import secrets
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from educert_common.credentials.dates import format_datetime
from educert_common.credentials.multibase import MultibaseError, decode, encode_base64url

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
ENTRY_TYPE = "BitstringStatusListEntry"
MIN_ENTRIES = 131_072
# A published list decompresses to at most this: 8 Mi entries, 64 times the minimum. The cap
# is what makes a gzip bomb harmless (a few kilobytes of input could expand to gigabytes).
MAX_ENTRIES = 8 * 1024 * 1024
# base64url of the compressed form of a MAX_ENTRIES list of random bits, with room to spare.
_MAX_ENCODED_CHARS = (MAX_ENTRIES // 8) * 4 // 3 + 4096
_ALLOCATION_ATTEMPTS = 32

StatusPurpose = Literal["revocation", "suspension"]
PURPOSES: tuple[StatusPurpose, ...] = ("revocation", "suspension")


class StatusListError(ValueError):
    """A status list, entry or index is malformed, too small or out of range."""


class StatusListFull(RuntimeError):
    """No free index was found: the list is (nearly) full and a new list is needed."""


class StatusList:
    """A mutable bitstring of credential statuses (1 = the purpose applies, e.g. revoked)."""

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_ENTRIES) -> None:
        """Create an all-clear list of `size` entries (a multiple of 8, at least 131,072)."""
        _check_size(size)
        self._bits = bytearray(size // 8)

    @property
    def size(self) -> int:
        """Return the number of entries."""
        return len(self._bits) * 8

    def get(self, index: int) -> bool:
        """Return whether the status bit at `index` is set."""
        byte, mask = self._locate(index)
        return bool(self._bits[byte] & mask)

    def set(self, index: int, value: bool) -> None:
        """Set or clear the status bit at `index`."""
        byte, mask = self._locate(index)
        if value:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask & 0xFF

    def encode(self) -> str:
        """Return the encodedList: multibase base64url (no padding) of the GZIP'd bitstring."""
        # mtime=0 keeps the output a pure function of the bits (no timestamp in the header);
        # level 6 (zlib's default) reproduces the specification's example byte for byte.
        return encode_base64url(gzip.compress(bytes(self._bits), compresslevel=6, mtime=0))

    @classmethod
    def decode(cls, encoded: str) -> "StatusList":
        """Read an encodedList, refusing other encodings, oversized output and short lists."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError("encodedList must be a base64url multibase string ('u...')")
        if len(encoded) > _MAX_ENCODED_CHARS:
            raise StatusListError("encodedList is longer than any list this platform reads")
        try:
            compressed = decode(encoded)
        except MultibaseError as exc:
            raise StatusListError(f"encodedList: {exc}") from None
        bits = _gunzip_capped(compressed, MAX_ENTRIES // 8)
        _check_size(len(bits) * 8)
        status_list = cls.__new__(cls)
        status_list._bits = bytearray(bits)
        return status_list

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int):
            raise StatusListError("status list index must be an integer")
        if not 0 <= index < self.size:
            raise StatusListError(f"index {index} is outside the list (0..{self.size - 1})")
        # Index 0 is the left-most (most significant) bit of the first byte.
        return index >> 3, 0x80 >> (index & 7)


def _check_size(entries: int) -> None:
    if entries < MIN_ENTRIES:
        raise StatusListError(
            f"a status list needs at least {MIN_ENTRIES} entries (16 KB); this one has {entries}"
        )
    if entries > MAX_ENTRIES or entries % 8:
        raise StatusListError(f"status list size must be a multiple of 8 up to {MAX_ENTRIES}")


def _gunzip_capped(data: bytes, limit: int) -> bytes:
    """Decompress exactly one GZIP member, refusing output beyond `limit` bytes."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not valid GZIP: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise StatusListError(f"encodedList expands beyond {limit} bytes")
    if not inflater.eof:
        raise StatusListError("encodedList is truncated GZIP")
    if inflater.unused_data:
        raise StatusListError("encodedList has data after the GZIP member")
    return out


def random_free_index(is_taken: Callable[[int], bool], size: int = MIN_ENTRIES) -> int:
    """Pick a uniformly random index in [0, size) that `is_taken` says is free.

    A few dozen tries find a free slot with near certainty until the list is about 90%
    used; past that, StatusListFull tells the caller to open a new list.
    """
    _check_size(size)
    for _ in range(_ALLOCATION_ATTEMPTS):
        index = secrets.randbelow(size)
        if not is_taken(index):
            return index
    raise StatusListFull(
        f"no free index in {_ALLOCATION_ATTEMPTS} random tries: the list of {size} entries "
        "is nearly full; allocate entries in a new status list"
    )


def status_entry(list_url: str, index: int, purpose: StatusPurpose) -> dict[str, Any]:
    """Build the BitstringStatusListEntry a credential carries as its credentialStatus."""
    _check_list_url(list_url)
    _check_purpose(purpose)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < MAX_ENTRIES:
        raise StatusListError(f"status list index must be an integer in 0..{MAX_ENTRIES - 1}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer_id: str,
    issuer_name: str,
    purpose: StatusPurpose,
    status_list: StatusList,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl: timedelta | None = None,
) -> dict[str, Any]:
    """Build the unsigned BitstringStatusListCredential published at `list_url` (sign it next)."""
    _check_list_url(list_url)
    _check_purpose(purpose)
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    if ttl is not None:
        if ttl <= timedelta(0):
            raise StatusListError("ttl must be positive")
        subject["ttl"] = int(ttl.total_seconds() * 1000)  # the spec's unit: milliseconds
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": {"id": issuer_id, "name": issuer_name},
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        if valid_until <= valid_from:
            raise StatusListError("validUntil must be after validFrom")
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = subject
    return credential


def entry_index(entry: Mapping[str, Any]) -> int:
    """Return an entry's statusListIndex, refusing anything but a base-10 string."""
    raw = entry.get("statusListIndex")
    # A decimal string of a sane length: int() alone would accept '+1', ' 1', '1_0', '١'.
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise StatusListError("statusListIndex must be a base-10 integer string")
    return int(raw)


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise StatusListError(f"statusPurpose must be one of {', '.join(PURPOSES)}")


def _check_list_url(list_url: str) -> None:
    # The entry id is '<list url>#<index>', so the list URL itself cannot carry a fragment.
    if not isinstance(list_url, str) or not list_url or "#" in list_url:
        raise StatusListError("status list URL must be a non-empty URL without a fragment")
