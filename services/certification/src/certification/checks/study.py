"""The study history fits the degree: a period at the awarding institution, periods that do
not overlap, and study at least as long as the level plausibly needs. All warnings: transfers,
exchanges and accelerated programmes are real, and a reviewer judges them."""

from datetime import date

from certification.applications.steps import StudyPeriod
from certification.checks.model import Draft, Finding, warning
from certification.checks.text import institution_key

# Shortest plausible study for a level, in months (one-year masters exist: 9 is the floor).
MINIMUM_MONTHS = {"associate": 12, "bachelor": 24, "master": 9, "doctor": 24}


def check(draft: Draft) -> list[Finding]:
    if draft.study is None:
        return []
    periods = list(draft.study.periods)
    found = _overlaps(periods)
    if draft.degree is not None:
        names = {institution_key(draft.degree.institution_name)}
        if draft.degree.institution_name_en:
            names.add(institution_key(draft.degree.institution_name_en))
        at_awarding = [p for p in periods if institution_key(p.institution_name) in names]
        if not at_awarding:
            found.append(
                warning(
                    "no_period_at_awarding_institution",
                    "steps.study.periods",
                    "No study period is at the institution that awarded the degree; "
                    "name it as the degree step does",
                    "学习经历中没有在授予学位院校的学习，请按学位信息中的院校名称填写",
                    institution=draft.degree.institution_name,
                )
            )
        found += _duration(draft.degree.level, at_awarding or periods)
    return found


def _overlaps(periods: list[StudyPeriod]) -> list[Finding]:
    found: list[Finding] = []
    ordered = sorted(enumerate(periods), key=lambda item: item[1].start)
    # Compared with the period reaching furthest so far, so a long one overlapping two
    # later ones is reported for both.
    reaching, *rest = ordered
    for index, period in rest:
        first_index, first = reaching
        if period.start < first.end:
            found.append(
                warning(
                    "study_periods_overlap",
                    f"steps.study.periods.{index}.start",
                    "Two study periods overlap; a reviewer asks how both were studied",
                    "两段学习经历时间重叠，审核员将核实",
                    periods=[first_index, index],
                    days=(min(first.end, period.end) - period.start).days,
                )
            )
        if period.end > first.end:
            reaching = (index, period)
    return found


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _duration(level: str, periods: list[StudyPeriod]) -> list[Finding]:
    # The union of the periods: overlapping ones count once.
    spans: list[tuple[date, date]] = []
    for period in sorted(periods, key=lambda p: p.start):
        if spans and period.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], period.end))
        else:
            spans.append((period.start, period.end))
    months = sum(_months(start, end) for start, end in spans)
    minimum = MINIMUM_MONTHS[level]
    if months >= minimum:
        return []
    return [
        warning(
            "study_shorter_than_level",
            "steps.study.periods",
            f"{months} months of study is short for a {level} degree "
            f"(usually at least {minimum}); a reviewer checks the programme",
            f"{months}个月的学习时间对该层次学位偏短（通常至少{minimum}个月），审核员将核实",
            level=level,
            months=months,
            minimum_months=minimum,
        )
    ]
