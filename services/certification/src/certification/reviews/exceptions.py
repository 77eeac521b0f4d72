"""Typed errors of the reviewer workbench and of decisions."""

from educert_common.errors import Conflict, FieldError, Text


class ClaimedByAnother(Conflict):
    """The application is held by another reviewer (reviewers may see who; applicants never
    reach these routes)."""

    code = "application_claimed"
    title = Text("Another reviewer holds this application", "该申请已由其他审核员领取")

    def __init__(self, claimed_by: str) -> None:
        detail = Text(
            f"The application is claimed by {claimed_by}; they (or an operator) must release it",
            f"该申请已由 {claimed_by} 领取，须其本人或运营人员释放",
        )
        super().__init__(detail, errors=[FieldError("claimed_by", claimed_by, detail)])
        self.claimed_by = claimed_by


class ClaimRequired(Conflict):
    code = "claim_required"
    title = Text("Claim the application before deciding it", "请先领取该申请再作决定")


class NotClaimed(Conflict):
    code = "application_not_claimed"
    title = Text("Nobody holds this application", "该申请未被领取")


class RefusalReasonExists(Conflict):
    code = "refusal_reason_exists"
    title = Text("A refusal reason with this code exists", "该拒绝理由代码已存在")
