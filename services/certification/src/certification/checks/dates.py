"""Dates within sensible bounds: study starts at 14 at the earliest and has ended by today;
the degree is awarded after the study began, not in the future, and normally within two
years of its end; a qualification graduates after its study began."""

from datetime import date, timedelta

from certification.checks.model import Draft, Finding, add_years, blocking, warning

EARLIEST_AGE = 14
# A degree normally follows the study within this; later ones happen (theses), so: warning.
AWARD_AFTER_STUDY = timedelta(days=2 * 365)


def check(draft: Draft) -> list[Finding]:
    found: list[Finding] = []
    if draft.study is not None:
        for index, period in enumerate(draft.study.periods):
            field = f"steps.study.periods.{index}"
            found += _bounds(draft, f"{field}.start", period.start, f"{field}.end", period.end)
    if draft.degree is not None:
        found += _award(draft)
    if draft.qualification is not None:
        found += _qualification(draft)
    return found


def _bounds(
    draft: Draft, start_field: str, start: date, end_field: str, end: date
) -> list[Finding]:
    found: list[Finding] = []
    birth = draft.birth_date
    if birth is not None and start < add_years(birth, EARLIEST_AGE):
        found.append(
            blocking(
                "study_before_age_14",
                start_field,
                f"The study starts before you were {EARLIEST_AGE}: check the date",
                f"学习开始时间早于{EARLIEST_AGE}周岁，请核对日期",
                start=start.isoformat(),
                birth_date=birth.isoformat(),
            )
        )
    if end > draft.today:
        found.append(
            blocking(
                "study_not_ended",
                end_field,
                "The study ends in the future: only completed study is certified",
                "学习结束时间晚于今天：只能认证已完成的学习",
                end=end.isoformat(),
                today=draft.today.isoformat(),
            )
        )
    return found


def _award(draft: Draft) -> list[Finding]:
    degree = draft.degree
    assert degree is not None
    field = "steps.degree.awarded_on"
    awarded = degree.awarded_on
    if awarded > draft.today:
        return [
            blocking(
                "award_in_future",
                field,
                "The award date is in the future: only awarded degrees are certified",
                "授予日期晚于今天：只能认证已获得的学位",
                awarded_on=awarded.isoformat(),
                today=draft.today.isoformat(),
            )
        ]
    if draft.study is None:
        return []
    first = min(period.start for period in draft.study.periods)
    last = max(period.end for period in draft.study.periods)
    if awarded < first:
        return [
            blocking(
                "award_before_study",
                field,
                "The degree is awarded before the study began",
                "学位授予日期早于学习开始时间",
                awarded_on=awarded.isoformat(),
                study_start=first.isoformat(),
            )
        ]
    if awarded - last > AWARD_AFTER_STUDY:
        return [
            warning(
                "award_long_after_study",
                field,
                "The degree is awarded more than two years after the study ended; "
                "a reviewer asks why",
                "学位授予日期晚于学习结束两年以上，审核员将核实原因",
                awarded_on=awarded.isoformat(),
                study_end=last.isoformat(),
                days_after=(awarded - last).days,
            )
        ]
    return []


def _qualification(draft: Draft) -> list[Finding]:
    qualification = draft.qualification
    assert qualification is not None
    found = _bounds(
        draft,
        "steps.qualification.study_start",
        qualification.study_start,
        "steps.qualification.study_end",
        qualification.study_end,
    )
    graduated = qualification.graduated_on
    if graduated > draft.today:
        found.append(
            blocking(
                "graduation_in_future",
                "steps.qualification.graduated_on",
                "The graduation date is in the future",
                "毕业日期晚于今天",
                graduated_on=graduated.isoformat(),
                today=draft.today.isoformat(),
            )
        )
    elif graduated < qualification.study_start:
        found.append(
            blocking(
                "graduation_before_study",
                "steps.qualification.graduated_on",
                "The graduation date is before the study began",
                "毕业日期早于入学时间",
                graduated_on=graduated.isoformat(),
                study_start=qualification.study_start.isoformat(),
            )
        )
    return found
