"""Typed errors of reports."""

from educert_common.errors import Conflict, NotFound, ServiceUnavailable, Text


class ReportNotFound(NotFound):
    code = "report_not_found"
    title = Text("Report not found", "报告不存在")


class ReportNotOpen(Conflict):
    """A change a report in its current state does not allow (the state is named)."""

    code = "report_not_open"
    title = Text("The report is not valid now", "该报告当前不在有效期内")

    def __init__(self, state: str) -> None:
        super().__init__(
            Text(f"The report is {state.replace('_', ' ')}", f"该报告的状态为 {state}")
        )
        self.state = state


class ReportNotPayable(Conflict):
    code = "report_not_payable"
    title = Text("The report is not awaiting payment", "该报告无需支付")


class PaymentUnavailable(ServiceUnavailable):
    code = "payment_unavailable"
    title = Text(
        "The payment service did not answer; the report waits for payment, try again",
        "支付服务暂不可用，报告等待支付，请稍后重试",
    )
