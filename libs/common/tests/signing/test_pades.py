"""PAdES signatures on real reports, checked by pyHanko's own validator: what holds after
signing, and what an edit, an appended revision or a foreign root does to it."""

import io
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from educert_common.signing import (
    SigningKeys,
    SigningSettings,
    async_check_pdf_signature,
    async_sign_pdf,
    certificate_pem,
    check_pdf_signature,
    load_signing_keys,
    sign_pdf,
)
from educert_common.signing.pades import SIGNATURE_FIELD


def _in_content(text: str) -> bytes:
    """How reportlab writes Latin text in the CJK font: UTF-16BE with octal escapes."""
    return b"".join(b"\\000" + char.encode() for char in text)


CERTIFICATE_NO = _in_content("NO.00298959")


@pytest.fixture(scope="module")
def signed_pdf(report_pdf: bytes, keys: SigningKeys) -> bytes:
    return sign_pdf(
        report_pdf,
        keys,
        reason="学历认证报告 Verification report",
        location="Beijing",
        name="EduCert",
    )


def test_signed_report_validates(signed_pdf: bytes, keys: SigningKeys) -> None:
    check = check_pdf_signature(signed_pdf, [keys.document_certificate])
    assert check.ok, check.problem
    assert (check.signed, check.intact, check.valid, check.trusted) == (True,) * 4
    assert check.covers_whole_file
    assert check.problem is None
    assert check.signer_subject is not None and "DEVELOPMENT" in check.signer_subject
    assert check.signing_time is not None
    assert abs(check.signing_time - datetime.now(UTC)) < timedelta(minutes=5)


def test_signature_is_pades_baseline(signed_pdf: bytes) -> None:
    (signature,) = PdfFileReader(io.BytesIO(signed_pdf)).embedded_signatures
    assert signature.field_name == SIGNATURE_FIELD
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "学历认证报告 Verification report"
    assert signature.sig_object["/Location"] == "Beijing"
    assert "/M" in signature.sig_object  # the signing time lives here in PAdES
    signed_attributes = {attr["type"].native for attr in signature.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in signed_attributes
    assert "signing_time" not in signed_attributes  # forbidden by PAdES


def _poppler(tool: str) -> None:
    # `make install` installs poppler-utils where it can; a missing tool fails, never skips.
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is needed: apt-get install -y poppler-utils", pytrace=False)


def test_text_survives_signing(signed_pdf: bytes) -> None:
    _poppler("pdftotext")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=signed_pdf, capture_output=True, check=True
    ).stdout.decode()
    for expected in ("学历认证报告", "Verification Report", "ABCD-2345-EFGH", "NO.00298959"):
        assert expected in text


def test_poppler_agrees(signed_pdf: bytes, tmp_path: Path) -> None:
    """An independent validator (poppler's pdfsig, NSS underneath) accepts our ECDSA PAdES."""
    _poppler("pdfsig")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_pdf)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, check=True).stdout
    assert b"Signature is Valid" in report and b"Total document signed" in report
    assert b"ETSI.CAdES.detached" in report
    path.write_bytes(signed_pdf.replace(CERTIFICATE_NO, _in_content("NO.00298958")))
    report = subprocess.run(["pdfsig", str(path)], capture_output=True).stdout
    assert b"Digest Mismatch" in report


def test_one_changed_byte_breaks_it(signed_pdf: bytes, keys: SigningKeys) -> None:
    assert signed_pdf.count(CERTIFICATE_NO) == 1
    forged = signed_pdf.replace(CERTIFICATE_NO, _in_content("NO.00298958"))
    assert len(forged) == len(signed_pdf)
    check = check_pdf_signature(forged, [keys.document_certificate])
    assert check.signed and not check.intact and not check.ok
    assert check.problem == "the document was changed after it was signed"


def test_appended_revision_is_not_covered(signed_pdf: bytes, keys: SigningKeys) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    annotation = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (50, 50, 300, 80)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("证书已更正 corrected"),
                generic.NameObject("/DA"): generic.pdf_string("/Helv 12 Tf 0 g"),
            }
        )
    )
    page = writer.root["/Pages"]["/Kids"][0]
    page.get_object()["/Annots"] = generic.ArrayObject([annotation])
    writer.update_container(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    amended = buffer.getvalue()
    assert amended.startswith(signed_pdf) and len(amended) > len(signed_pdf)

    check = check_pdf_signature(amended, [keys.document_certificate])
    assert check.intact and check.valid and check.trusted  # the signed bytes are untouched
    assert not check.covers_whole_file and not check.ok
    assert check.problem is not None and "added after the signature" in check.problem


def test_another_root_is_untrusted(
    signed_pdf: bytes,
    make_certificate: Callable[..., tuple[Any, x509.Certificate]],
) -> None:
    _, stranger = make_certificate("Some Other Root CA", ca=True)
    check = check_pdf_signature(signed_pdf, [stranger])
    assert check.intact and check.valid and check.covers_whole_file
    assert not check.trusted and not check.ok
    assert check.problem is not None and "not trusted" in check.problem


def test_unsigned_pdf_says_so(report_pdf: bytes, keys: SigningKeys) -> None:
    check = check_pdf_signature(report_pdf, [keys.document_certificate])
    assert not check.signed and not check.ok
    assert check.problem == "the PDF carries no signature"


def test_garbage_is_not_a_pdf(keys: SigningKeys) -> None:
    check = check_pdf_signature(b"%PDF-1.4\nnot really", [keys.document_certificate])
    assert not check.signed and not check.ok
    assert check.problem is not None and check.problem.startswith("not a readable PDF")


async def test_async_variants_run_inside_an_event_loop(
    report_pdf: bytes, keys: SigningKeys
) -> None:
    signed = await async_sign_pdf(report_pdf, keys, reason="r", location="l", name="n")
    check = await async_check_pdf_signature(signed, [keys.document_certificate])
    assert check.ok, check.problem


def test_each_signature_is_fresh(report_pdf: bytes, keys: SigningKeys) -> None:
    first = sign_pdf(report_pdf, keys, reason="r", location="l", name="n")
    second = sign_pdf(report_pdf, keys, reason="r", location="l", name="n")
    assert first != second  # ECDSA nonces (and /M) differ; the cached signer is reusable
    assert check_pdf_signature(second, [keys.document_certificate]).ok


def test_rsa_3072_document_key_signs_and_validates(
    report_pdf: bytes,
    tmp_path: Path,
    signing_settings: Callable[..., SigningSettings],
    make_certificate: Callable[..., tuple[Any, x509.Certificate]],
    pem_private: Callable[[object], bytes],
) -> None:
    """For a CA that only issues RSA: the CMS space reserved grows with the signature."""
    key, certificate = make_certificate(
        "EduCert document signing (RSA)", key=rsa.generate_private_key(65537, 3072)
    )
    credential = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "doc.key").write_bytes(pem_private(key))
    (tmp_path / "doc.crt").write_bytes(certificate_pem(certificate))
    (tmp_path / "cred.key").write_bytes(pem_private(credential))
    keys = load_signing_keys(
        signing_settings(
            tmp_path,
            "production",
            document_signing_key_file=str(tmp_path / "doc.key"),
            document_signing_cert_file=str(tmp_path / "doc.crt"),
            credential_signing_key_file=str(tmp_path / "cred.key"),
        )
    )
    signed = sign_pdf(report_pdf, keys, reason="r", location="l", name="n")
    check = check_pdf_signature(signed, [certificate])
    assert check.ok, check.problem
    assert check.signer_subject is not None and "RSA" in check.signer_subject
