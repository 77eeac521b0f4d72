"""`educert-verify` run as a subprocess against real documents: development keys, a signed
PDF, signed credentials and status lists served by a real local HTTP server."""

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from educert_common.credentials import (
    StatusList,
    add_proof,
    build_credential,
    encode_multikey,
    status_entry,
    status_list_credential,
)
from educert_common.pdf import PageWriter, VerificationBlock, draw_verification_block, render_pdf
from educert_common.settings import PlatformSettings
from educert_common.signing import (
    SigningKeys,
    SigningSettings,
    certificate_pem,
    load_signing_keys,
    public_jwks,
    sign_pdf,
)
from educert_common.testing.browser import serve_pages
from educert_common.verification.cli_sources import printed_code

from .samples import CODE, sample_answer

CLI = Path(sys.executable).parent / "educert-verify"
API = "/api/v1/records"
ISSUER_NAME = "EduCert 学历学位认证平台"
REVOKED_INDEX = 4242
GOOD_INDEX = 77
NOW = datetime.now(UTC)
LOOKALIKE = "1024-8120-2305-0012"


def _keys(directory: Path) -> SigningKeys:
    settings = SigningSettings(
        platform=PlatformSettings(environment="test"),  # type: ignore[arg-type]
        signing_dev_dir=str(directory),
    )
    return load_signing_keys(settings)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> SigningKeys:
    return _keys(tmp_path_factory.mktemp("signing"))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("verify")


@dataclass
class Platform:
    """What the records service publishes, served from a real HTTP server on 127.0.0.1."""

    base: str
    pages: dict[str, tuple[str, dict[str, str]]]
    keys: SigningKeys

    @property
    def issuer(self) -> str:
        return f"{self.base}{API}/issuer"

    @property
    def key_id(self) -> str:
        return f"{self.issuer}#{self.keys.credential_key_id}"

    @property
    def status_list(self) -> str:
        return f"{self.base}{API}/status-lists/reports-1"

    def publish(self, path: str, document: Any) -> None:
        self.pages[path] = (json.dumps(document, ensure_ascii=False), {})

    def credential(
        self,
        *,
        index: int = GOOD_INDEX,
        valid_until: datetime | None = None,
        list_url: str | None = None,
    ) -> dict[str, Any]:
        document = build_credential(
            credential_id=f"{self.base}{API}/reports/{index}/credential",
            credential_type="EducationRecordReportCredential",
            issuer_id=self.issuer,
            issuer_name=ISSUER_NAME,
            valid_from=NOW - timedelta(days=30),
            valid_until=valid_until or NOW + timedelta(days=150),
            subject={
                "type": "EducationRecordReport",
                "verificationCode": CODE,
                "facts": {"name": "张三 ZHANG San", "level": "本科 Bachelor"},
            },
            status=status_entry(list_url or self.status_list, index, "revocation"),
        )
        return add_proof(
            document, self.keys.credential_key, verification_method=self.key_id, created=NOW
        )


@pytest.fixture(scope="module")
def platform(keys: SigningKeys) -> Iterator[Platform]:
    pages: dict[str, tuple[str, dict[str, str]]] = {}
    with serve_pages(pages) as base:
        site = Platform(base, pages, keys)
        site.publish(
            f"{API}/issuer",
            {
                "@context": ["https://www.w3.org/ns/cid/v1"],
                "id": site.issuer,
                "name": ISSUER_NAME,
                "verificationMethod": [
                    {
                        "id": site.key_id,
                        "type": "Multikey",
                        "controller": site.issuer,
                        "publicKeyMultibase": encode_multikey(keys.credential_public_key),
                    }
                ],
                "assertionMethod": [site.key_id],
            },
        )
        site.publish(f"{API}/issuer/jwks.json", public_jwks(keys))
        bits = StatusList()
        bits.set(REVOKED_INDEX, True)
        status_list = status_list_credential(
            list_url=site.status_list,
            issuer_id=site.issuer,
            issuer_name=ISSUER_NAME,
            purpose="revocation",
            status_list=bits,
            valid_from=NOW - timedelta(minutes=1),
            ttl=timedelta(minutes=5),
        )
        site.publish(
            f"{API}/status-lists/reports-1",
            add_proof(
                status_list, keys.credential_key, verification_method=site.key_id, created=NOW
            ),
        )
        yield site


def run(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *map(str, arguments)], capture_output=True, text=True, timeout=60, check=False
    )


def write(directory: Path, name: str, content: bytes | str | dict[str, Any]) -> Path:
    path = directory / name
    if isinstance(content, dict):
        content = json.dumps(content, ensure_ascii=False)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# --- PDF ----------------------------------------------------------------------------------


def _draw_report(page: PageWriter) -> None:
    page.title("学历认证报告", subtitle="Verification Report")
    page.key_values(
        [
            ("姓名 Name", "张三 ZHANG San"),
            ("层次 Level", "本科 Bachelor"),
            # A fact that looks like a code: the code is the one the printed URL repeats.
            ("证书编号 Certificate no.", LOOKALIKE),
        ]
    )
    url = f"https://educert.example{API}/v/{CODE.replace('-', '')}"
    draw_verification_block(page, VerificationBlock(code=CODE, url=url))


@pytest.fixture(scope="module")
def signed_pdf(keys: SigningKeys) -> bytes:
    pdf = render_pdf(_draw_report, title=f"Verification Report {CODE}")
    return sign_pdf(
        pdf, keys, reason=f"Verification Report {CODE}", location="test", name=ISSUER_NAME
    )


@pytest.fixture(scope="module")
def pdf_file(files: Path, signed_pdf: bytes) -> Path:
    return write(files, "report.pdf", signed_pdf)


@pytest.fixture(scope="module")
def trust(files: Path, keys: SigningKeys) -> Path:
    return write(files, "platform.pem", certificate_pem(keys.document_certificate))


def test_pdf_trusted_by_certificate_is_valid(pdf_file: Path, trust: Path) -> None:
    result = run(pdf_file, "--trust", trust)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "SIGNATURE VALID"
    for line in ("intact: yes", "valid: yes", "trusted: yes", "covers whole file: yes"):
        assert f"  {line}" in lines
    assert "  signer: " in result.stdout and "DEVELOPMENT" in result.stdout
    assert f"  verification code: {CODE}" in lines
    assert "current state (revoked, closed, expired) was not checked" in result.stdout
    assert result.stderr == ""


def test_pdf_trusted_by_published_jwks_is_valid(pdf_file: Path, platform: Platform) -> None:
    result = run(pdf_file, "--jwks", f"{platform.base}{API}/issuer/jwks.json", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    assert answer["verdict"] == "SIGNATURE VALID" and answer["exit_code"] == 0
    assert answer["intact"] and answer["valid"] and answer["trusted"]
    assert answer["covers_whole_file"] and answer["development_certificate"]
    assert answer["signed_at"].endswith("+00:00")


def test_printed_code_is_the_one_its_url_repeats() -> None:
    url = f"https://educert.example{API}/v/\n{CODE.replace('-', '')}"
    assert printed_code(f"{LOOKALIKE}\n{CODE}\n{url}\n") == CODE
    assert printed_code(f"{LOOKALIKE}\n{CODE}\n") is None  # two candidates, no URL
    assert printed_code(f"Verification code\n{CODE}\n") == CODE
    assert printed_code("no code here") is None


def test_pdf_without_trust_root_is_not_called_valid(pdf_file: Path) -> None:
    result = run(pdf_file)
    assert result.returncode == 3
    assert result.stdout.splitlines()[0] == "SIGNER NOT CHECKED"
    assert "signer not checked against a trusted certificate" in result.stdout
    assert "intact: yes" in result.stdout


def test_one_changed_byte_is_invalid(files: Path, signed_pdf: bytes, trust: Path) -> None:
    name = "ZHANG San".encode("utf-16-be")
    name_in_content = b"".join(b"\\000" + bytes([c]) for c in name[1::2])
    assert signed_pdf.count(name_in_content) == 1
    forged = signed_pdf.replace(name_in_content, name_in_content.replace(b"S", b"T"))
    assert len(forged) == len(signed_pdf)
    result = run(write(files, "forged.pdf", forged), "--trust", trust)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "INVALID SIGNATURE"
    assert "changed after it was signed" in result.stdout


def test_appended_revision_is_not_valid(files: Path, signed_pdf: bytes, trust: Path) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    buffer = io.BytesIO()
    writer.write(buffer)
    assert buffer.getvalue().startswith(signed_pdf)
    result = run(write(files, "amended.pdf", buffer.getvalue()), "--trust", trust)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "MODIFIED AFTER SIGNING"
    assert "covers whole file: NO" in result.stdout


def test_wrong_trust_root_is_untrusted(pdf_file: Path, files: Path, tmp_path: Path) -> None:
    stranger = write(files, "stranger.pem", certificate_pem(_keys(tmp_path).document_certificate))
    result = run(pdf_file, "--trust", stranger)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "UNTRUSTED SIGNER"
    assert "trusted: NO" in result.stdout


@pytest.mark.parametrize(
    ("state", "verdict", "code"),
    [("valid", "VALID", 0), ("revoked", "REVOKED", 1), ("closed", "CLOSED", 1)],
)
def test_pdf_online_state(
    pdf_file: Path, trust: Path, platform: Platform, state: str, verdict: str, code: int
) -> None:
    answer = sample_answer(state)  # type: ignore[arg-type]
    platform.pages[f"{API}/reports/verify/{CODE.replace('-', '')}"] = (
        answer.model_dump_json(),
        {},
    )
    result = run(pdf_file, "--trust", trust, "--online", platform.base)
    assert result.returncode == code, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == verdict
    assert f"    state: {state}" in lines
    since = answer.model_dump(mode="json")["state_since"]
    assert (f"    state since: {since}" in lines) == (since is not None)


def test_pdf_online_unreachable_is_undecided(pdf_file: Path, trust: Path) -> None:
    result = run(pdf_file, "--trust", trust, "--online", "http://127.0.0.1:9", "--timeout", "2")
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == "STATUS UNKNOWN"
    assert "VALID" not in result.stdout.replace("SIGNATURE VALID", "")


# --- credentials --------------------------------------------------------------------------


def test_good_credential_online_is_valid(platform: Platform, files: Path) -> None:
    result = run(write(files, "good.json", platform.credential()))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "VALID"
    assert f"  issuer: {platform.issuer}" in lines


def test_tampered_claim_is_invalid(platform: Platform, files: Path) -> None:
    credential = platform.credential()
    credential["credentialSubject"]["facts"]["level"] = "博士 Doctorate"
    result = run(write(files, "tampered.json", credential))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "INVALID SIGNATURE"


def test_hostile_values_cannot_fake_a_line(platform: Platform, files: Path) -> None:
    credential = platform.credential()
    credential["validFrom"] = "2026-01-01T00:00:00Z\nVALID\x1b[2J\x9b" + "x" * 5000
    result = run(write(files, "hostile.json", credential))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "INVALID SIGNATURE" and "VALID" not in lines[1:]
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout
    assert max(map(len, lines)) < 400
    as_json = run(files / "hostile.json", "--json")
    assert "\x9b" not in as_json.stdout and "\\u009b" in as_json.stdout
    assert json.loads(as_json.stdout)["valid_from"].startswith("2026-01-01T00:00:00Z\nVALID")


def test_revoked_credential_says_revoked(platform: Platform, files: Path) -> None:
    result = run(write(files, "revoked.json", platform.credential(index=REVOKED_INDEX)), "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["verdict"] == "REVOKED" and answer["state"] == "revoked"
    assert str(REVOKED_INDEX) in answer["reason"]


def test_expired_credential(platform: Platform, files: Path) -> None:
    expired = platform.credential(valid_until=NOW - timedelta(days=1))
    result = run(write(files, "expired.json", expired))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "EXPIRED"


def test_unreachable_status_list_is_never_valid(platform: Platform, files: Path) -> None:
    missing = platform.credential(list_url=f"{platform.base}{API}/status-lists/gone")
    result = run(write(files, "missing-list.json", missing))
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == "STATUS UNKNOWN"
    assert "HTTP 404" in result.stdout
    assert "\nVALID" not in "\n" + result.stdout


def test_offline_does_not_check_the_status(platform: Platform, files: Path) -> None:
    issuer = write(files, "issuer.json", json.loads(platform.pages[f"{API}/issuer"][0]))
    credential = write(files, "offline.json", platform.credential(index=REVOKED_INDEX))
    result = run(credential, "--offline", "--issuer", issuer)
    assert result.returncode == 3
    assert result.stdout.splitlines()[0] == "STATUS NOT CHECKED"
    assert "status not checked (offline)" in result.stdout

    status_list = json.loads(platform.pages[f"{API}/status-lists/reports-1"][0])
    list_file = write(files, "status-list.json", status_list)
    result = run(credential, "--offline", "--issuer", issuer, "--status-list", list_file)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "REVOKED"


def test_pinned_issuer_refuses_another_issuers_credential(
    platform: Platform, files: Path, tmp_path: Path
) -> None:
    impostor = Platform(platform.base, {}, _keys(tmp_path)).credential()
    issuer = write(files, "issuer-pinned.json", json.loads(platform.pages[f"{API}/issuer"][0]))
    result = run(write(files, "impostor.json", impostor), "--issuer", issuer)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "INVALID SIGNATURE"


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.txt", b"hello, this is not a report\n", "neither a PDF nor a JSON credential"),
        ("empty.pdf", b"", "neither a PDF nor a JSON credential"),
        ("list.json", b"[1, 2, 3]", "not a signed verifiable credential"),
        ("object.json", b'{"proof": 1', "is not JSON"),
        ("deep.json", b"{" + b'"a":[' * 100_000, "is not JSON"),
        ("binary.json", b"{\xff\xfe\x00", "is not JSON"),
    ],
)
def test_garbage_gives_one_line(files: Path, name: str, content: bytes, says: str) -> None:
    result = run(write(files, name, content))
    assert result.returncode == 2
    assert result.stdout.count("\n") == 1 and says in result.stdout
    assert result.stderr == ""


def test_truncated_pdf_gives_one_line(files: Path, signed_pdf: bytes, trust: Path) -> None:
    result = run(
        write(files, "truncated.pdf", signed_pdf[: len(signed_pdf) // 2]), "--trust", trust
    )
    assert result.returncode == 2
    assert result.stdout.startswith("CANNOT VERIFY: ") and result.stdout.count("\n") == 1
    assert result.stderr == ""


@pytest.mark.parametrize(("name", "size"), [("huge.pdf", 21), ("huge.json", 2)])
def test_huge_files_are_refused(files: Path, name: str, size: int) -> None:
    path = files / name
    with path.open("wb") as handle:
        handle.write(b"%PDF-1.7\n" if name.endswith(".pdf") else b'{"a": "')
        handle.truncate(size * 1024 * 1024)  # sparse: nothing is written to disk
    result = run(path)
    assert result.returncode == 2
    assert "larger than" in result.stdout and result.stdout.count("\n") == 1


def test_missing_file_and_misused_options(files: Path, pdf_file: Path) -> None:
    missing = run(files / "nowhere.pdf")
    assert missing.returncode == 2 and "cannot read" in missing.stdout
    misused = run(pdf_file, "--offline")
    assert misused.returncode == 2 and "do not apply to a PDF" in misused.stderr
