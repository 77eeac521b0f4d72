"""How the degree was studied. Distance learning: DOMAIN.md and the seeded guides do not say
whether it is certified (the centre's public rules exclude distance degrees, but accepted
online study during the 2020-2022 travel restrictions), so a warning that a reviewer decides,
not a refusal before anyone looked."""

from certification.checks.model import Draft, Finding, warning


def check(draft: Draft) -> list[Finding]:
    if not draft.foreign or draft.type is None or draft.type.study_mode != "distance":
        return []
    return [
        warning(
            "distance_learning",
            "steps.type.study_mode",
            "Degrees earned by distance learning are normally not certified; a reviewer "
            "decides, so explain the circumstances (e.g. online study during travel "
            "restrictions) in other materials",
            "远程教育获得的学历学位一般不予认证；审核员将根据具体情况（如疫情期间的线上学习）决定，"
            "请在其他材料中说明",
        )
    ]
