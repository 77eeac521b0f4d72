"""Signing keys: generated once in development (even by processes racing each other), given
as files in production, refused when unfit; the public JWK Set third parties verify with."""

import base64
import hashlib
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pydantic import ValidationError

from educert_common.signing import (
    SigningKeyError,
    SigningKeys,
    SigningSettings,
    certificate_pem,
    load_signing_keys,
    okp_thumbprint,
    public_jwks,
)
from educert_common.signing.keys import DEV_CREDENTIAL_FILE, DEV_DOCUMENT_FILE, _dev_file

Settings = Callable[..., SigningSettings]


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fingerprint(keys: SigningKeys) -> tuple[str, str]:
    der = keys.document_certificate.public_bytes(serialization.Encoding.DER)
    return keys.credential_key_id, hashlib.sha256(der).hexdigest()


class TestDevelopmentKeys:
    def test_generated_once_then_reused(self, tmp_path: Path, signing_settings: Settings) -> None:
        first = load_signing_keys(signing_settings(tmp_path))
        second = load_signing_keys(signing_settings(tmp_path))
        assert _fingerprint(first) == _fingerprint(second)
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
            [DEV_CREDENTIAL_FILE, DEV_DOCUMENT_FILE]
        )
        assert (tmp_path / DEV_DOCUMENT_FILE).stat().st_mode & 0o077 == 0

    def test_certificate_says_development_and_not_trusted(self, keys: SigningKeys) -> None:
        subject = keys.document_certificate.subject.rfc4514_string()
        assert "DEVELOPMENT" in subject and "NOT TRUSTED" in subject
        assert keys.development
        assert keys.document_chain == ()
        assert isinstance(keys.document_key, ec.EllipticCurvePrivateKey)
        assert keys.document_key.curve.name == "secp256r1"
        usage = keys.document_certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment

    def test_credential_key_id_is_the_rfc7638_thumbprint(self, keys: SigningKeys) -> None:
        assert keys.credential_key_id == okp_thumbprint(keys.credential_public_key)
        assert keys.credential_public_key == keys.credential_key.public_key()

    def test_losing_a_creation_race_reads_the_winners_file(self, tmp_path: Path) -> None:
        settings = SigningSettings.model_construct(signing_dev_dir=str(tmp_path))
        winner = b"the other process's key\n"

        def generate_while_another_process_wins() -> bytes:
            (tmp_path / "race.pem").write_bytes(winner)
            return b"this process's key\n"

        assert _dev_file(settings, "race.pem", generate_while_another_process_wins) == winner
        assert [path.name for path in tmp_path.iterdir()] == ["race.pem"]  # no temp files left

    def test_processes_starting_at_once_end_with_one_key_pair(self, tmp_path: Path) -> None:
        context = multiprocessing.get_context("fork")
        count = 6
        barrier = context.Barrier(count)
        results = context.Queue()
        workers = [
            context.Process(target=_load_after_barrier, args=(str(tmp_path), barrier, results))
            for _ in range(count)
        ]
        for worker in workers:
            worker.start()
        seen = {results.get(timeout=60) for _ in workers}
        for worker in workers:
            worker.join(timeout=60)
        assert len(seen) == 1
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
            [DEV_CREDENTIAL_FILE, DEV_DOCUMENT_FILE]
        )


def _load_after_barrier(directory: str, barrier: object, results: object) -> None:
    from educert_common.settings import PlatformSettings

    settings = SigningSettings(
        platform=PlatformSettings(environment="test"), signing_dev_dir=directory
    )
    barrier.wait()  # type: ignore[attr-defined]
    results.put(_fingerprint(load_signing_keys(settings)))  # type: ignore[attr-defined]


class TestProductionKeys:
    def test_missing_files_refuse_to_start(
        self, tmp_path: Path, signing_settings: Settings
    ) -> None:
        with pytest.raises(ValidationError) as error:
            signing_settings(tmp_path, "production")
        message = str(error.value)
        for name in (
            "EDUCERT_DOCUMENT_SIGNING_KEY_FILE",
            "EDUCERT_DOCUMENT_SIGNING_CERT_FILE",
            "EDUCERT_CREDENTIAL_SIGNING_KEY_FILE",
        ):
            assert name in message
        assert not any(tmp_path.iterdir())  # nothing generated

    def test_development_files_are_refused(
        self, tmp_path: Path, signing_settings: Settings
    ) -> None:
        load_signing_keys(signing_settings(tmp_path))  # generate them
        bundle = str(tmp_path / DEV_DOCUMENT_FILE)
        settings = signing_settings(
            tmp_path,
            "production",
            document_signing_key_file=bundle,
            document_signing_cert_file=bundle,
            credential_signing_key_file=str(tmp_path / DEV_CREDENTIAL_FILE),
        )
        with pytest.raises(SigningKeyError, match="DEVELOPMENT"):
            load_signing_keys(settings)

    def test_files_from_settings_with_chain(
        self,
        tmp_path: Path,
        signing_settings: Settings,
        make_certificate: Callable[..., tuple[Any, x509.Certificate]],
        pem_private: Callable[[object], bytes],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        root = make_certificate("EduCert Test Root CA", ca=True)
        intermediate = make_certificate("EduCert Test Issuing CA", issuer=root, ca=True)
        leaf_key, leaf = make_certificate("EduCert document signing", issuer=intermediate)
        credential = ed25519.Ed25519PrivateKey.generate()
        (tmp_path / "doc.key").write_bytes(pem_private(leaf_key))
        (tmp_path / "doc.crt").write_bytes(certificate_pem(leaf) + certificate_pem(intermediate[1]))
        (tmp_path / "cred.key").write_bytes(pem_private(credential))
        monkeypatch.setenv("EDUCERT_DOCUMENT_SIGNING_KEY_FILE", str(tmp_path / "doc.key"))
        monkeypatch.setenv("EDUCERT_DOCUMENT_SIGNING_CERT_FILE", str(tmp_path / "doc.crt"))
        monkeypatch.setenv("EDUCERT_CREDENTIAL_SIGNING_KEY_FILE", str(tmp_path / "cred.key"))
        monkeypatch.setenv("EDUCERT_SIGNING_DEV_DIR", str(tmp_path / "dev"))
        monkeypatch.setenv("EDUCERT_ENVIRONMENT", "production")

        keys = load_signing_keys(SigningSettings())

        assert keys.document_certificate == leaf
        assert keys.document_chain == (intermediate[1],)
        assert keys.credential_public_key == credential.public_key()
        assert not keys.development
        assert not (tmp_path / "dev").exists()
        x5c = public_jwks(keys)["keys"][1]["x5c"]
        assert [x509.load_der_x509_certificate(base64.b64decode(c)) for c in x5c] == [
            leaf,
            intermediate[1],
        ]

    @pytest.mark.parametrize(
        ("problem", "message"),
        [
            ("other key", "is not the signing key's"),
            ("no non-repudiation", "non-repudiation"),
            ("expired", "not valid now"),
            ("p256 credential", "must be an Ed25519"),
            ("rsa-2048", "RSA >= 3072"),
        ],
    )
    def test_unfit_keys_are_refused(
        self,
        problem: str,
        message: str,
        tmp_path: Path,
        signing_settings: Settings,
        make_certificate: Callable[..., tuple[Any, x509.Certificate]],
        pem_private: Callable[[object], bytes],
    ) -> None:
        key, certificate = make_certificate(
            "EduCert document signing",
            non_repudiation=problem != "no non-repudiation",
            expired=problem == "expired",
            key=rsa.generate_private_key(65537, 2048) if problem == "rsa-2048" else None,
        )
        if problem == "other key":
            key = ec.generate_private_key(ec.SECP256R1())
        credential: object = ed25519.Ed25519PrivateKey.generate()
        if problem == "p256 credential":
            credential = ec.generate_private_key(ec.SECP256R1())
        (tmp_path / "doc.key").write_bytes(pem_private(key))
        (tmp_path / "doc.crt").write_bytes(certificate_pem(certificate))
        (tmp_path / "cred.key").write_bytes(pem_private(credential))
        settings = signing_settings(
            tmp_path,
            "production",
            document_signing_key_file=str(tmp_path / "doc.key"),
            document_signing_cert_file=str(tmp_path / "doc.crt"),
            credential_signing_key_file=str(tmp_path / "cred.key"),
        )
        with pytest.raises(SigningKeyError, match=message):
            load_signing_keys(settings)

    def test_unreadable_file_names_the_setting(
        self, tmp_path: Path, signing_settings: Settings
    ) -> None:
        settings = signing_settings(
            tmp_path,
            "production",
            document_signing_key_file=str(tmp_path / "missing.key"),
            document_signing_cert_file=str(tmp_path / "missing.crt"),
            credential_signing_key_file=str(tmp_path / "missing-cred.key"),
        )
        with pytest.raises(SigningKeyError, match="EDUCERT_DOCUMENT_SIGNING_KEY_FILE"):
            load_signing_keys(settings)


class TestPublicJwks:
    def test_publishes_the_credential_key_and_the_certificate(self, keys: SigningKeys) -> None:
        credential, document = public_jwks(keys)["keys"]
        assert credential["kty"] == "OKP" and credential["crv"] == "Ed25519"
        assert credential["use"] == "sig" and credential["kid"] == keys.credential_key_id
        raw = keys.credential_public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        assert _b64url_decode(credential["x"]) == raw
        assert "d" not in credential and "d" not in document
        assert document["kty"] == "EC" and document["crv"] == "P-256"
        leaf = x509.load_der_x509_certificate(base64.b64decode(document["x5c"][0]))
        assert leaf == keys.document_certificate
        numbers = leaf.public_key().public_numbers()  # type: ignore[union-attr]
        assert int.from_bytes(_b64url_decode(document["x"]), "big") == numbers.x  # type: ignore[union-attr]
        assert (
            _b64url_decode(document["x5t#S256"])
            == hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).digest()
        )

    def test_thumbprint_matches_rfc8037_example(self) -> None:
        # RFC 8037 Appendix A.2/A.3: the example Ed25519 key and its RFC 7638 thumbprint.
        x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        key = ed25519.Ed25519PublicKey.from_public_bytes(_b64url_decode(x))
        assert okp_thumbprint(key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
