"""Typed domain errors of the notification service (subclasses of DomainError)."""

from educert_common.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    Text,
    ValidationFailed,
)
from notification.templates.rendering import TemplateProblem


class TemplateNotFound(NotFound):
    code = "template_not_found"
    title = Text("No such template", "模板不存在")


class RouteNotFound(NotFound):
    code = "route_not_found"
    title = Text("No route for this event type", "该事件类型没有路由")


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    title = Text("No such delivery", "投递记录不存在")


class InboxItemNotFound(NotFound):
    code = "inbox_item_not_found"
    title = Text("No such message", "消息不存在")


class MailNotFound(NotFound):
    code = "mail_not_found"
    title = Text("No such captured mail", "没有这封邮件")


class TemplateAlreadyExists(Conflict):
    code = "template_exists"
    title = Text(
        "A template for this key, channel and locale exists; edit it instead",
        "该模板（键、渠道、语言）已存在，请直接编辑",
    )


class NotResendable(Conflict):
    code = "delivery_not_resendable"
    title = Text("Only failed or dead deliveries can be resent", "只能重发失败的投递")


class MessageExpired(Conflict):
    code = "message_expired"
    title = Text("The message has expired; resending it is pointless", "消息已过期，无需重发")


class TemplateRefused(ValidationFailed):
    code = "template_invalid"
    title = Text("The template cannot be used", "模板不可用")

    @classmethod
    def from_problem(cls, problem: TemplateProblem) -> "TemplateRefused":
        message = Text(problem.detail, f"模板无效：{problem.detail}")
        return cls(message, errors=[FieldError(problem.field, problem.code, message)])


class RouteRefused(ValidationFailed):
    code = "route_invalid"
    title = Text("The route cannot be used", "路由不可用")


class AdminOnly(PermissionDenied):
    code = "essential_message_admin_only"
    title = Text(
        "Only an admin may change the templates and routes of essential messages "
        "(codes, links, security notices)",
        "只有管理员可以修改必要消息（验证码、链接、安全通知）的模板和路由",
    )
