"""Normalising names as documents print them: Latin names to upper-case letter tokens
(diacritics, apostrophes and hyphens dropped), Chinese names to their Han characters, and
institution names to a comparable key."""

import re
import unicodedata

# Letters NFKD does not decompose into a base letter and a mark.
_LATIN_EXTRA = str.maketrans(
    {"ß": "SS", "Æ": "AE", "æ": "AE", "Ø": "O", "ø": "O", "Ł": "L", "ł": "L", "Đ": "D", "đ": "D"}
)
_APOSTROPHES = re.compile(r"['’‘`ʼ]")
_SEPARATORS = re.compile(r"[^A-Z0-9]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# Spaces and the middle dots Chinese renderings of foreign names use (·, ・, •).
_NOT_HAN_PART = re.compile(r"[\s·・•．.]+")


def latin_tokens(name: str) -> list[str]:
    """ "Xiao-Ming O'Brien" -> ["XIAO", "MING", "OBRIEN"]; "José" -> ["JOSE"]."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LATIN_EXTRA))
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    letters = _APOSTROPHES.sub("", letters).upper()
    return [token for token in _SEPARATORS.split(letters) if token]


def compact(tokens: list[str]) -> str:
    return "".join(tokens)


def has_han(name: str) -> bool:
    return bool(_HAN.search(name))


def han_name(name: str) -> str:
    """A Chinese name without spaces or middle dots, in NFKC (full-width forms folded)."""
    return _NOT_HAN_PART.sub("", unicodedata.normalize("NFKC", name))


def all_han(name: str) -> bool:
    name = han_name(name)
    return bool(name) and all(_HAN.fullmatch(char) for char in name)


_PUNCTUATION = re.compile(r"[^\w\s]+")


def institution_key(name: str) -> str:
    """ "The University of Edinburgh" = "university of  edinburgh" = "University-of-Edinburgh"."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    text = " ".join(_PUNCTUATION.sub(" ", text).replace("_", " ").split())
    return text.removeprefix("the ")
