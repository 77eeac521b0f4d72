"""A route built on the file-slot helpers: every bad upload is a 413/415/422 problem naming
its field, never a 500; a good one is stored stripped and downloads with a safe name."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, File, Response, UploadFile

from educert_common.files import SlotSpec, accept_slot, download_headers
from educert_common.http.middleware import RequestContextMiddleware
from educert_common.http.problems import install_problem_handlers
from educert_common.storage import LocalFileStorage

from .samples import encrypted_pdf, huge_png, image_bytes, jpeg_with_gps, pdf_bytes

MB = 1024 * 1024
PHOTO = SlotSpec(
    "photo",
    "照片",
    "Photo",
    kinds=frozenset({"jpeg", "png"}),
    max_bytes=2 * MB,
    min_dimensions=(300, 400),
    max_dimensions=(4000, 4000),
)
PASSPORT = SlotSpec(
    "passport_pages", "护照页", "Passport pages", max_pages=2, max_files=3, required=False
)


def build_app(storage: LocalFileStorage) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.post("/applications")
    async def submit(
        photo: Annotated[list[UploadFile], File()],
        passport_pages: Annotated[list[UploadFile] | None, File()] = None,
    ) -> dict[str, object]:
        # Every slot is checked before any file is stored.
        photos = await accept_slot(PHOTO, photo)
        pages = await accept_slot(PASSPORT, passport_pages)
        stored = []
        for slot, accepted in [(PHOTO, a) for a in photos] + [(PASSPORT, a) for a in pages]:
            key = (await storage.put(accepted.content, slot.upload_policy(accepted.field))).key
            stored.append(accepted.stored(key))
        return {"files": [vars_of(row) for row in stored]}

    @app.get("/files/{key}")
    async def download(key: str, kind: str, name: str) -> Response:
        return Response(await storage.read(key), headers=download_headers(name, kind))  # type: ignore[arg-type]

    return app


def vars_of(row: object) -> dict[str, object]:
    return {name: getattr(row, name) for name in row.__slots__}  # type: ignore[attr-defined]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(LocalFileStorage(tmp_path)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


Part = tuple[str, tuple[str, bytes, str]]


def photo(name: str, data: bytes) -> Part:
    return ("photo", (name, data, "application/octet-stream"))


def page(name: str, data: bytes) -> Part:
    return ("passport_pages", (name, data, "application/pdf"))


PHOTO_OK = photo("photo.jpg", jpeg_with_gps())
PNG = image_bytes("PNG", (1200, 900))  # noise: ~3 MB
TWENTY_MB = b"\xff\xd8\xff" + b"\x00" * (20 * MB)

BAD: list[tuple[str, list[Part], int, str, str]] = [
    ("too-large", [photo("p.png", PNG)], 413, "photo", "file_too_large"),
    ("20MB", [photo("p.jpg", TWENTY_MB)], 413, "photo", "file_too_large"),
    ("pdf-as-photo", [photo("p.pdf", pdf_bytes(1))], 415, "photo", "file_type_not_allowed"),
    ("text", [photo("p.jpg", b"hello")], 415, "photo", "file_type_not_allowed"),
    (
        "png-as-jpg",
        [photo("p.jpg", image_bytes("PNG", (400, 500)))],
        422,
        "photo",
        "file_name_mismatch",
    ),
    ("small", [photo("p.jpg", image_bytes("JPEG", (100, 100)))], 422, "photo", "image_too_small"),
    ("bomb", [photo("p.png", huge_png())], 422, "photo", "image_too_large"),
    ("cut-jpeg", [photo("p.jpg", image_bytes("JPEG")[:9000])], 422, "photo", "file_unreadable"),
    ("empty", [photo("p.jpg", b"")], 422, "photo", "file_empty"),
    ("two-photos", [PHOTO_OK, PHOTO_OK], 422, "photo", "too_many_files"),
    (
        "encrypted",
        [PHOTO_OK, page("a.pdf", encrypted_pdf("pw"))],
        422,
        "passport_pages.0",
        "file_encrypted",
    ),
    (
        "long",
        [PHOTO_OK, page("a.pdf", pdf_bytes(1)), page("b.pdf", pdf_bytes(3))],
        422,
        "passport_pages.1",
        "too_many_pages",
    ),
    (
        "cut-pdf",
        [PHOTO_OK, page("a.pdf", pdf_bytes(2)[:700])],
        422,
        "passport_pages.0",
        "file_unreadable",
    ),
    (
        "four-pages",
        [PHOTO_OK] + [page("a.pdf", pdf_bytes(1))] * 4,
        422,
        "passport_pages",
        "too_many_files",
    ),
]


@pytest.mark.parametrize(
    ("files", "status", "field", "code"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
async def test_each_bad_upload_is_a_problem_naming_its_field(
    client: httpx.AsyncClient,
    files: list[tuple[str, tuple[str, bytes, str]]],
    status: int,
    field: str,
    code: str,
) -> None:
    response = await client.post("/applications", files=files, headers={"Accept-Language": "en"})

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == (field, code)
    assert error["message"]


async def test_a_missing_required_slot_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/applications", files=[("passport_pages", ("a.pdf", pdf_bytes(1), "application/pdf"))]
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["photo"]


async def test_good_uploads_are_stored_stripped_and_download_with_a_safe_name(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    files = [
        ("photo", ("../张三 证件照.JPG", jpeg_with_gps(), "image/jpeg")),
        ("passport_pages", ("护照.pdf", pdf_bytes(2), "application/pdf")),
    ]

    response = await client.post("/applications", files=files)

    assert response.status_code == 200, response.text
    photo, pages = response.json()["files"]
    assert (photo["kind"], photo["width"], photo["filename"]) == ("jpeg", 640, "张三 证件照.jpg")
    assert (pages["kind"], pages["pages"], pages["filename"]) == ("pdf", 2, "护照.pdf")
    stored = await LocalFileStorage(tmp_path).read(photo["key"])
    assert b"SERIAL-123456" not in stored and photo["sha256"] == photo["key"]
    download = await client.get(
        f"/files/{photo['key']}", params={"kind": "jpeg", "name": photo["filename"]}
    )
    assert download.content == stored
    assert download.headers["content-type"] == "image/jpeg"
    assert "filename*=UTF-8''%E5%BC%A0%E4%B8%89%20" in download.headers["content-disposition"]
