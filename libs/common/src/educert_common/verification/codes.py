"""Verification codes: Crockford base32, read aloud, typed on a phone, printed in groups of 4."""

import secrets
import unicodedata

# Crockford's base32: no I, L, O, U, so nothing is mistaken for 1, 0 or V when read or typed.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DEFAULT_LENGTH = 16  # 16 characters x 5 bits = 80 random bits (SECURITY.md: at least 80)
_ALLOWED = frozenset(ALPHABET)
# What Crockford says a reader may type for a letter that looks like a digit.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -")


def new_code(length: int = DEFAULT_LENGTH) -> str:
    """Return a fresh random code of `length` characters from the alphabet."""
    if length < 1:
        raise ValueError("a code has at least one character")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(text: str, length: int = DEFAULT_LENGTH) -> str | None:
    """Return the stored form of a typed code, or None when it cannot be one."""
    # Bound the work on hostile input before any translation.
    if len(text) > 4 * length:
        return None
    # NFKC turns a Chinese keyboard's full-width letters, digits and spaces into ASCII; any
    # other non-ASCII is refused before upper() could map it onto a letter ("ı" -> "I").
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        return None
    code = text.translate(_SEPARATORS).upper().translate(_LOOKALIKES)
    if len(code) != length or not _ALLOWED.issuperset(code):
        return None
    return code


def display_code(code: str) -> str:
    """Return the code in groups of four joined by hyphens, as people see it."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
