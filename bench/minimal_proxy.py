"""The yardstick for the gateway benchmark: a raw ASGI app that only forwards.

    python bench/minimal_proxy.py --port 9100 --upstream http://127.0.0.1:8002 [--client httpx]

One pooled client (aiohttp.ClientSession by default, or a default httpx.AsyncClient), no
auth, no limits, no header policy beyond dropping Host: what any forwarding costs here.
"""

import argparse
from typing import Any

import uvicorn


def make_app(upstream: str, client: str) -> Any:
    state: dict[str, Any] = {}
    drop = {b"host", b"connection", b"transfer-encoding", b"date", b"server"}

    async def lifespan(receive: Any, send: Any) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        if client == "httpx":
            import httpx

            state["client"] = httpx.AsyncClient()
        else:
            import aiohttp

            state["client"] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=4),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            )
        await send({"type": "lifespan.startup.complete"})
        await receive()
        if client == "httpx":
            await state["client"].aclose()
        else:
            await state["client"].close()
        await send({"type": "lifespan.shutdown.complete"})

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        url = upstream + scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"] if k not in drop
        ]
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if client == "httpx":
            response = await state["client"].request(
                scope["method"], url, headers=headers, content=body or None
            )
            out = [(k, v) for k, v in response.headers.raw if k.lower() not in drop]
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": out}
            )
            await send({"type": "http.response.body", "body": response.content})
            return
        async with state["client"].request(
            scope["method"], url, headers=headers, data=body or None, allow_redirects=False
        ) as response:
            payload = await response.read()
            out = [(k, v) for k, v in response.raw_headers if k.lower() not in drop]
            await send({"type": "http.response.start", "status": response.status, "headers": out})
            await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--client", choices=["aiohttp", "httpx"], default="aiohttp")
    args = parser.parse_args()
    uvicorn.run(
        make_app(args.upstream.rstrip("/"), args.client),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
