"""Typed errors of photo upload attempts."""

from educert_common.errors import Conflict, NotFound, ServiceUnavailable, Text


class PhotoAttemptNotFound(NotFound):
    code = "photo_attempt_not_found"
    title = Text("Photo upload attempt not found", "照片上传记录不存在")


class PhotoUploadNotAllowed(Conflict):
    code = "photo_upload_not_allowed"
    title = Text(
        "A new photo may be uploaded only for a record without a photo or whose photo check "
        'concluded "wrong"',
        "仅当记录无照片或图像校对结论为“有误”时方可上传照片",
    )


class PhotoAttemptOpen(Conflict):
    code = "photo_attempt_open"
    title = Text(
        "An earlier photo upload attempt for this record is still open",
        "该记录已有未完成的照片上传申请",
    )


class PhotoAttemptNotInState(Conflict):
    """A move the attempt's current state does not allow (the state is named)."""

    code = "photo_attempt_state"
    title = Text(
        "The photo upload attempt does not allow this now", "照片上传申请当前状态不允许此操作"
    )

    def __init__(self, state: str) -> None:
        super().__init__(
            Text(
                f"The attempt is {state.replace('_', ' ')}",
                f"该申请的状态为 {state}",
            )
        )
        self.state = state


class PhotoPaymentUnavailable(ServiceUnavailable):
    code = "payment_unavailable"
    title = Text(
        "The payment service did not answer; the attempt waits for payment, try again",
        "支付服务暂不可用，照片上传申请等待支付，请稍后重试",
    )
