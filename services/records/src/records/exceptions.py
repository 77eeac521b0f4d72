"""Typed domain errors of the records service (subclasses of DomainError)."""

from typing import ClassVar

from educert_common.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    Text,
    TooManyRequests,
    ValidationFailed,
)


class InstitutionNotFound(NotFound):
    code = "institution_not_found"
    title = Text("Institution not found", "院校不存在")


class InstitutionExists(Conflict):
    code = "institution_exists"
    title = Text("An institution with this code already exists", "该标识码的院校已存在")


class InstitutionInactive(PermissionDenied):
    code = "institution_inactive"
    title = Text(
        "This institution has merged or closed and no longer reports records",
        "该院校已合并或撤销，不能再上报学籍学历信息",
    )


class RecordNotFound(NotFound):
    code = "record_not_found"
    title = Text("Record not found", "记录不存在")


class RecordOwnedElsewhere(Conflict):
    code = "record_owned_elsewhere"
    title = Text(
        "This student number or certificate number belongs to another institution's record",
        "该学号或证书编号属于其他院校的记录",
    )


def field_error(field: str, code: str, en: str, zh: str) -> ValidationFailed:
    message = Text(en, zh)
    return ValidationFailed(message, errors=[FieldError(field, code, message)])


# The public new-student query (records.enrollment_query).


class _CaptchaRefused(ValidationFailed):
    """A captcha problem: 422 naming the field (captcha_id or captcha_answer)."""

    field: ClassVar[str] = "captcha_id"

    def __init__(self) -> None:
        super().__init__(errors=[FieldError(self.field, self.code, self.title)])


class CaptchaUnknown(_CaptchaRefused):
    code = "captcha_unknown"
    title = Text("No such captcha: ask for a new one", "验证码不存在,请重新获取")


class CaptchaExpired(_CaptchaRefused):
    code = "captcha_expired"
    title = Text("The captcha has expired: ask for a new one", "验证码已过期,请重新获取")


class CaptchaUsed(_CaptchaRefused):
    code = "captcha_used"
    title = Text(
        "The captcha was already used (each one answers once): ask for a new one",
        "验证码已使用(每个验证码仅可使用一次),请重新获取",
    )


class CaptchaWrong(_CaptchaRefused):
    field: ClassVar[str] = "captcha_answer"
    code = "captcha_wrong"
    title = Text("The captcha answer is wrong", "验证码错误")


class QueryRateLimited(TooManyRequests):
    code = "query_rate_limited"
    title = Text("Too many queries; try again later (see Retry-After)", "查询过于频繁,请稍后再试")


class CaptchaRateLimited(TooManyRequests):
    code = "captcha_rate_limited"
    title = Text(
        "Too many captchas from this network; try again later (see Retry-After)",
        "当前网络获取验证码过于频繁,请稍后再试",
    )


# photo checks and corrections -----------------------------------------------------------------


class PhotoCheckFinal(Conflict):
    code = "photo_check_final"
    title = Text(
        "The photo-check conclusion has taken effect and can no longer be changed",
        "图像校对结论已生效，不能再修改",
    )


class PhotoNotFound(NotFound):
    code = "photo_not_found"
    title = Text("This record has no photo", "该记录没有照片")


class CorrectionNotFound(NotFound):
    code = "correction_not_found"
    title = Text("Correction request not found", "更正申请不存在")


class CorrectionAlreadyOpen(Conflict):
    code = "correction_already_open"
    title = Text(
        "This record already has an open correction request",
        "该记录已有一份待处理的更正申请",
    )


class CorrectionAlreadyDecided(Conflict):
    code = "correction_already_decided"
    title = Text("This correction request has already been decided", "该更正申请已处理")


# Binding and the student's archive.


class RealnameRequired(PermissionDenied):
    code = "realname_required"
    title = Text(
        "Verify your real name first: records bind only to real-name verified accounts",
        "请先完成实名认证:学籍学历信息只能绑定到已实名认证的账号",
    )


class NoSuchRecord(NotFound):
    code = "no_such_record"
    title = Text(
        "No record matches this certificate number, graduation year and institution",
        "未找到与该证书编号、毕业年份和院校相符的记录",
    )


class RecordDetailsDiffer(ValidationFailed):
    code = "record_details_differ"
    title = Text(
        "The record's details differ from your account's real-name data; ask the institution "
        "that issued it to correct the record, then bind it again",
        "记录信息与您的实名信息不一致,请联系发证院校更正记录后再绑定",
    )


class RecordBoundElsewhere(Conflict):
    code = "record_bound_elsewhere"
    title = Text(
        "This record is already bound to another account; contact support if it is yours",
        "该记录已绑定到其他账号;如确属本人,请联系客服",
    )


class BindingRemoved(Conflict):
    code = "binding_removed"
    title = Text(
        "Support took this record out of your archive; contact support to bind it again",
        "该记录已由客服解除绑定;如需重新绑定,请联系客服",
    )


class BindingAttemptsExceeded(TooManyRequests):
    code = "binding_attempts_exceeded"
    title = Text(
        "Too many binding attempts today; try again tomorrow",
        "今日绑定尝试次数过多,请明天再试",
    )


class RecordNotBound(Conflict):
    code = "record_not_bound"
    title = Text("The record is not bound to any account", "该记录未绑定任何账号")


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"
    title = Text("Import job not found", "导入任务不存在")
