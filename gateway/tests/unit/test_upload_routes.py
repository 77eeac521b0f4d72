"""Which paths the gateway lets carry a body past its general cap: certification's material
upload (a 10 MiB file plus the multipart envelope) and records' imports, and nothing else."""

import re

from educert_common.settings import PlatformSettings
from educert_gateway.config import GatewaySettings

APPLICATION = "0b6f7c1e-3f5a-4c2e-9d7b-1a2b3c4d5e6f"


def _takes_uploads(path: str) -> bool:
    settings = GatewaySettings(platform=PlatformSettings(environment="test"))
    return any(re.compile(pattern).match(path) for pattern in settings.upload_routes)


def test_a_material_upload_may_exceed_the_general_body_cap() -> None:
    base = f"/api/v1/certification/me/applications/{APPLICATION}/materials"
    assert _takes_uploads(f"{base}/degree_certificate")
    assert _takes_uploads(f"{base}/entry_exit_pages")
    # Listing, a version's download or a deletion (a material id, not a slot) are not uploads.
    assert not _takes_uploads(base)
    assert not _takes_uploads(f"{base}/{APPLICATION}")
    assert not _takes_uploads(f"{base}/degree_certificate/extra")
    assert not _takes_uploads(f"/api/v1/certification/me/applications/{APPLICATION}/steps/face")
