"""One OpenAPI document for the platform, merged from every service's own.

Paths are kept as the services publish them (they already carry `/api/v1/<service>`), minus
anything under `/internal`. Every operation also declares the problems the gateway answers
itself (`declare_gateway_problems`). Components with the same name and the same content are kept
once; a name two services use for different things is prefixed with the service name in
the later service's part of the document (its `$ref`s are rewritten to match). A service
that does not answer is listed under `x-unavailable-services` instead of failing the whole.
"""

import asyncio
import copy
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from educert_common.http.contract import problem_response, problem_schemas

logger = logging.getLogger(__name__)

_REF_PREFIX = "#/components/"


def _rewrite_refs(node: Any, renames: Mapping[tuple[str, str], str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_REF_PREFIX):
                section, _, name = value[len(_REF_PREFIX) :].partition("/")
                new_name = renames.get((section, name))
                out[key] = f"{_REF_PREFIX}{section}/{new_name}" if new_name else value
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _is_internal(path: str) -> bool:
    return "internal" in path.lower().strip("/").split("/")


def merge_documents(
    documents: Mapping[str, Mapping[str, Any]],
    *,
    unavailable: Sequence[str] = (),
    title: str = "EduCert API",
    version: str = "0.1.0",
) -> dict[str, Any]:
    """Merge the services' documents (service name -> document) into one."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Every public EduCert API, as served through the gateway.",
        },
        "paths": {},
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            }
        },
        "security": [{}, {"bearerAuth": []}, {"apiKey": []}],
        "tags": [],
    }
    components: dict[str, dict[str, Any]] = merged["components"]
    tag_names: set[str] = set()
    operation_ids: set[str] = set()
    for service, raw in documents.items():
        document = copy.deepcopy(dict(raw))
        prefix = f"/api/v1/{service}"
        paths = {
            path: item
            for path, item in (document.get("paths") or {}).items()
            if (path == prefix or path.startswith(prefix + "/")) and not _is_internal(path)
        }
        own_components: dict[str, dict[str, Any]] = document.get("components") or {}
        renames: dict[tuple[str, str], str] = {}
        # Renaming one component changes the ones that refer to it: repeat until stable.
        while True:
            rewritten = _rewrite_refs(own_components, renames)
            added = False
            for section, entries in rewritten.items():
                if not isinstance(entries, dict):
                    continue
                existing = components.get(section, {})
                for name, value in entries.items():
                    if (section, name) in renames or name not in existing:
                        continue
                    if existing[name] != value:
                        renames[(section, name)] = f"{service}_{name}"
                        added = True
            if not added:
                break
        own_components = _rewrite_refs(own_components, renames)
        for section, entries in own_components.items():
            if not isinstance(entries, dict):
                continue
            target = components.setdefault(section, {})
            for name, value in entries.items():
                target[renames.get((section, name), name)] = value
        for path, item in _rewrite_refs(paths, renames).items():
            for operation in item.values() if isinstance(item, dict) else ():
                if isinstance(operation, dict) and "operationId" in operation:
                    if operation["operationId"] in operation_ids:
                        operation["operationId"] = f"{service}_{operation['operationId']}"
                    operation_ids.add(operation["operationId"])
            merged["paths"][path] = item
        for tag in document.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") not in tag_names:
                tag_names.add(tag["name"])
                merged["tags"].append(tag)
    declare_gateway_problems(merged)
    if not merged["tags"]:
        del merged["tags"]
    if unavailable:
        merged["x-unavailable-services"] = sorted(unavailable)
    return merged


# What the gateway itself can answer on any public operation: a credential it cannot verify
# (401), the rate limit (429), an upstream that fails or is too slow (502, 503, 504); and
# on operations with a body, one over the size limit (413).
GATEWAY_PROBLEM_STATUSES = (401, 429, 502, 503, 504)
GATEWAY_BODY_PROBLEM_STATUSES = (413,)


def declare_gateway_problems(document: dict[str, Any]) -> None:
    """Add the problems the gateway answers itself to every operation of `document`."""
    schemas = document["components"].setdefault("schemas", {})
    for name, schema in problem_schemas().items():
        schemas.setdefault(name, schema)
    for item in document["paths"].values():
        for operation in item.values() if isinstance(item, dict) else ():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            statuses = list(GATEWAY_PROBLEM_STATUSES)
            if "requestBody" in operation:
                statuses.extend(GATEWAY_BODY_PROBLEM_STATUSES)
            for status in statuses:
                responses.setdefault(str(status), problem_response(status))
            operation["responses"] = dict(sorted(responses.items()))


class OpenApiAggregator:
    """Fetch and merge the services' documents, caching the result briefly."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        upstreams: Mapping[str, str],
        cache_seconds: float,
        fetch_timeout_seconds: float,
    ) -> None:
        self.session = session
        self.upstreams = dict(upstreams)
        self.cache_seconds = cache_seconds
        self.timeout = aiohttp.ClientTimeout(total=fetch_timeout_seconds)
        self._cached: tuple[bytes, float] | None = None
        self._lock = asyncio.Lock()

    async def document(self) -> bytes:
        """Return the merged document as JSON bytes."""
        async with self._lock:
            if self._cached is not None and time.monotonic() < self._cached[1]:
                return self._cached[0]
            names = list(self.upstreams)
            results = await asyncio.gather(*(self._fetch(name) for name in names))
            documents = {n: d for n, d in zip(names, results, strict=True) if d is not None}
            unavailable = [n for n, d in zip(names, results, strict=True) if d is None]
            body = json.dumps(merge_documents(documents, unavailable=unavailable)).encode()
            # A degraded document is kept only for a moment, so a recovered service shows up.
            lifetime = self.cache_seconds if not unavailable else min(self.cache_seconds, 2.0)
            self._cached = (body, time.monotonic() + lifetime)
            return body

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        url = f"{self.upstreams[service]}/api/v1/{service}/openapi.json"
        try:
            async with self.session.get(url, timeout=self.timeout) as response:
                if response.status != 200:
                    logger.warning("no OpenAPI document", extra={"upstream": service})
                    return None
                document = await response.json(content_type=None)
                return document if isinstance(document, dict) else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.warning("no OpenAPI document", extra={"upstream": service, "error": repr(exc)})
            return None
