"""Typed errors of certificates."""

from educert_common.errors import Conflict, NotFound, Text


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    title = Text("Certificate not found", "认证证书不存在")


class CertificateRevoked(Conflict):
    """The certificate was revoked: it is no longer handed out, and cannot be revoked again."""

    code = "certificate_revoked"
    title = Text("The certificate was revoked", "该认证证书已被撤销")


class NoPaperReport(Conflict):
    code = "no_paper_report"
    title = Text(
        "Only a domestic certification with a paper report is dispatched by courier",
        "只有选择纸质报告的国内学历认证才需寄送",
    )


class NotRefused(Conflict):
    """A refusal letter exists only for a refused application (its state is named)."""

    code = "not_refused"
    title = Text("The application was not refused", "该申请未被拒绝认证")

    def __init__(self, state: str) -> None:
        super().__init__(
            Text(f"The application is {state.replace('_', ' ')}", f"申请当前状态为 {state}")
        )
        self.state = state
