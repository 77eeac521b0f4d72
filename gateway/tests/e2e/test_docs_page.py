"""/docs works on a closed network: a real headless Chromium, denied every host but the
gateway, renders the platform's operations, and the page asked nothing of any other host."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from educert_gateway.testing import Platform

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = (
    "the /docs browser test needs Debian's chromium: `apt-get install -y chromium` as root "
    "(`make install` does it when it runs as root on a machine with apt-get)"
)
# Long enough for Swagger UI to fetch and render the merged document; virtual time stands still
# while a request is in flight, so this bounds the page's own timers, not the network.
VIRTUAL_TIME_BUDGET_MS = 30_000


def chromium() -> str:
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return found


def render(url: str, work_dir: Path) -> tuple[str, list[str]]:
    """Load `url` headless with no network but loopback; return the DOM after the page's
    scripts ran and every URL the page requested (from the browser's NetLog)."""
    net_log = work_dir / "netlog.json"
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            f"--user-data-dir={work_dir / 'profile'}",
            # A closed network: every name but the gateway's address resolves to nothing.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--log-net-log={net_log}",
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    where = urlsplit(url)
    return result.stdout, requested_urls(net_log, f"{where.scheme}://{where.hostname}")


def requested_urls(net_log: Path, page_site: str) -> list[str]:
    """URLs the page asked for, from a Chromium NetLog: every request whose network isolation
    key names the page's site as the top frame (the navigation, its scripts, styles, fetches,
    to whatever host). The browser's own housekeeping (update checks) has another key."""
    text = net_log.read_text(encoding="utf-8", errors="replace").rstrip()
    if not text.endswith("}"):
        # Cut short: close the events array and the object so it parses.
        text = text.rstrip(",\n") + "]}"
    document = json.loads(text)
    start_job = document["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in document.get("events", []):
        params = event.get("params") or {}
        if event.get("type") != start_job or not isinstance(params.get("url"), str):
            continue
        if str(params.get("network_isolation_key", "")).split(" ")[0] == page_site:
            urls.append(params["url"])
    return urls


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
