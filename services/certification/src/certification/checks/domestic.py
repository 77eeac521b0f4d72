"""Domestic qualification certification is for what the records service cannot show:
qualifications awarded 1991-2001, or never e-registered. One from 2002 on normally has its
e-registration form online at once: a warning (it may still be unregistered)."""

from certification.checks.model import Draft, Finding, warning

FIRST_E_REGISTERED_YEAR = 2002


def check(draft: Draft) -> list[Finding]:
    qualification = draft.qualification
    if qualification is None or qualification.graduated_on.year < FIRST_E_REGISTERED_YEAR:
        return []
    return [
        warning(
            "e_registration_available",
            "steps.qualification.graduated_on",
            "Qualifications from 2002 on are normally e-registered: the e-registration "
            "form (online report) is available at once, without certification",
            "2002年起的学历一般已电子注册，可直接申请《教育部学历证书电子注册备案表》，无需认证",
            graduation_year=qualification.graduated_on.year,
        )
    ]
