"""Names and headers for handing a stored file back: the uploader's name, made harmless."""

import unicodedata
from urllib.parse import quote

from educert_common.files.inspect import claimed_kind
from educert_common.files.slots import EXTENSIONS, MEDIA_TYPES, Kind

MAX_NAME_LENGTH = 100
_FORBIDDEN = set('<>:"/\\|?*')
_ASCII_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-() ")
# RFC 5987 attr-char beyond what quote() leaves alone.
_ATTR_SAFE = "!#$&+^`|"


def safe_filename(filename: str | None, kind: Kind, *, fallback: str = "file") -> str:
    """The uploader's file name without its path, control and bidi characters (U+202E can
    make "gpj.exe" look like ".jpg"), or characters Windows refuses; at most 100 characters,
    ending in the content's own extension."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(
        "_" if ch in _FORBIDDEN else ch for ch in name if unicodedata.category(ch)[0] != "C"
    )
    name = " ".join(name.split())
    if claimed_kind(name) is not None:
        name = name.rsplit(".", 1)[0]
    stem = name[:MAX_NAME_LENGTH].strip(" .") or fallback
    return f"{stem}.{EXTENSIONS[kind]}"


def ascii_filename(name: str) -> str:
    """The `filename=` fallback for old clients: ASCII letters, digits and a few signs."""
    # Accents fall away (é -> e); any other character becomes "_".
    folded = unicodedata.normalize("NFKD", name)
    safe = "".join(
        ch if ch in _ASCII_SAFE else "_" for ch in folded if not unicodedata.combining(ch)
    )
    stem, _, extension = safe.rpartition(".")
    if not stem.strip("_ ."):
        return f"file.{extension}" if extension else "file"
    return safe


def download_headers(filename: str | None, kind: Kind, *, inline: bool = False) -> dict[str, str]:
    """Headers of a download response (RFC 6266): Content-Type from the checked kind, a
    Content-Disposition with an ASCII `filename` and the UTF-8 `filename*`, no sniffing, no
    caching (the files are personal documents)."""
    name = safe_filename(filename, kind)
    disposition = "inline" if inline else "attachment"
    return {
        "Content-Type": MEDIA_TYPES[kind],
        "Content-Disposition": (
            f'{disposition}; filename="{ascii_filename(name)}"; '
            f"filename*=UTF-8''{quote(name, safe=_ATTR_SAFE)}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
