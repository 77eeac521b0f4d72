"""Settings refuse development secrets in production; storage checks content, not names."""

import io
from pathlib import Path

import pytest
from PIL import Image
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from educert_common.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from educert_common.settings import PlatformSettings, ServiceSettings
from educert_common.storage import IMAGE_TYPES, LocalFileStorage, UploadPolicy, inspect_upload


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore")

    service_name: str = "example"
    secret_key: str = "dev-only-not-a-secret"


def test_production_refuses_a_development_secret() -> None:
    production = PlatformSettings(environment="production")

    with pytest.raises(ValidationError, match="secret_key"):
        ExampleSettings(platform=production)


def test_production_refuses_a_development_secret_in_the_shared_settings() -> None:
    production = PlatformSettings(environment="production")
    vault = "s3cr3t-from-vault"

    with pytest.raises(ValidationError) as refused:
        ExampleSettings(platform=production, secret_key=vault)
    assert "platform.internal_token" in str(refused.value)
    assert "platform.id_number_index_secret" in str(refused.value)
    shared = PlatformSettings(
        environment="production", internal_token=vault, id_number_index_secret=vault
    )
    assert ExampleSettings(platform=shared, secret_key=vault).platform is shared


def test_database_url_is_derived_from_the_platform_prefix() -> None:
    platform = PlatformSettings(postgres_url="postgresql+asyncpg://db:5432", database_prefix="x_")

    assert ExampleSettings(platform=platform).resolved_database_url() == (
        "postgresql+asyncpg://db:5432/x_example"
    )


def image_bytes(kind: str, size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (173, 216, 230)).save(buffer, format=kind)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_type_comes_from_content_not_from_a_name() -> None:
    jpeg = inspect_upload(image_bytes("JPEG"), UploadPolicy())
    pdf = inspect_upload(PDF, UploadPolicy())

    assert (jpeg.media_type, jpeg.width, jpeg.height) == ("image/jpeg", 640, 480)
    assert pdf.media_type == "application/pdf"
    with pytest.raises(UnsupportedMediaType) as refused:
        inspect_upload(b"<html><script>alert(1)</script></html>", UploadPolicy(field="scan"))
    assert refused.value.errors[0].field == "scan"


def test_size_and_dimension_limits_hold() -> None:
    photo_policy = UploadPolicy(allowed_types=IMAGE_TYPES, exact_dimensions=(640, 480))

    with pytest.raises(PayloadTooLarge):
        inspect_upload(image_bytes("PNG"), UploadPolicy(max_bytes=100))
    with pytest.raises(ValidationFailed) as wrong_size:
        inspect_upload(image_bytes("JPEG", (800, 600)), photo_policy)
    assert wrong_size.value.errors[0].code == "image_dimensions"
    with pytest.raises(ValidationFailed) as corrupt:
        inspect_upload(image_bytes("PNG")[:200], UploadPolicy())
    assert corrupt.value.errors[0].code == "image_unreadable"


async def test_local_storage_is_content_addressed(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)
    content = image_bytes("PNG")

    first = await storage.put(content, UploadPolicy())
    second = await storage.put(content, UploadPolicy())

    assert first.key == second.key
    assert await storage.read(first.key) == content
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1  # noqa: ASYNC240
    with pytest.raises(NotFound):
        await storage.read("../../etc/passwd")
    with pytest.raises(NotFound):
        await storage.read("0" * 64)
