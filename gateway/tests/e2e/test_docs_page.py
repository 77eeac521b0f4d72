"""/docs works on a closed network: a real headless Chromium, denied every host but the
gateway, renders the platform's operations, and the page asked nothing of any other host."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from educert_common.testing.browser import render
from educert_gateway.testing import Platform

pytestmark = pytest.mark.e2e


async def test_docs_render_every_operation_without_outside_hosts(
    platform: Platform, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    document = (await client.get(f"{platform.gateway.url}/openapi.json")).json()
    assert "x-unavailable-services" not in document
    paths = set(document["paths"])
    assert len(paths) > 20

    dom, urls = render(f"{platform.gateway.url}/docs", tmp_path)

    # Swagger UI rendered the document: one block per operation, each naming its path.
    rendered = set(re.findall(r'class="opblock-summary-path"[^>]*data-path="([^"]+)"', dom))
    assert rendered == paths, sorted(paths - rendered)[:10]
    assert "Failed to load API definition" not in dom
    # The page and everything it loaded came from the gateway, and nothing else was asked for.
    gateway = urlsplit(platform.gateway.url).netloc
    fetched = {urlsplit(u).netloc for u in urls if urlsplit(u).scheme in {"http", "https"}}
    assert gateway in fetched
    assert fetched == {gateway}, sorted(fetched)
    assert any(u.endswith("/openapi.json") for u in urls)


async def test_docs_page_names_no_outside_host(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    page = (await client.get(f"{platform.gateway.url}/docs")).text
    hosts = set(re.findall(r"(?:https?:)?//([A-Za-z0-9.-]+)", page))
    assert hosts == set(), hosts
