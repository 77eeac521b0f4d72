"""Estimated completion in Chinese working days (issue 11 item 7).

`on_submit` runs as an application joins the reviewers' queue (its date goes into the
submitted event, and it sets the SLA day `due_on`); `for_applicant` is the estimate on the
applicant's view of an application. See docs/certification.md, "Estimated completion".
"""

from certification.estimates.calendar import CalendarExhausted
from certification.estimates.service import estimate, for_applicant, on_submit

__all__ = ["CalendarExhausted", "estimate", "for_applicant", "on_submit"]
