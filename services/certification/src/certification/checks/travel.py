"""The entry-exit records (from identity's face check) cover the on-site study abroad.

From the records, the intervals abroad run from an exit to the next entry back (an entry
first means abroad since before the records; a last exit, abroad since). Each on-site period
outside mainland China is intersected with them: under half of it abroad blocks, under 80%
warns; `details` give the coverage and the longest stretch in China. No records (the face
step skipped): no finding, the passport's entry-exit pages are then a required material.
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from certification.checks.model import Draft, Finding, blocking, warning

BLOCK_BELOW = 0.5
WARN_BELOW = 0.8
DAY = timedelta(days=1)

Interval = tuple[date, date]  # [from, until): the first day in, the first day out


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def abroad_intervals(records: Sequence[Mapping[str, Any]]) -> list[Interval]:
    """The stretches outside mainland China the crossings describe, oldest first."""
    crossings = sorted(
        (day, record.get("direction"))
        for record in records
        if (day := _day(record.get("date"))) is not None
        and record.get("direction") in ("exit", "entry")
    )
    if not crossings:
        return []
    intervals: list[Interval] = []
    # Before the first crossing: abroad if it is an entry back.
    left: date | None = date.min if crossings[0][1] == "entry" else None
    for day, direction in crossings:
        if direction == "exit" and left is None:
            left = day
        elif direction == "entry" and left is not None:
            if day > left:
                intervals.append((left, day))
            left = None
    if left is not None:
        intervals.append((left, date.max))
    return intervals


def coverage(start: date, end: date, intervals: list[Interval]) -> dict[str, Any]:
    """How much of the period [start, end] (days inclusive) was spent abroad, and its
    longest stretch in China (from, to inclusive)."""
    until = end + DAY
    days = (until - start).days
    abroad = 0
    gaps: list[Interval] = []
    cursor = start
    for left, right in intervals:
        left, right = max(left, start), min(right, until)
        if left >= right:
            continue
        if left > cursor:
            gaps.append((cursor, left))
        abroad += (right - left).days
        cursor = max(cursor, right)
    if cursor < until:
        gaps.append((cursor, until))
    largest = max(gaps, key=lambda gap: (gap[1] - gap[0]).days, default=None)
    return {
        "days": days,
        "days_abroad": abroad,
        "coverage_percent": round(100 * abroad / days, 1),
        "largest_gap": None
        if largest is None
        else {
            "from": largest[0].isoformat(),
            "to": (largest[1] - DAY).isoformat(),
            "days": (largest[1] - largest[0]).days,
        },
    }


def check(draft: Draft) -> list[Finding]:
    if not draft.foreign or draft.study is None or draft.records is None:
        return []
    if draft.type is not None and draft.type.study_mode == "distance":
        return []
    # Only on-site study outside mainland China is expected abroad.
    measured = [
        (index, period)
        for index, period in enumerate(draft.study.periods)
        if period.on_site and period.country != "CN"
    ]
    if not measured:
        return []
    if not draft.records:
        return [
            warning(
                "no_entry_exit_records",
                "steps.face",
                "The immigration record fetched with the face check lists no border "
                "crossing; upload the passport's entry-exit pages as other material",
                "人脸核验获取的出入境记录为空，请在其他材料中上传护照出入境记录页",
            )
        ]
    intervals = abroad_intervals(draft.records)
    found: list[Finding] = []
    for index, period in measured:
        covered = coverage(period.start, period.end, intervals)
        share = covered["days_abroad"] / covered["days"]
        if share >= WARN_BELOW:
            continue
        percent = covered["coverage_percent"]
        field = f"steps.study.periods.{index}"
        if share < BLOCK_BELOW:
            found.append(
                blocking(
                    "study_mostly_in_china",
                    field,
                    f"The entry-exit records show you abroad for {percent}% of this on-site "
                    "study period; correct the period or study mode",
                    f"出入境记录显示该段在校学习期间仅{percent}%的时间在境外，请核对学习时间或学习方式",
                    **covered,
                )
            )
        else:
            found.append(
                warning(
                    "study_partly_in_china",
                    field,
                    f"The entry-exit records show you abroad for {percent}% of this on-site "
                    "study period; a reviewer asks about the time in China",
                    f"出入境记录显示该段在校学习期间{percent}%的时间在境外，审核员将核实在境内的时间",
                    **covered,
                )
            )
    return found
