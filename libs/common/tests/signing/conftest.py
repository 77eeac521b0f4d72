"""Real keys and real PDFs for the signing tests: development keys generated in a temporary
directory, and a one-page report drawn with the shared PDF machinery."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from educert_common.pdf import PageWriter, VerificationBlock, draw_verification_block, render_pdf
from educert_common.settings import PlatformSettings
from educert_common.signing import SigningKeys, SigningSettings, load_signing_keys

REPORT_CODE = "ABCD-2345-EFGH"
CERTIFICATE_NO = "NO.00298959"


def _signing_settings(directory: Path, environment: str = "test", **files: str) -> SigningSettings:
    return SigningSettings(
        platform=PlatformSettings(environment=environment),  # type: ignore[arg-type]
        signing_dev_dir=str(directory),
        **files,
    )


@pytest.fixture(scope="session")
def signing_settings() -> Callable[..., SigningSettings]:
    """Settings for a key directory: `signing_settings(dir, environment, **files)`."""
    return _signing_settings


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> SigningKeys:
    return load_signing_keys(_signing_settings(tmp_path_factory.mktemp("signing")))


def draw_report(page: PageWriter) -> None:
    page.title("学历认证报告", subtitle="Verification Report")
    page.key_values(
        [
            ("姓名 Name", "张**"),
            ("证书编号 Certificate", CERTIFICATE_NO),
            ("学校 Institution", "北京大学 Peking University"),
            ("层次 Level", "本科 Bachelor"),
        ]
    )
    page.paragraph("在线验证报告在有效期内可凭验证码查验。" * 2)
    draw_verification_block(
        page, VerificationBlock(code=REPORT_CODE, url="https://educert.example/v/ABCD2345EFGH")
    )


@pytest.fixture(scope="session")
def report_pdf() -> bytes:
    return render_pdf(draw_report, title="学历认证报告")


DocumentKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
CertificateMaker = Callable[..., tuple[DocumentKey, x509.Certificate]]


@pytest.fixture(scope="session")
def make_certificate() -> CertificateMaker:
    """Issue a certificate for a P-256 key (or `key`), self-signed unless an issuer is given."""

    def make(
        common_name: str,
        *,
        issuer: tuple[DocumentKey, x509.Certificate] | None = None,
        ca: bool = False,
        non_repudiation: bool = True,
        expired: bool = False,
        key: DocumentKey | None = None,
    ) -> tuple[DocumentKey, x509.Certificate]:
        key = key or ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        signer_key, issuer_name = (issuer[0], issuer[1].subject) if issuer else (key, name)
        now = datetime.now(UTC) - timedelta(days=60 if expired else 0, minutes=1)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=non_repudiation and not ca,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(signer_key, hashes.SHA256())
        )
        return key, certificate

    return make


def _pem_private(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="session")
def pem_private() -> Callable[[object], bytes]:
    """A private key as unencrypted PKCS#8 PEM."""
    return _pem_private
