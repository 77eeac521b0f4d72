"""What `educert-verify` reads: files and URLs with a size cap, trust roots, issuer keys, and
the verification code printed on a PDF.

Everything here treats its input as hostile: a bounded read, a short timeout, and a
`SourceError` with a one-line reason for anything that cannot be used.
"""

import base64
import binascii
import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509

from educert_common.verification.codes import ALPHABET, DEFAULT_LENGTH, display_code

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_JSON_BYTES = 1024 * 1024
# A status list of the largest size we accept (8 Mi entries) is ~1.4 MB of base64url.
MAX_STATUS_LIST_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 5.0
MAX_REDIRECTS = 3
PDFTOTEXT_SECONDS = 20
USER_AGENT = "educert-verify/0.1"
# Groups of four joined by hyphens, as the PDF prints a code (display_code).
_GROUP = f"[{ALPHABET}]{{4}}"
_DISPLAY_CODE = re.compile(rf"(?<![{ALPHABET}-]){_GROUP}(?:-{_GROUP}){{{DEFAULT_LENGTH // 4 - 1}}}")
# The verification page's URL printed under it ('.../v/<code>'), possibly wrapped over lines.
_LINKED_CODE = re.compile(rf"/v/([{ALPHABET}]{{{DEFAULT_LENGTH}}})")


if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class SourceError(Exception):
    """A file or URL cannot be read or does not hold what it should (a one-line reason)."""


def is_url(source: str) -> bool:
    """Tell whether a FILE_OR_URL argument names a URL rather than a local file."""
    return source.startswith(("https://", "http://"))


def read_file(path: str, cap: int) -> bytes:
    """Read at most `cap` bytes of a file; refuse a larger one without reading it all."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(cap + 1)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > cap:
        raise SourceError(f"{path} is larger than {cap // (1024 * 1024)} MB: refused")
    return data


class Fetcher:
    """GET small JSON documents over HTTP(S): short timeouts, few redirects, a size cap."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        self._client: Any = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _open(self) -> Any:
        # Imported on first use: httpx loads its command line's libraries too, a second
        # spent for nothing when every input is a local file.
        import httpx

        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self._timeout),
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                # Uncompressed answers: the cap then bounds memory, not a gzip bomb's expansion.
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            )
        return self._client

    def get(self, url: str, cap: int, accept: str = "application/json") -> bytes:
        """Return the body of a 200 answer, refusing anything larger than `cap` bytes."""
        if not is_url(url):
            raise SourceError(f"not an http(s) URL: {url[:200]}")
        import httpx

        client = self._open()
        try:
            with client.stream("GET", url, headers={"Accept": accept}) as response:
                if response.status_code != 200:
                    raise SourceError(f"{url} answered HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise SourceError(f"{url} is larger than {cap} bytes: refused")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > cap:
                        raise SourceError(f"{url} is larger than {cap} bytes: refused")
                return bytes(body)
        except httpx.HTTPError as error:
            raise SourceError(f"{url} could not be fetched ({type(error).__name__})") from None

    def json(self, url: str, cap: int, accept: str = "application/json") -> Any:
        """GET a URL and parse its body as JSON."""
        return parse_json(self.get(url, cap, accept), url)


def parse_json(data: bytes, where: str) -> Any:
    """Parse UTF-8 JSON, turning every failure (including absurd nesting) into a SourceError."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SourceError(f"{where} is not JSON") from None


def load_json(source: str, cap: int, fetcher: Fetcher) -> Any:
    """Load a JSON document from a local file or an http(s) URL."""
    if is_url(source):
        return fetcher.json(source, cap)
    return parse_json(read_file(source, cap), source)


# --- trust roots for PDFs ---------------------------------------------------------------


def certificates_from_pem(path: str) -> list[x509.Certificate]:
    """Read the PEM certificates a verifier trusts (`--trust`)."""
    data = read_file(path, MAX_JSON_BYTES)
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise SourceError(f"{path} holds no PEM certificate") from None


def certificates_from_jwks(jwks: Any, where: str) -> list[x509.Certificate]:
    """Return the signer certificate (first of `x5c`) of every key in a JWK Set.

    Only the leaf is trusted, never the intermediates after it: trusting an intermediate would
    accept anything else that CA ever signed, while the platform publishes its own certificate.
    """
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise SourceError(f"{where} is not a JWK Set (no 'keys' list)")
    found = []
    for key in keys:
        chain = key.get("x5c") if isinstance(key, Mapping) else None
        if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
            continue
        try:
            found.append(x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True)))
        except (binascii.Error, ValueError):
            raise SourceError(f"{where}: an x5c certificate cannot be read") from None
    if not found:
        raise SourceError(f"{where} has no key with a certificate (x5c)")
    return found


# --- issuer keys for credentials --------------------------------------------------------


def issuer_keys(document: Any, where: str) -> dict[str, "Ed25519PublicKey"]:
    """Return the Ed25519 keys an issuer document names for assertionMethod, by id."""
    from educert_common.credentials.multibase import MultibaseError, decode_multikey

    if not isinstance(document, Mapping) or not isinstance(document.get("id"), str):
        raise SourceError(f"{where} is not an issuer document (no 'id')")
    base = document["id"]
    assertion = document.get("assertionMethod")
    if not isinstance(assertion, list):
        raise SourceError(f"{where} has no assertionMethod list")
    methods = document.get("verificationMethod")
    by_id = {
        _absolute(base, method.get("id")): method
        for method in (methods if isinstance(methods, list) else [])
        if isinstance(method, Mapping) and isinstance(method.get("id"), str)
    }
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in assertion:
        # assertionMethod holds references to verificationMethod entries or embedded methods.
        method = by_id.get(_absolute(base, entry)) if isinstance(entry, str) else entry
        if not isinstance(method, Mapping) or method.get("type") != "Multikey":
            continue
        try:
            keys[_absolute(base, method["id"])] = decode_multikey(method["publicKeyMultibase"])
        except (KeyError, MultibaseError, ValueError):
            continue  # one unreadable method does not hide the others
    if not keys:
        raise SourceError(f"{where} names no Ed25519 Multikey for assertionMethod")
    return keys


def _absolute(base: str, method_id: object) -> str:
    text = str(method_id)
    return base + text if text.startswith("#") else text


# --- the code printed on a PDF ----------------------------------------------------------


def pdf_text(path: str) -> str | None:
    """Return the first page's text by poppler's `pdftotext`, or None when it is missing."""
    program = shutil.which("pdftotext")
    if program is None:
        return None
    try:
        result = subprocess.run(
            [program, "-q", "-l", "1", "-enc", "UTF-8", path, "-"],
            capture_output=True,
            timeout=PDFTOTEXT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout[:MAX_JSON_BYTES].decode("utf-8", "replace")


def codes_in(text: str) -> list[str]:
    """Return the distinct verification codes (display form) the text shows, in order."""
    found = (display_code(match.replace("-", "")) for match in _DISPLAY_CODE.findall(text))
    return list(dict.fromkeys(found))


def printed_code(text: str) -> str | None:
    """Return the report's code: the one shown that its printed verification URL repeats.

    A fact can look like a code (a certificate number '1024-8120-2305-0012'); the code is the
    one the page's URL carries too. Failing that, the only code shown; else None.
    """
    shown = codes_in(text)
    linked = set(_LINKED_CODE.findall(re.sub(r"\s+", "", text)))
    confirmed = [code for code in shown if code.replace("-", "") in linked]
    for candidates in (confirmed, shown):
        if len(candidates) == 1:
            return candidates[0]
    return None
