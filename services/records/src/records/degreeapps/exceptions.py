"""Typed errors of degree applications."""

from educert_common.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    Text,
    ValidationFailed,
)


class ApplicationNotFound(NotFound):
    code = "degree_application_not_found"
    title = Text("Degree application not found", "学位申请不存在")


class AlreadyApplied(Conflict):
    code = "degree_already_applied"
    title = Text(
        "You already applied in this round (each student applies once)",
        "您已在该批次提交过申请（每人只能申请一次）",
    )


class NotEligible(PermissionDenied):
    code = "degree_not_eligible"
    title = Text(
        "None of your records at this institution matches the round's level and education "
        "type (a graduated qualification or a current enrolment is needed)",
        "您在该院校没有符合本批次层次和学习形式的学籍或学历记录",
    )


class ApplicationLocked(Conflict):
    """A change the application's status does not allow (the status is named)."""

    code = "degree_application_locked"
    title = Text("The application cannot be changed now", "该申请当前不能修改")

    def __init__(self, status: str) -> None:
        super().__init__(
            Text(
                f"The application is {status}: it cannot be changed now",
                f"该申请状态为 {status}，当前不能修改",
            )
        )
        self.application_status = status


class WrongStatus(Conflict):
    code = "degree_application_wrong_status"
    title = Text("The application is not in a state that allows this", "该申请的状态不允许此操作")

    def __init__(self, status: str, action: str) -> None:
        super().__init__(
            Text(
                f"The application is {status}; it cannot be {action}",
                f"该申请状态为 {status}，不能执行此操作",
            )
        )


class ReceiptNotFound(NotFound):
    code = "degree_receipt_not_found"
    title = Text("No confirmed application has this receipt code", "未找到该回执码对应的申请")


class SlotNotFound(NotFound):
    code = "degree_material_not_found"
    title = Text("No such material on this application", "该申请没有此材料")


class ReportRefused(ValidationFailed):
    """The report code given for the registration form was refused (names `code`)."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        message = Text(en, zh)
        super().__init__(message, errors=[FieldError("code", code, message)])
