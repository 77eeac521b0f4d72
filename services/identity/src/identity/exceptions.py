"""Typed domain errors of the identity service (subclasses of DomainError)."""

from educert_common.errors import (
    Conflict,
    NotAuthenticated,
    ServiceUnavailable,
    Text,
    TooManyRequests,
    ValidationFailed,
)


class SigningKeyUnavailable(ServiceUnavailable):
    code = "signing_key_unavailable"
    title = Text("No signing key can be used right now", "暂无可用的签名密钥")


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    title = Text("The login name or password is wrong", "账号或密码错误")


class LoginLocked(TooManyRequests):
    code = "login_locked"
    title = Text(
        "Too many failed logins; try again later or reset the password",
        "登录失败次数过多,请稍后再试或找回密码",
    )


class RefreshTokenInvalid(NotAuthenticated):
    code = "refresh_token_invalid"
    title = Text("The refresh token is invalid, spent or revoked", "刷新令牌无效、已使用或已撤销")


class CodeRejected(ValidationFailed):
    code = "code_rejected"
    title = Text("The verification code is wrong or expired", "验证码错误或已过期")


class CodeRateLimited(TooManyRequests):
    code = "code_rate_limited"
    title = Text(
        "Too many codes requested; wait before asking again", "验证码请求过于频繁,请稍后再试"
    )


class LinkRejected(ValidationFailed):
    code = "activation_link_rejected"
    title = Text("The activation link is invalid, expired or used", "激活链接无效、已过期或已使用")


class ContactTaken(Conflict):
    code = "contact_taken"
    title = Text("Already registered to another account", "已被其他账号注册")


class IdNumberRegistered(Conflict):
    code = "id_number_registered"
    title = Text(
        "This ID number is already registered: recover that account, or file a duplicate-ID appeal",
        "该证件号码已注册:请先找回原账号,或提交证件号重复申诉",
    )


class RealnameLocked(Conflict):
    code = "realname_locked"
    title = Text(
        "Name, gender, ID number and validity cannot change after real-name verification",
        "实名认证后姓名、性别、证件号码和有效期不可修改",
    )


class RegistryUnavailable(ServiceUnavailable):
    code = "registry_unavailable"
    title = Text(
        "The population registry cannot be reached; try again later",
        "人口信息库暂时无法访问,请稍后再试",
    )


class FaceSessionClosed(Conflict):
    code = "face_session_closed"
    title = Text("The verification session is expired or finished", "核验会话已过期或已结束")


class CallbackRejected(NotAuthenticated):
    code = "callback_rejected"
    title = Text("The callback's signature or timestamp is not valid", "回调签名或时间戳无效")


class CallbackReplayed(Conflict):
    code = "callback_replayed"
    title = Text("This callback was already received", "该回调已处理")


class ApiKeyRejected(NotAuthenticated):
    code = "api_key_rejected"
    title = Text("The API key is unknown, expired or revoked", "API 密钥无效、已过期或已撤销")


class RegistrationRateLimited(TooManyRequests):
    code = "registration_rate_limited"
    title = Text(
        "Too many registrations from this network today; try again later",
        "当前网络今日注册次数过多,请稍后再试",
    )


class AppealRateLimited(TooManyRequests):
    code = "appeal_rate_limited"
    title = Text(
        "Too many appeals from this network today; try again later",
        "当前网络今日申诉次数过多,请稍后再试",
    )


class RealnameAttemptsExceeded(TooManyRequests):
    code = "realname_attempts_exceeded"
    title = Text(
        "Too many real-name checks for this account: an operator must help you now; contact "
        "support with your ID document",
        "该账号实名核验次数过多:请联系客服,由运营人员协助核验(请准备证件)",
    )


class RealnameIpLimited(TooManyRequests):
    code = "realname_rate_limited"
    title = Text(
        "Too many real-name checks from this network today; try again later",
        "当前网络今日实名核验次数过多,请稍后再试",
    )


class CaptchaRequired(TooManyRequests):
    code = "captcha_required"
    title = Text(
        "Too many failed logins for this account from unknown devices: solve a captcha "
        "(POST /captcha/challenges) and send its captcha_token with the login",
        "该账号在未知设备上登录失败次数过多:"
        "请先完成验证码(POST /captcha/challenges),并随登录请求提交 captcha_token",
    )


class CaptchaUnavailable(ServiceUnavailable):
    code = "captcha_unavailable"
    title = Text("No captcha can be offered right now", "暂时无法提供验证码")


class CaptchaRateLimited(TooManyRequests):
    code = "captcha_rate_limited"
    title = Text(
        "Too many captchas from this network today; try again later",
        "当前网络今日请求验证码过多,请稍后再试",
    )


class ReauthenticationRequired(NotAuthenticated):
    code = "reauthentication_required"
    title = Text(
        "Confirm with your current password (or log in again) to change a login contact",
        "更换登录邮箱或手机号需验证当前密码(或重新登录)",
    )
