"""The estimate as arithmetic on numbers: where the application is, what is ahead of it, and
how fast reviewers have been deciding lately. No database, no calendar: the service reads
the numbers (repository) and turns working days into a date (calendar).

A queued application is decided after the applications ahead of it and itself, at the rate
reviewers decided (certified, refused or returned) applications of its kind over the last
`window` working days: ceil((ahead + 1) / rate) working days. With fewer than
`min_decisions` decisions in the window there is no rate to trust, and the kind's nominal
review days stand in ("no_history"). Domestic kinds add the accepting institution's
confirmation as a fixed stage (nothing in the workflow records it yet); a returned
application first waits for its applicant (the median of recent resubmissions).
"""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Stage = Literal[
    "waiting_for_payment",
    "waiting_for_review",
    "in_review",
    "waiting_for_applicant",
    "waiting_for_institution",
]


@dataclass(frozen=True)
class Rules:
    """The settings the arithmetic reads (CertificationSettings estimate_* fields)."""

    window_working_days: int = 20
    min_decisions: int = 5
    institution_days: int = 10
    supplement_default_days: int = 10


@dataclass(frozen=True)
class History:
    """What reviewers and applicants did in the last `window_working_days` working days."""

    # Transitions of this kind to certified, refused or returned.
    decisions: int
    # Working days each recent resubmission took after its return.
    resubmit_days: Sequence[int] = ()


@dataclass(frozen=True)
class Situation:
    state: str
    nominal_review_days: int
    # Queued or in review before it (for an application not queued yet: all of them).
    ahead: int
    institution_stage: bool = False
    # Working days since it joined the queue (in review without history only).
    waited: int = 0


@dataclass(frozen=True)
class Plan:
    """The stages still ahead, in order, each in working days, and the one that holds it."""

    stages: list[tuple[Stage, int]]
    bottleneck: Stage
    basis: dict[str, Any] = field(default_factory=dict)

    @property
    def working_days(self) -> int:
        return sum(days for _, days in self.stages)


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def plan(situation: Situation, history: History, rules: Rules) -> Plan | None:
    """The plan for an open application, or None where no estimate applies (a draft, or a
    decided or withdrawn application)."""
    state = situation.state
    if state not in (
        "awaiting_payment",
        "submitted",
        "resubmitted",
        "in_review",
        "returned",
    ):
        return None
    throughput = history.decisions >= rules.min_decisions and history.decisions > 0
    institution = rules.institution_days if situation.institution_stage else 0
    # Without history the nominal days cover the whole turnaround, institution included.
    nominal_review = max(1, situation.nominal_review_days - institution)

    def review_days(position: int) -> int:
        if throughput:
            return max(1, _ceil_div(position * rules.window_working_days, history.decisions))
        return nominal_review

    basis: dict[str, Any] = {
        "method": "throughput" if throughput else "no_history",
        "queue_ahead": situation.ahead,
        "window_working_days": rules.window_working_days,
        "decisions_in_window": history.decisions,
        "decisions_per_working_day": (
            round(history.decisions / rules.window_working_days, 3) if throughput else None
        ),
        "nominal_review_days": situation.nominal_review_days,
    }
    stages: list[tuple[Stage, int]] = []
    held_by: Stage | None = None
    if state == "awaiting_payment":
        held_by = "waiting_for_payment"
        stages.append(("waiting_for_review", review_days(situation.ahead + 1)))
    elif state in ("submitted", "resubmitted"):
        stages.append(("waiting_for_review", review_days(situation.ahead + 1)))
    elif state == "in_review":
        if throughput:
            stages.append(("in_review", review_days(1)))
        else:
            stages.append(("in_review", max(1, nominal_review - situation.waited)))
    else:  # returned
        held_by = "waiting_for_applicant"
        if history.resubmit_days:
            supplement = math.ceil(statistics.median(history.resubmit_days))
            basis["supplement_wait"] = "median_recent"
            basis["resubmissions_in_window"] = len(history.resubmit_days)
        else:
            supplement = rules.supplement_default_days
            basis["supplement_wait"] = "default_setting"
        stages.append(("waiting_for_applicant", supplement))
        stages.append(("waiting_for_review", review_days(situation.ahead + 1)))
    if institution:
        stages.append(("waiting_for_institution", institution))
        basis["institution_stage"] = "fixed_setting"
    basis["stages"] = [{"stage": stage, "working_days": days} for stage, days in stages]
    # The applicant holds it (payment, supplements), else the longest stage left does
    # (the first of equals).
    bottleneck = held_by or max(stages, key=lambda stage: stage[1])[0]
    return Plan(stages, bottleneck, basis)
