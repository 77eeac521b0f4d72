"""Pre-submission checks: what the steps of a draft say against each other, the verified
account and the entry-exit records, before anyone reviews them. Pure functions over the
steps (no I/O), one module per concern; the findings are kept on the application, shown to
the applicant, and `blocking` ones refuse the submit. The rules are tabled in
docs/certification.md ("Pre-submission checks")."""

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from certification.checks import dates, domestic, mode, names, person, study, travel
from certification.checks.model import AccountFacts, Draft, Finding
from certification.kinds import ApplicationKindSpec
from educert_common.clock import BEIJING

__all__ = ["Finding", "run_checks"]


CHECKS: tuple[Callable[[Draft], list[Finding]], ...] = (
    names.check,
    person.check,
    dates.check,
    study.check,
    travel.check,
    mode.check,
    domestic.check,
)


def run_checks(
    spec: ApplicationKindSpec,
    steps: Mapping[str, Any],
    *,
    account: AccountFacts | None,
    entry_exit_records: Sequence[Mapping[str, Any]] | None,
    today: date | None = None,
) -> list[Finding]:
    """Every finding for the draft's saved steps, blocking ones first. `today`: the caller's
    clock (Beijing date); without it, the wall clock's."""
    draft = Draft.of(
        spec,
        steps,
        account=account,
        today=today or datetime.now(BEIJING).date(),
        records=entry_exit_records,
    )
    found = [finding for check in CHECKS for finding in check(draft)]
    return sorted(found, key=lambda finding: finding.severity != "blocking")
