"""The applicant's gender and birth date are the verified account's: a step that differs
blocks (the account was verified against the ID card)."""

from certification.checks.model import Draft, Finding, blocking


def check(draft: Draft) -> list[Finding]:
    account = draft.account
    if account is None:
        return []
    found: list[Finding] = []
    for step, person in (
        ("applicant", draft.applicant),
        ("domestic_applicant", draft.domestic_applicant),
    ):
        if person is None:
            continue
        if person.gender != account.gender:
            found.append(
                blocking(
                    "gender_differs",
                    f"steps.{step}.gender",
                    "The gender differs from your verified account",
                    "性别与账号实名认证信息不一致",
                    account=account.gender,
                    given=person.gender,
                )
            )
        if person.birth_date != account.birth_date:
            found.append(
                blocking(
                    "birth_date_differs",
                    f"steps.{step}.birth_date",
                    "The birth date differs from your verified account",
                    "出生日期与账号实名认证信息不一致",
                    account=account.birth_date.isoformat(),
                    given=person.birth_date.isoformat(),
                )
            )
    return found
