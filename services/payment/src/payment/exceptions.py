"""Typed domain errors of the payment service (subclasses of DomainError)."""

from educert_common.errors import (
    Conflict,
    FieldError,
    NotFound,
    ServiceUnavailable,
    Text,
    ValidationFailed,
)


class OrderNotFound(NotFound):
    code = "order_not_found"
    title = Text("Order not found", "订单不存在")


class ProxyLinkNotFound(NotFound):
    code = "proxy_link_not_found"
    title = Text("This payment link does not exist or has expired", "代付链接不存在或已失效")


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"
    title = Text("No receipt with this code", "未找到该收据")


class OrderNotPayable(Conflict):
    code = "order_not_payable"
    title = Text("This order can no longer be paid", "该订单已无法支付")


class OrderAlreadyPaid(Conflict):
    code = "order_already_paid"
    title = Text("This has already been paid", "该项目已支付")


class OrderClosing(Conflict):
    code = "order_closing"
    title = Text(
        "The previous order for this is being closed; try again in a moment",
        "该项目的上一笔订单正在关闭，请稍后重试",
    )


class OrderNotPaid(Conflict):
    code = "order_not_paid"
    title = Text("This order has not been paid", "该订单尚未支付")


class NothingToRefund(Conflict):
    code = "nothing_to_refund"
    title = Text("Everything paid has already been refunded", "已无可退款金额")


class RefundKeyReused(Conflict):
    code = "refund_key_reused"
    title = Text("This Idempotency-Key was used for another refund", "该幂等键已用于另一笔退款")


class ChannelUnavailable(ValidationFailed):
    code = "channel_unavailable"
    title = Text("This payment channel is not offered", "不支持该支付渠道")


class ProviderUnavailable(ServiceUnavailable):
    code = "provider_unavailable"
    title = Text("The payment provider cannot be reached; try again", "支付渠道暂时不可用，请重试")


def field_error(field: str, code: str, en: str, zh: str) -> ValidationFailed:
    message = Text(en, zh)
    return ValidationFailed(message, errors=[FieldError(field, code, message)])


def refund_exceeds(refundable_fen: int) -> ValidationFailed:
    return field_error(
        "amount_fen",
        "exceeds_refundable",
        f"At most {refundable_fen} fen can still be refunded",
        f"最多还可退款 {refundable_fen} 分",
    )
