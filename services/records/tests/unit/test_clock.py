"""The records clock: the offset file moves it (development and tests), production refuses it."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from educert_common.clock import OffsetClock
from educert_common.db import utcnow
from educert_common.settings import PlatformSettings
from records.config import RecordsSettings
from records.runtime import clock_for


def test_production_refuses_a_clock_offset_file(tmp_path: Path) -> None:
    platform = PlatformSettings(
        environment="production", internal_token="x" * 32, id_number_index_secret="y" * 32
    )
    with pytest.raises(ValidationError, match="RECORDS_CLOCK_OFFSET_FILE"):
        RecordsSettings(
            platform=platform,
            clock_offset_file=str(tmp_path / "offset"),
            personal_data_secret="a-real-secret",
        )


def test_without_the_option_the_clock_is_the_real_one() -> None:
    settings = RecordsSettings(platform=PlatformSettings(environment="test"))
    assert clock_for(settings) is utcnow


def test_the_offset_follows_each_replacement_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "offset"
    clock = OffsetClock(path)
    assert abs(clock() - utcnow()) < timedelta(seconds=5)  # no file yet: real time
    for hours in (24, 48, 47):  # 48 and 47 hours: same size, replaced within one tick
        path.with_suffix(".new").write_text(str(hours * 3600.0))
        os.replace(path.with_suffix(".new"), path)
        assert abs(clock() - utcnow() - timedelta(hours=hours)) < timedelta(seconds=5)
