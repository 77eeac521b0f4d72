"""The platform's signing keys: the document key (PAdES) and the credential key (Ed25519).

Production reads both from PEM files named by settings and refuses to start without them.
Development and test generate them once under a directory, marked DEVELOPMENT so a document
signed with them says so, and so production refuses them if they are ever copied there.
"""

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from educert_common.settings import PlatformSettings

DocumentKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

# Written into every development key file and certificate; production refuses both.
DEVELOPMENT_MARKER = "DEVELOPMENT"
DEV_DOCUMENT_FILE = "document-signing.pem"  # private key and certificate together
DEV_CREDENTIAL_FILE = "credential-signing.pem"
DEV_CERT_DAYS = 5 * 365
MIN_RSA_BITS = 3072
EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384"}


class SigningKeyError(ValueError):
    """The configured signing keys are missing, unreadable or unfit for this environment."""


class SigningSettings(BaseSettings):
    """Where the signing keys are (EDUCERT_*); production must name every file."""

    model_config = SettingsConfigDict(env_prefix="EDUCERT_", extra="ignore")

    platform: PlatformSettings = Field(default_factory=PlatformSettings)  # type: ignore[arg-type]
    # PEM private key (ECDSA P-256/P-384 or RSA >= 3072) that signs PDFs (PAdES).
    document_signing_key_file: str = ""
    # PEM certificates: the signer's first, then its intermediates (the chain shown to readers).
    document_signing_cert_file: str = ""
    # PEM Ed25519 private key that signs credentials and receipts.
    credential_signing_key_file: str = ""
    # Development and test only: where keys are generated when the files above are not set.
    signing_dev_dir: str = "var/signing"

    def configured_files(self) -> dict[str, str]:
        return {
            "EDUCERT_DOCUMENT_SIGNING_KEY_FILE": self.document_signing_key_file,
            "EDUCERT_DOCUMENT_SIGNING_CERT_FILE": self.document_signing_cert_file,
            "EDUCERT_CREDENTIAL_SIGNING_KEY_FILE": self.credential_signing_key_file,
        }

    @model_validator(mode="after")
    def _production_names_every_file(self) -> "SigningSettings":
        missing = [name for name, value in self.configured_files().items() if not value]
        if self.platform.environment == "production" and missing:
            raise ValueError(
                f"{', '.join(missing)} not set: production signs documents and credentials "
                "only with keys it is given (PEM files), never with generated ones"
            )
        return self


@dataclass(frozen=True, eq=False)
class SigningKeys:
    """The loaded keys; compared by identity so signers built from them can be cached."""

    document_key: DocumentKey
    document_certificate: x509.Certificate
    # Intermediates above the signer's certificate (empty for a self-signed one).
    document_chain: tuple[x509.Certificate, ...]
    credential_key: ed25519.Ed25519PrivateKey
    credential_public_key: ed25519.Ed25519PublicKey
    # RFC 7638 thumbprint of the credential key: stable for as long as the key is.
    credential_key_id: str
    development: bool


def load_signing_keys(settings: SigningSettings) -> SigningKeys:
    """Load the signing keys named by settings, generating development ones where allowed."""
    production = settings.platform.environment == "production"
    if production or settings.document_signing_key_file or settings.document_signing_cert_file:
        if not (settings.document_signing_key_file and settings.document_signing_cert_file):
            raise SigningKeyError(
                "set both EDUCERT_DOCUMENT_SIGNING_KEY_FILE and EDUCERT_DOCUMENT_SIGNING_CERT_FILE"
            )
        key_pem = _read(settings.document_signing_key_file, "EDUCERT_DOCUMENT_SIGNING_KEY_FILE")
        cert_pem = _read(settings.document_signing_cert_file, "EDUCERT_DOCUMENT_SIGNING_CERT_FILE")
    else:
        key_pem = cert_pem = _dev_file(settings, DEV_DOCUMENT_FILE, _new_dev_document_pem)
    if production or settings.credential_signing_key_file:
        credential_pem = _read(
            settings.credential_signing_key_file, "EDUCERT_CREDENTIAL_SIGNING_KEY_FILE"
        )
    else:
        credential_pem = _dev_file(settings, DEV_CREDENTIAL_FILE, _new_dev_credential_pem)

    document_key = _document_key(key_pem)
    certificates = _certificates(cert_pem)
    credential_key = _credential_key(credential_pem)
    development = DEVELOPMENT_MARKER.encode() in key_pem + credential_pem or _is_development(
        certificates[0]
    )
    _check_certificate(certificates[0], document_key)
    if production:
        if development:
            raise SigningKeyError(
                "the signing keys or certificate are marked DEVELOPMENT (generated by a "
                "development run, never trusted); production needs the platform's own keys"
            )
        _check_current(certificates[0])
    public_key = credential_key.public_key()
    return SigningKeys(
        document_key=document_key,
        document_certificate=certificates[0],
        document_chain=tuple(certificates[1:]),
        credential_key=credential_key,
        credential_public_key=public_key,
        credential_key_id=okp_thumbprint(public_key),
        development=development,
    )


def public_jwks(keys: SigningKeys) -> dict[str, Any]:
    """The public JWK Set: the credential key (OKP) and the document certificate (x5c)."""
    credential = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(_raw_public(keys.credential_public_key)),
        "kid": keys.credential_key_id,
        "use": "sig",
        "alg": "EdDSA",
    }
    leaf_der = keys.document_certificate.public_bytes(serialization.Encoding.DER)
    document = {
        **_document_public_jwk(keys.document_certificate.public_key()),
        "kid": _b64url(hashlib.sha256(leaf_der).digest()),
        "use": "sig",
        "x5c": [
            base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
            for cert in (keys.document_certificate, *keys.document_chain)
        ],
        "x5t#S256": _b64url(hashlib.sha256(leaf_der).digest()),
    }
    return {"keys": [credential, document]}


def okp_thumbprint(public_key: ed25519.Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 public key."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw_public(public_key))}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


def certificate_pem(certificate: x509.Certificate) -> bytes:
    """The certificate as PEM (what a verifier passes as its trust root)."""
    return certificate.public_bytes(serialization.Encoding.PEM)


# --- loading ----------------------------------------------------------------------------


def _read(path: str, setting: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise SigningKeyError(f"{setting}={path} cannot be read: {error.strerror}") from error


def _document_key(pem: bytes) -> DocumentKey:
    key = _private_key(pem, "document signing key")
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in EC_CURVES:
        return key
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= MIN_RSA_BITS:
        return key
    raise SigningKeyError(
        f"the document signing key must be ECDSA P-256/P-384 or RSA >= {MIN_RSA_BITS} bits"
    )


def _credential_key(pem: bytes) -> ed25519.Ed25519PrivateKey:
    key = _private_key(pem, "credential signing key")
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SigningKeyError("the credential signing key must be an Ed25519 private key")
    return key


def _private_key(pem: bytes, what: str) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"the {what} is not an unencrypted PEM private key") from error


def _certificates(pem: bytes) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise SigningKeyError("the document signing certificate file holds no PEM cert") from error
    return certificates


def _check_certificate(certificate: x509.Certificate, key: DocumentKey) -> None:
    """Refuse a certificate that does not belong to the key or that validators would reject."""
    if certificate.public_key() != key.public_key():
        raise SigningKeyError(
            "the document signing certificate (first in its file) is not the signing key's"
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    # pyHanko (ours and the CLI that third parties run) requires non-repudiation by default.
    if not usage.content_commitment:
        raise SigningKeyError(
            "the document signing certificate must allow non-repudiation (contentCommitment)"
        )


def _check_current(certificate: x509.Certificate) -> None:
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SigningKeyError(
            "the document signing certificate is not valid now (valid "
            f"{certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}); signatures made with it would fail"
        )


def _is_development(certificate: x509.Certificate) -> bool:
    return DEVELOPMENT_MARKER in certificate.subject.rfc4514_string()


# --- development keys -------------------------------------------------------------------


def _dev_file(settings: SigningSettings, name: str, generate: Callable[[], bytes]) -> bytes:
    """Read a development key file, creating it first if missing.

    Several processes may start at once: each writes a complete temporary file and links it
    into place; `os.link` fails when the name exists, so the first one wins and the others
    read the winner's file. Nobody ever sees a half-written key.
    """
    directory = Path(settings.signing_dev_dir)
    path = directory / name
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    directory.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(generate())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_bytes()


def _new_dev_credential_pem() -> bytes:
    key = ed25519.Ed25519PrivateKey.generate()
    header = f"EduCert {DEVELOPMENT_MARKER} credential key: not trusted, never for production\n"
    return header.encode() + _pkcs8(key)


def _new_dev_document_pem() -> bytes:
    """A P-256 key and a self-signed certificate whose subject says it is not trusted."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"EduCert {DEVELOPMENT_MARKER}"),
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, "NOT TRUSTED - development and test only"
            ),
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"EduCert {DEVELOPMENT_MARKER} document signing (NOT TRUSTED)"
            ),
        ]
    )
    now = datetime.now(UTC) - timedelta(minutes=5)  # tolerate a little clock skew
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=DEV_CERT_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    header = f"EduCert {DEVELOPMENT_MARKER} document signing key and certificate: not trusted\n"
    return header.encode() + _pkcs8(key) + certificate.public_bytes(serialization.Encoding.PEM)


def _pkcs8(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# --- JWK helpers ------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw_public(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _document_public_jwk(key: Any) -> dict[str, str]:
    if isinstance(key, ec.EllipticCurvePublicKey):
        numbers = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        return {
            "kty": "EC",
            "crv": EC_CURVES[key.curve.name],
            "x": _b64url(numbers.x.to_bytes(size, "big")),
            "y": _b64url(numbers.y.to_bytes(size, "big")),
        }
    numbers = key.public_numbers()
    return {
        "kty": "RSA",
        "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": _b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
    }
