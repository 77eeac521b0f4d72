"""Pre-submission checks through the API: a certificate name that is not the passport name
is shown on the application and refuses the submit, naming the field; once the name only
warns, the submit goes through."""

import pytest

from certification.testing import Applicant, foreign_steps

pytestmark = pytest.mark.e2e

FIELD = "steps.degree.name_on_certificate"


async def test_a_blocking_finding_refuses_the_submit_and_a_warning_does_not(
    applicant: Applicant,
) -> None:
    draft = await applicant.open()
    steps = foreign_steps()
    steps["degree"] = {**steps["degree"], "name_on_certificate": "Li Na"}
    await applicant.fill(draft["id"], steps)
    # The materials are all there: only the finding stands in the way.
    await applicant.upload_required(draft["id"])

    shown = await applicant.get(draft["id"])
    [finding] = shown["findings"]
    assert (finding["code"], finding["severity"], finding["field"]) == (
        "name_mismatch",
        "blocking",
        FIELD,
    )
    assert finding["details"] == {"passport": "ZHANG WEI", "certificate": "Li Na"}
    assert finding["message_zh"]

    refused = await applicant.submit(draft["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "submission_blocked"
    assert [(error["field"], error["code"]) for error in refused.json()["errors"]] == [
        (FIELD, "name_mismatch")
    ]
    assert (await applicant.get(draft["id"]))["state"] == "draft"

    # The certificate adds an English name: a warning the reviewer looks at, no refusal.
    corrected = await applicant.save(
        draft["id"], "degree", {**steps["degree"], "name_on_certificate": "David Wei ZHANG"}
    )
    assert corrected.status_code == 200, corrected.text
    [finding] = (await applicant.get(draft["id"]))["findings"]
    assert (finding["code"], finding["severity"], finding["field"]) == (
        "name_has_extra_parts",
        "warning",
        FIELD,
    )

    submitted = await applicant.submit(draft["id"])
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "awaiting_payment"
    assert [f["code"] for f in submitted.json()["findings"]] == ["name_has_extra_parts"]
