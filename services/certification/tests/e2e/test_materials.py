"""Application materials against the running certification process: uploads to the kind's
slots judged by content (PDF, JPEG, PNG), the slot's limits, a version per upload, listing and
download for the applicant and for reviewers, deletion while a draft, submit refused while a
required slot is empty, and the refusals each wrong upload gets (each naming its field)."""

import hashlib
import io
import uuid

import httpx
import pytest
from PIL import Image
from reportlab.lib import pdfencrypt

from certification.kinds import ENTRY_EXIT, kind_spec
from certification.testing import (
    Applicant,
    Stack,
    foreign_steps,
    pdf_bytes,
    reviewer_headers,
    verified_applicant,
)
from educert_common.testing.tokens import Tokens

pytestmark = pytest.mark.e2e

MB = 1024 * 1024


def image(kind: str, size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=kind)
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 200, 90)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def refusal(response: httpx.Response, status: int) -> tuple[str, str]:
    """The (field, code) of a problem answer with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    return error["field"], error["code"]


def problem_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["code"])


def slot_of(listing: dict, name: str) -> dict:
    return next(slot for slot in listing["slots"] if slot["name"] == name)


async def materials(applicant: Applicant, application_id: str) -> dict:
    response = await applicant.call("GET", f"/me/applications/{application_id}/materials")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_each_kind_is_taken_described_and_given_back(applicant: Applicant) -> None:
    draft = await applicant.open()
    pdf = pdf_bytes(3)
    uploaded = await applicant.upload(draft["id"], "degree_certificate", pdf, "学位证书.pdf")
    assert uploaded.status_code == 201, uploaded.text
    certificate = uploaded.json()
    version = certificate["current"]
    assert certificate["slot"] == "degree_certificate" and len(certificate["versions"]) == 1
    assert version["kind"] == "pdf" and version["pages"] == 3 and version["size"] == len(pdf)
    assert version["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert version["filename"] == "学位证书.pdf" and version["uploaded_by"] == "applicant"

    # Two passport files (the slot takes two): a JPEG with EXIF, and a PNG.
    jpeg = await applicant.upload(draft["id"], "passport", jpeg_with_exif(), "IMG_0001.JPG")
    png = await applicant.upload(draft["id"], "passport", image("PNG"), "../../page 2.png")
    assert jpeg.status_code == 201 and png.status_code == 201, (jpeg.text, png.text)
    jpeg_version, png_version = jpeg.json()["current"], png.json()["current"]
    assert (jpeg_version["kind"], jpeg_version["width"], jpeg_version["height"]) == (
        "jpeg",
        400,
        300,
    )
    assert jpeg_version["pages"] is None and jpeg_version["filename"] == "IMG_0001.jpg"
    assert png_version["kind"] == "png" and png_version["filename"] == "page 2.png"

    # A third is one too many for the slot.
    third = await applicant.upload(draft["id"], "passport", image("PNG"), "page3.png")
    assert refusal(third, 422) == ("passport", "too_many_files")

    listing = await materials(applicant, draft["id"])
    passport = slot_of(listing, "passport")
    assert passport["max_files"] == 2 and passport["required"] is True
    assert [m["current"]["kind"] for m in passport["materials"]] == ["jpeg", "png"]
    assert "degree_certificate" not in listing["missing"]
    assert {"transcript", "authorisation_letter"} <= set(listing["missing"])

    # Downloads: the PDF as uploaded; the JPEG without its camera metadata.
    base = f"/me/applications/{draft['id']}/materials"
    got = await applicant.call("GET", f"{base}/{certificate['id']}/versions/{version['id']}")
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''%E5%AD%A6" in got.headers["content-disposition"]
    photo = await applicant.call("GET", f"{base}/{jpeg.json()['id']}/versions/{jpeg_version['id']}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(photo.content).hexdigest() == jpeg_version["sha256"]
    assert b"SERIAL-123456" not in photo.content and b"PhoneMaker" not in photo.content
    assert Image.open(io.BytesIO(photo.content)).size == (400, 300)


async def test_content_decides_and_the_slot_limits_refuse(applicant: Applicant) -> None:
    draft = await applicant.open()

    async def upload(slot: str, content: bytes, name: str) -> httpx.Response:
        return await applicant.upload(draft["id"], slot, content, name)

    # A PNG named .jpg: the name claims another type than the content.
    renamed = await upload("degree_certificate", image("PNG"), "certificate.jpg")
    assert refusal(renamed, 422) == ("degree_certificate", "file_name_mismatch")
    # Not PDF, JPEG or PNG by content, whatever the name.
    text = await upload("transcript", b"just some text, honestly a pdf", "transcript.pdf")
    assert refusal(text, 415) == ("transcript", "file_type_not_allowed")
    # Over the slot's page limit (a degree certificate: 20 pages).
    assert kind_spec("foreign_degree").slot("degree_certificate").max_pages == 20  # type: ignore[union-attr]
    long = await upload("degree_certificate", pdf_bytes(21), "certificate.pdf")
    assert refusal(long, 422) == ("degree_certificate", "too_many_pages")
    assert (await upload("degree_certificate", pdf_bytes(20), "c.pdf")).status_code == 201
    # Encrypted, even with an empty user password.
    encrypted = pdf_bytes(2, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="owner"))
    locked = await upload("transcript", encrypted, "transcript.pdf")
    assert refusal(locked, 422) == ("transcript", "file_encrypted")
    # Larger than the slot's 10 MB.
    big = b"%PDF-1.7\n" + b"0" * (10 * MB)
    too_big = await upload("transcript", big, "transcript.pdf")
    assert refusal(too_big, 413) == ("transcript", "file_too_large")
    # A slot the kind does not have: named, with the kind's slots.
    wrong = await upload("diploma_scan", pdf_bytes(1), "scan.pdf")
    assert refusal(wrong, 422) == ("slot", "unknown_slot")
    assert "diploma_scan" in wrong.json()["errors"][0]["message"]
    assert "degree_certificate" in wrong.json()["errors"][0]["message"]
    # A file form field missing altogether.
    nothing = await applicant.call(
        "POST", f"/me/applications/{draft['id']}/materials/transcript", data={"x": "1"}
    )
    assert refusal(nothing, 422)[0].endswith("file")

    # Nothing refused was kept.
    listing = await materials(applicant, draft["id"])
    assert [len(slot["materials"]) for slot in listing["slots"] if slot["materials"]] == [1]


async def test_a_new_upload_of_a_file_is_a_new_version_and_the_old_stays(
    applicant: Applicant,
) -> None:
    draft = await applicant.open()
    first, second = pdf_bytes(1, text="first"), pdf_bytes(2, text="second")
    added = (await applicant.upload(draft["id"], "transcript", first, "t1.pdf")).json()
    again = await applicant.upload(
        draft["id"], "transcript", second, "t2.pdf", material_id=added["id"]
    )
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["id"] == added["id"]
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert body["current"]["sha256"] == hashlib.sha256(second).hexdigest()
    assert body["current"]["filename"] == "t2.pdf" and body["current"]["pages"] == 2
    old = await applicant.call(
        "GET",
        f"/me/applications/{draft['id']}/materials/{added['id']}/versions/"
        f"{body['versions'][0]['id']}",
    )
    assert old.status_code == 200 and old.content == first

    # A material of another slot cannot take a version here.
    other_slot = await applicant.upload(
        draft["id"], "degree_certificate", first, "c.pdf", material_id=added["id"]
    )
    assert refusal(other_slot, 422) == ("material_id", "wrong_slot")

    # Named under another slot, the file is not found there.
    elsewhere = await applicant.call(
        "DELETE", f"/me/applications/{draft['id']}/materials/passport/{added['id']}"
    )
    assert problem_code(elsewhere, 404) == "material_not_found"
    # Deleted while a draft: the slot is empty (missing again), the versions stay on record.
    deleted = await applicant.call(
        "DELETE", f"/me/applications/{draft['id']}/materials/transcript/{added['id']}"
    )
    assert deleted.status_code == 204, deleted.text
    listing = await materials(applicant, draft["id"])
    assert slot_of(listing, "transcript")["materials"] == [] and "transcript" in listing["missing"]
    gone = await applicant.call(
        "DELETE", f"/me/applications/{draft['id']}/materials/transcript/{added['id']}"
    )
    assert problem_code(gone, 404) == "material_not_found"
    rows = await applicant.stack.rows(
        "SELECT count(*) FROM material_versions WHERE material_id = :id",
        id=uuid.UUID(added["id"]),
    )
    assert rows[0][0] == 2


async def test_another_applicants_materials_are_not_found(
    applicant: Applicant, http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    draft = await applicant.open()
    added = (await applicant.upload(draft["id"], "transcript", pdf_bytes(1))).json()
    version = added["current"]["id"]
    other = await verified_applicant(http, stack, tokens, real_name="李娜", gender="female")
    base = f"/me/applications/{draft['id']}/materials"
    for response in (
        await other.call("GET", base),
        await other.upload(draft["id"], "transcript", pdf_bytes(1)),
        await other.call("GET", f"{base}/{added['id']}/versions/{version}"),
        await other.call("DELETE", f"{base}/transcript/{added['id']}"),
    ):
        assert response.status_code == 404, response.text
    # Nor through their own application: a material id belongs to one application.
    own = await other.open()
    borrowed = await other.call(
        "GET", f"/me/applications/{own['id']}/materials/{added['id']}/versions/{version}"
    )
    assert problem_code(borrowed, 404) == "material_not_found"
    # Reviewer routes are for reviewers.
    denied = await applicant.call("GET", f"/review/applications/{draft['id']}/materials")
    assert denied.status_code == 403


async def test_reviewers_read_submitted_materials(applicant: Applicant, tokens: Tokens) -> None:
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    pdf = pdf_bytes(2)
    added = (await applicant.upload(draft["id"], "degree_certificate", pdf, "deg.pdf")).json()
    removed = (await applicant.upload(draft["id"], "other", pdf_bytes(1), "x.pdf")).json()
    await applicant.call(
        "DELETE", f"/me/applications/{draft['id']}/materials/other/{removed['id']}"
    )
    headers = await reviewer_headers(tokens)
    base = f"{applicant.stack.url}/review/applications/{draft['id']}/materials"
    version = f"{base}/{added['id']}/versions/{added['current']['id']}"
    # A draft is the applicant's alone.
    assert (await applicant.http.get(base, headers=headers)).status_code == 404
    assert (await applicant.http.get(version, headers=headers)).status_code == 404

    await applicant.upload_required(draft["id"])
    assert (await applicant.submit(draft["id"])).status_code == 200
    listing = await applicant.http.get(base, headers=headers)
    assert listing.status_code == 200, listing.text
    other = slot_of(listing.json(), "other")["materials"]
    assert [m["id"] for m in other] == [removed["id"]] and other[0]["removed_at"] is not None
    assert listing.json()["missing"] == []
    got = await applicant.http.get(version, headers=headers)
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["cache-control"] == "private, no-store"
    missing = await applicant.http.get(
        f"{applicant.stack.url}/review/applications/{uuid.uuid4()}/materials", headers=headers
    )
    assert missing.status_code == 404


async def test_submit_needs_the_required_materials(applicant: Applicant) -> None:
    draft = await applicant.open()
    # Entry-exit pages are required only once the face check is skipped.
    assert slot_of(await materials(applicant, draft["id"]), "entry_exit_pages")["required"] is False
    assert ENTRY_EXIT.is_required({"face": {"mode": "face"}}) is False
    await applicant.fill(draft["id"], foreign_steps())
    listing = await materials(applicant, draft["id"])
    assert slot_of(listing, "entry_exit_pages")["required"] is True
    assert slot_of(listing, "joint_programme_proof")["required"] is False
    assert listing["missing"] == [
        "passport",
        "entry_exit_pages",
        "degree_certificate",
        "transcript",
        "authorisation_letter",
    ]
    for slot in ("passport", "degree_certificate", "transcript", "authorisation_letter"):
        assert (await applicant.upload(draft["id"], slot, pdf_bytes(1))).status_code == 201

    refused = await applicant.submit(draft["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "submission_blocked"
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("materials.entry_exit_pages", "missing")
    ]

    for page in range(3):  # a slot of several files
        pages = await applicant.upload(
            draft["id"], "entry_exit_pages", image("JPEG"), f"{page}.jpg"
        )
        assert pages.status_code == 201, pages.text
    submitted = await applicant.submit(draft["id"])
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "awaiting_payment"

    # Submitted: no more uploads or deletions without an open supplement request item.
    late = await applicant.upload(draft["id"], "other", pdf_bytes(1))
    assert refusal(late, 409) == ("state", "awaiting_payment")
    assert late.json()["code"] == "transition_not_allowed"
    listing = await materials(applicant, draft["id"])
    first = slot_of(listing, "passport")["materials"][0]["id"]
    kept = await applicant.call(
        "DELETE", f"/me/applications/{draft['id']}/materials/passport/{first}"
    )
    assert refusal(kept, 409) == ("state", "awaiting_payment")
