"""RFC 9457 problem responses for every error: domain, validation, routing and unexpected."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from educert_common.context import request_id_var
from educert_common.errors import DomainError, Text
from educert_common.i18n import Language, preferred_language

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://educert.local/problems/"

_STATUS_TEXTS: dict[int, tuple[str, Text]] = {
    400: ("bad_request", Text("Bad request", "请求有误")),
    401: ("not_authenticated", Text("Authentication is required", "需要登录")),
    403: ("permission_denied", Text("You may not do this", "无权执行此操作")),
    404: ("not_found", Text("Not found", "未找到")),
    405: ("method_not_allowed", Text("Method not allowed", "不支持此请求方法")),
    406: ("not_acceptable", Text("Not acceptable", "无法提供所需格式")),
    409: ("conflict", Text("Conflicts with the current state", "与当前状态冲突")),
    413: ("payload_too_large", Text("The request body is too large", "请求内容过大")),
    415: ("unsupported_media_type", Text("Unsupported media type", "不支持的内容类型")),
    422: ("validation_failed", Text("The request has invalid fields", "请求中有字段不合格")),
    429: ("too_many_requests", Text("Too many requests", "请求过于频繁")),
    500: ("internal_error", Text("Something went wrong on our side", "服务器内部错误")),
    502: ("bad_gateway", Text("The upstream service could not be reached", "上游服务不可用")),
    503: ("service_unavailable", Text("Temporarily unavailable", "暂时无法提供服务")),
    504: (
        "gateway_timeout",
        Text("The upstream service did not answer in time", "上游服务响应超时"),
    ),
}


class ProblemFieldError(BaseModel):
    """One refused field of a problem, named as a dotted path into the request."""

    field: str = Field(description="Dotted path: `email`, `items.0.amount`, `query.limit`.")
    code: str = Field(description="Stable machine code of what is wrong with the field.")
    message: str = Field(description="What is wrong, in the language the caller asked for.")


class Problem(BaseModel):
    """An error response (RFC 9457 problem details) with the platform's stable `code`."""

    type: str = Field(description="URI naming the kind of problem.")
    title: str
    status: int = Field(ge=400, le=599)
    code: str = Field(description="Stable machine code, e.g. `validation_failed`, `not_found`.")
    detail: str | None = None
    instance: str | None = Field(default=None, description="The path that was asked for.")
    errors: list[ProblemFieldError] | None = None
    request_id: str | None = Field(default=None, description="The request's X-Request-ID.")


def status_code_and_title(status: int) -> tuple[str, Text]:
    return _STATUS_TEXTS.get(status, ("error", Text("Error", "错误")))


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    if (request_id := request_id_var.get()) is not None:
        body["request_id"] = request_id
    return body


def problem_response(
    status: int,
    *,
    language: Language = "zh",
    code: str | None = None,
    title: Text | None = None,
    detail: Text | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    default_code, default_title = status_code_and_title(status)
    body = problem_body(
        status=status,
        code=code or default_code,
        title=(title or default_title).in_language(language),
        detail=detail.in_language(language) if detail else None,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        source, parts = parts[0], parts[1:]
        if source != "body" and parts:
            return f"{source}.{'.'.join(str(p) for p in parts)}"
    return ".".join(str(p) for p in parts) or "body"


_VALIDATION_MESSAGES_ZH = {
    "missing": "此字段为必填项",
    "json_invalid": "请求体不是合法的 JSON",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "int_parsing": "应为整数",
    "extra_forbidden": "不允许此字段",
}


def _validation_errors(exc: RequestValidationError, language: Language) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        error_type = str(error.get("type", "invalid"))
        message = str(error.get("msg", "invalid value"))
        if language == "zh":
            message = _VALIDATION_MESSAGES_ZH.get(error_type, message)
        errors.append(
            {"field": _field_path(error.get("loc", ())), "code": error_type, "message": message}
        )
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error leaving the app a problem+json response."""

    def language_of(request: Request) -> Language:
        return preferred_language(request.headers.get("accept-language"))

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        language = language_of(request)
        errors = [
            {"field": e.field, "code": e.code, "message": e.message.in_language(language)}
            for e in exc.errors
        ]
        return problem_response(
            exc.status,
            language=language,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            errors=errors,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = language_of(request)
        return problem_response(
            422,
            language=language,
            instance=request.url.path,
            errors=_validation_errors(exc, language),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            language=language_of(request),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(500, language=language_of(request), instance=request.url.path)
