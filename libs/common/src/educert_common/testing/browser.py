"""A real headless Chromium for tests, on a closed network: load a page, read its DOM, list
every URL it asked for (from the browser's NetLog), take a screenshot; and a loopback server
that serves fixed pages with chosen headers."""

import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = (
    "browser tests need Debian's chromium: `apt-get install -y chromium` as root "
    "(`make install` does it when it runs as root on a machine with apt-get)"
)
# Long enough for a page's scripts (Swagger UI) to fetch and render; virtual time stands still
# while a request is in flight, so this bounds the page's own timers, not the network.
VIRTUAL_TIME_BUDGET_MS = 30_000
TIMEOUT_SECONDS = 180
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    # Chromium's own autofill lookup for pages with a form (content-autofill.googleapis.com)
    # carries the page's network key, so it would pass for a request of the page's.
    "--disable-features=AutofillServerCommunication",
    # A closed network: every name but loopback resolves to nothing.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def chromium() -> str:
    """Return the Chromium executable, failing the test with an install hint when missing."""
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        import pytest  # only tests call this; the library itself does not need pytest

        pytest.fail(INSTALL_HINT, pytrace=False)
    return found


def render(
    url: str,
    work_dir: Path,
    *,
    width: int | None = None,
    height: int | None = None,
    virtual_time_budget_ms: int = VIRTUAL_TIME_BUDGET_MS,
) -> tuple[str, list[str]]:
    """Load `url` headless with no network but loopback; return the DOM after the page's
    scripts ran and every URL the page requested (from the browser's NetLog)."""
    net_log = work_dir / "netlog.json"
    size = [f"--window-size={width},{height}"] if width and height else []
    result = _run(
        [
            f"--user-data-dir={work_dir / 'profile'}",
            f"--log-net-log={net_log}",
            f"--virtual-time-budget={virtual_time_budget_ms}",
            *size,
            "--dump-dom",
            url,
        ]
    )
    where = urlsplit(url)
    return result.stdout, requested_urls(net_log, f"{where.scheme}://{where.hostname}")


def screenshot(url_or_file: str | Path, path: Path, *, width: int, height: int) -> None:
    """Save a PNG of the page as a `width` x `height` window shows it (closed network)."""
    url = url_or_file.resolve().as_uri() if isinstance(url_or_file, Path) else url_or_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        _run(
            [
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                f"--window-size={width},{height}",
                f"--screenshot={path.resolve()}",
                url,
            ]
        )
    if not path.exists():
        raise AssertionError(f"chromium wrote no screenshot to {path}")


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


@contextmanager
def serve_pages(pages: Mapping[str, tuple[str, Mapping[str, str]]]) -> Iterator[str]:
    """Serve each path's (HTML, headers) on 127.0.0.1 (404 for anything else); yield the
    base URL. Every request is answered, so a stray fetch is seen in the NetLog, not hung."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = pages.get(urlsplit(self.path).path)
            body = (found[0] if found else "not found").encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (found[1] if found else {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _run(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [chromium(), *FLAGS, *arguments],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"chromium exited {result.returncode}: {result.stderr[-3000:]}")
    return result
