"""Typed domain errors. Services raise these; one handler turns them into problem responses."""

from dataclasses import dataclass, field
from typing import ClassVar

from educert_common.i18n import Language


@dataclass(frozen=True, slots=True)
class Text:
    """A message in both languages the platform speaks."""

    en: str
    zh: str

    def in_language(self, language: Language) -> str:
        return self.zh if language == "zh" else self.en


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field that was refused, named as a dotted path into the request."""

    field: str
    code: str
    message: Text


class DomainError(Exception):
    """Base for every error a service raises on purpose; subclasses fix status, code and title."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[Text] = Text("Bad request", "请求有误")

    def __init__(
        self,
        detail: Text | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail.en if detail else self.title.en)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    title = Text("The request has invalid fields", "请求中有字段不合格")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    title = Text("Authentication is required", "需要登录")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    title = Text("You may not do this", "无权执行此操作")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = Text("Not found", "未找到")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = Text("Conflicts with the current state", "与当前状态冲突")


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    title = Text("The request body is too large", "请求内容过大")


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    title = Text("This type of content is not accepted", "不接受此类型的内容")


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    title = Text("Too many requests", "请求过于频繁")


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    title = Text("Temporarily unavailable", "暂时无法提供服务")


@dataclass
class Problems:
    """FieldErrors collected while checking one request."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, name: str, code: str, en: str, zh: str) -> None:
        self.errors.append(FieldError(name, code, Text(en, zh)))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(errors=self.errors)
