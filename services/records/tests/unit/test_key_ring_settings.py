"""The personal-data key ring in records' settings (the same rule as identity's)."""

import pytest
from pydantic import ValidationError

from records.config import RecordsSettings


@pytest.mark.parametrize(
    ("key_id", "retired", "named"),
    [
        (2, {2: "old"}, "RECORDS_PERSONAL_DATA_KEY_ID=2 is also listed"),
        (2, {0: "old"}, "key ids 1-255"),
        (2, {1: ""}, "non-empty"),
    ],
)
def test_a_ring_that_cannot_work_is_refused_at_start(
    key_id: int, retired: dict[int, str], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        RecordsSettings(personal_data_key_id=key_id, personal_data_retired_secrets=retired)
    assert RecordsSettings(personal_data_key_id=2, personal_data_retired_secrets={1: "old"})
