"""The estimate's arithmetic with the history injected: the queue ahead over recent
throughput, the nominal days without history, and the bottleneck it names."""

from certification.estimates.estimator import History, Rules, Situation, plan

RULES = Rules(window_working_days=20, min_decisions=5, institution_days=10,
              supplement_default_days=10)  # fmt: skip


def _queued(ahead: int, **kwargs: object) -> Situation:
    return Situation(state="submitted", nominal_review_days=10, ahead=ahead, **kwargs)  # type: ignore[arg-type]


def test_a_queued_application_waits_for_those_ahead_at_the_recent_rate() -> None:
    # 40 decisions in 20 working days: 2 a day; 9 ahead and itself -> 5 working days.
    found = plan(_queued(9), History(decisions=40), RULES)
    assert found is not None
    assert found.stages == [("waiting_for_review", 5)]
    assert found.bottleneck == "waiting_for_review"
    assert found.basis["method"] == "throughput"
    assert found.basis["decisions_per_working_day"] == 2.0
    assert found.basis["queue_ahead"] == 9


def test_a_longer_queue_takes_longer_and_faster_reviewers_shorten_it() -> None:
    history = History(decisions=20)
    short = plan(_queued(3), history, RULES)
    long = plan(_queued(30), history, RULES)
    assert short and long and long.working_days > short.working_days
    assert (short.working_days, long.working_days) == (4, 31)
    faster = plan(_queued(30), History(decisions=80), RULES)
    assert faster and faster.working_days == 8  # ceil(31 / 4)


def test_without_history_the_nominal_days_stand_in_and_say_so() -> None:
    found = plan(_queued(50), History(decisions=4), RULES)  # below min_decisions
    assert found and found.working_days == 10
    assert found.basis["method"] == "no_history"
    assert found.basis["decisions_per_working_day"] is None
    assert found.basis["queue_ahead"] == 50


def test_domestic_kinds_add_the_institution_which_may_be_the_bottleneck() -> None:
    domestic = Situation(state="submitted", nominal_review_days=20, ahead=1,
                         institution_stage=True)  # fmt: skip
    # No history: the nominal 20 days split into 10 of review and 10 at the institution.
    found = plan(domestic, History(decisions=0), RULES)
    assert found and found.stages == [("waiting_for_review", 10), ("waiting_for_institution", 10)]
    assert found.bottleneck == "waiting_for_review"  # the first of equals
    assert found.basis["institution_stage"] == "fixed_setting"
    # Fast reviewers: the institution holds it longest.
    quick = plan(domestic, History(decisions=100), RULES)
    assert quick and quick.stages == [("waiting_for_review", 1), ("waiting_for_institution", 10)]
    assert quick.bottleneck == "waiting_for_institution"


def test_a_returned_application_waits_for_its_applicant_first() -> None:
    returned = Situation(state="returned", nominal_review_days=10, ahead=4)
    found = plan(returned, History(decisions=20, resubmit_days=[2, 9, 3, 4]), RULES)
    assert found is not None
    assert found.bottleneck == "waiting_for_applicant"
    assert found.stages == [("waiting_for_applicant", 4), ("waiting_for_review", 5)]
    assert found.basis["supplement_wait"] == "median_recent"
    default = plan(returned, History(decisions=20), RULES)
    assert default and default.stages[0] == ("waiting_for_applicant", 10)
    assert default.basis["supplement_wait"] == "default_setting"


def test_payment_and_review_stages() -> None:
    paying = plan(Situation(state="awaiting_payment", nominal_review_days=10, ahead=0),
                  History(decisions=10), RULES)  # fmt: skip
    assert paying and paying.bottleneck == "waiting_for_payment"
    assert paying.stages == [("waiting_for_review", 2)]
    reviewing = Situation(state="in_review", nominal_review_days=10, ahead=0, waited=4)
    no_history = plan(reviewing, History(decisions=0), RULES)
    assert no_history and no_history.stages == [("in_review", 6)]
    assert no_history.bottleneck == "in_review"
    with_history = plan(reviewing, History(decisions=10), RULES)
    assert with_history and with_history.stages == [("in_review", 2)]


def test_no_estimate_for_drafts_and_final_states() -> None:
    for state in ("draft", "certified", "refused", "withdrawn"):
        situation = Situation(state=state, nominal_review_days=10, ahead=0)
        assert plan(situation, History(decisions=10), RULES) is None
