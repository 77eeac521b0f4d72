"""Typed errors of the certification service."""

from educert_common.errors import (
    Conflict,
    FieldError,
    NotFound,
    ServiceUnavailable,
    Text,
    ValidationFailed,
)


def field_error(field: str, code: str, en: str, zh: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(field, code, Text(en, zh))])


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    title = Text("Application not found", "申请不存在")


class TransitionNotAllowed(Conflict):
    """An action the state machine does not allow from the application's current state."""

    code = "transition_not_allowed"
    title = Text("Not possible in the application's current state", "申请当前状态不允许此操作")

    def __init__(self, action: str, state: str) -> None:
        detail = Text(
            f"The application is {state.replace('_', ' ')}: '{action}' is not possible",
            f"申请当前状态为 {state}，不能执行 {action}",
        )
        # The current state, machine-readable: errors[0].code.
        super().__init__(detail, errors=[FieldError("state", state, detail)])
        self.action = action
        self.state = state


class StepOutOfOrder(Conflict):
    code = "step_out_of_order"
    title = Text("Save the earlier steps first", "请先完成前面的步骤")

    def __init__(self, step: str, missing: list[str]) -> None:
        super().__init__(
            Text(
                f"Step '{step}' comes after {', '.join(missing)}, which are not saved yet",
                f"步骤 {step} 须在 {', '.join(missing)} 之后填写",
            )
        )
        self.missing = missing


class FaceNotVerified(Conflict):
    code = "face_not_verified"
    title = Text(
        "No passed face verification: do it in the app, or skip and upload the entry-exit pages",
        "尚未通过实人认证：请在App中完成，或跳过并上传出入境记录页",
    )


class DuplicateDegree(Conflict):
    code = "degree_already_applied"
    title = Text(
        "You already have an open application for this degree",
        "该学位已有进行中的认证申请",
    )


class TooManyOpenApplications(Conflict):
    code = "too_many_open_applications"
    title = Text("Too many open applications", "进行中的申请过多")


class SubmissionBlocked(Conflict):
    """Submitting with blocking findings or missing steps/materials; `errors` names each."""

    code = "submission_blocked"
    title = Text("The application cannot be submitted yet", "申请尚不能提交")


class PaymentUnavailable(ServiceUnavailable):
    code = "payment_unavailable"
    title = Text(
        "The payment service did not answer; the application waits for payment, try again",
        "支付服务暂不可用，申请等待支付，请稍后重试",
    )


class IdentityUnavailable(ServiceUnavailable):
    code = "identity_unavailable"
    title = Text("The identity service did not answer; try again", "身份服务暂不可用，请稍后重试")


class NotReconsiderable(Conflict):
    code = "not_reconsiderable"
    title = Text(
        "Only a decided application of yours can be reconsidered, once",
        "只能对本人已有结果的申请提出一次复议",
    )
