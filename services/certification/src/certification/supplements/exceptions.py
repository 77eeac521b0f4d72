"""Errors of supplement requests."""

from educert_common.errors import Conflict, FieldError, NotFound, Text


class SupplementItemNotFound(NotFound):
    code = "supplement_item_not_found"
    title = Text("No such item in the open supplement request", "补交要求中没有该项")


class NotClaimant(Conflict):
    """Only the reviewer holding the claim acts on an application in review. A 409 (not a
    403): the reviewer may act on applications, this one is held by someone else (or by no
    one) right now, and that changes when it is claimed or released."""

    code = "not_claimed_by_you"
    title = Text(
        "Claim the application first: another reviewer (or no one) holds it",
        "请先领取该申请：它由其他审核员领取或尚未被领取",
    )


class SupplementsUnanswered(Conflict):
    code = "supplements_unanswered"
    title = Text(
        "Answer every item of the supplement request before resubmitting",
        "请先答复全部补交材料项再重新提交",
    )

    def __init__(self, errors: list[FieldError]) -> None:
        names = ", ".join(error.field for error in errors)
        super().__init__(
            Text(f"Items not answered yet: {names}", f"尚未答复的补交项：{names}"),
            errors=errors,
        )
