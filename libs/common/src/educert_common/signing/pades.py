"""PAdES signatures on the platform's PDFs (pyHanko), and their offline check.

Signatures are PAdES baseline B-B: a CAdES detached CMS (`ETSI.CAdES.detached`) over the
whole file, the signer's certificate chain inside, the signing time in the signature
dictionary (`/M`; PAdES forbids the CMS signing-time attribute). An invisible signature: the
page already shows the verification code that people check online.

pyHanko's signing and validation entry points are coroutines; the plain functions here run
them with `asyncio.run`, so services (already in an event loop) call the `async_` ones.
"""

import asyncio
import io
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from educert_common.signing.keys import SigningKeys

SIGNATURE_FIELD = "EduCertSignature"
DIGEST = "sha256"
# Room for the CMS around the certificates: signed attributes, signer info, signature value.
CMS_OVERHEAD_BYTES = 2048


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What a PDF's signature proves; `ok` only when every part of it holds."""

    signed: bool
    intact: bool  # the signed bytes hash to what was signed
    valid: bool  # the signature over that hash verifies with the signer's key
    trusted: bool  # the signer's certificate chains to one of the given roots
    covers_whole_file: bool  # nothing was appended after signing
    signer_subject: str | None
    signing_time: datetime | None
    problem: str | None  # a short reason when not ok

    @property
    def ok(self) -> bool:
        return all((self.signed, self.intact, self.valid, self.trusted, self.covers_whole_file))


def sign_pdf(pdf: bytes, keys: SigningKeys, *, reason: str, location: str, name: str) -> bytes:
    """Sign a PDF (PAdES B-B) with the document key; outside any running event loop."""
    return asyncio.run(async_sign_pdf(pdf, keys, reason=reason, location=location, name=name))


async def async_sign_pdf(
    pdf: bytes, keys: SigningKeys, *, reason: str, location: str, name: str
) -> bytes:
    """Sign a PDF (PAdES B-B) with the document key (CPU-bound: a few milliseconds)."""
    signer, reserved = _signer_for(keys)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm=DIGEST,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = await signers.PdfSigner(metadata, signer).async_sign_pdf(
        writer, bytes_reserved=reserved
    )
    return bytes(output.getbuffer())


def check_pdf_signature(pdf: bytes, trust_roots: Sequence[x509.Certificate]) -> PdfSignatureCheck:
    """Check a PDF's signature against `trust_roots`, offline; outside any event loop."""
    return asyncio.run(async_check_pdf_signature(pdf, trust_roots))


async def async_check_pdf_signature(
    pdf: bytes, trust_roots: Sequence[x509.Certificate]
) -> PdfSignatureCheck:
    """Check a PDF's first signature with pyHanko's validator against `trust_roots`."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        embedded = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        return _unsigned(f"not a readable PDF ({error.__class__.__name__})")
    if not embedded:
        return _unsigned("the PDF carries no signature")
    context = ValidationContext(
        trust_roots=[_asn1_certificate(root) for root in trust_roots], allow_fetching=False
    )
    signature = embedded[0]
    try:
        # skip_diff: whatever was appended is refused, so there is nothing to judge.
        status = await async_validate_pdf_signature(signature, context, skip_diff=True)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        # Hostile input: whatever pyHanko cannot make sense of is simply not a valid signature.
        return PdfSignatureCheck(
            signed=True,
            intact=False,
            valid=False,
            trusted=False,
            covers_whole_file=False,
            signer_subject=None,
            signing_time=None,
            problem=f"the signature cannot be validated: {error}",
        )
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(embedded) == 1
    check = PdfSignatureCheck(
        signed=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        covers_whole_file=covers,
        signer_subject=status.signing_cert.subject.human_friendly,
        signing_time=status.signer_reported_dt,
        problem=None,
    )
    problem = next(_problems(check, status.trust_problem_indic), None)
    return PdfSignatureCheck(**{**check.__dict__, "problem": problem})


def _problems(check: PdfSignatureCheck, trust_problem: object) -> Iterator[str]:
    if not check.intact:
        yield "the document was changed after it was signed"
    if not check.valid:
        yield "the signature does not verify with the signer's key"
    if not check.covers_whole_file:
        yield "content was added after the signature (it does not cover the whole file)"
    if not check.trusted:
        reason = getattr(trust_problem, "name", None) or "no path to a trusted root"
        yield f"the signer's certificate is not trusted ({reason})"


def _unsigned(problem: str) -> PdfSignatureCheck:
    return PdfSignatureCheck(
        signed=False,
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_file=False,
        signer_subject=None,
        signing_time=None,
        problem=problem,
    )


# --- the signer, built once per key set -------------------------------------------------

_signers: "weakref.WeakKeyDictionary[SigningKeys, tuple[signers.SimpleSigner, int]]" = (
    weakref.WeakKeyDictionary()
)


def _signer_for(keys: SigningKeys) -> tuple[signers.SimpleSigner, int]:
    """The pyHanko signer for `keys` and the bytes to reserve for its CMS (built once)."""
    if (cached := _signers.get(keys)) is not None:
        return cached
    certificate = _asn1_certificate(keys.document_certificate)
    chain = [_asn1_certificate(cert) for cert in keys.document_chain]
    der = keys.document_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
    )
    signer.signed_attr_prov_spec = _PadesSignedAttributes(certificate)
    signature_bytes = (
        keys.document_key.key_size // 8 if isinstance(keys.document_key, rsa.RSAPrivateKey) else 0
    )
    # pyHanko reserves hex digits: two per byte of DER.
    reserved = 2 * (
        2 * len(certificate.dump())
        + sum(len(cert.dump()) for cert in chain)
        + signature_bytes
        + CMS_OVERHEAD_BYTES
    )
    _signers[keys] = (signer, reserved)
    return signer, reserved


class _PadesSignedAttributes(SignedAttributeProviderSpec):
    """The signed attributes pyHanko gives a PAdES signature, with the constant one prebuilt.

    pyHanko's default spec yields only signing-certificate-v2 for PAdES (plus content type
    and message digest, which it always adds). Rebuilding that attribute from a dict costs
    ~15 ms per signature in asn1crypto's encoder; parsed once from DER it costs nothing.
    """

    def __init__(self, certificate: asn1_x509.Certificate) -> None:
        value = as_signing_certificate_v2(certificate)
        self._provider = _ConstantAttribute(tsp.SigningCertificateV2.load(value.dump()))

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> Iterable[CMSAttributeProvider]:
        yield self._provider


class _ConstantAttribute(CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, value: tsp.SigningCertificateV2) -> None:
        self._value = value

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return self._value


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
