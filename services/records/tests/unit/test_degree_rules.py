"""Degree application rules without processes: who a round takes, the snapshot's labels, the
slots' limits against the gateway's body limit, and the export's formula-safe cells."""

import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from educert_gateway.config import GatewaySettings
from records.academic.models import QualificationRecord, StudentStatusRecord
from records.degreeapps.documents import EXPORT_HEADER, export_line
from records.degreeapps.rules import SLOTS, snapshot_of
from records.rounds.rules import record_matches


def qualification(**fields: Any) -> QualificationRecord:
    values = {
        "id": uuid.uuid4(), "institution_id": "4199000001", "student_number": "S1",
        "name": "张三", "gender": "male", "birth_date": date(2000, 1, 2), "id_type": "resident_id",
        "certificate_number": "105421202305000001", "major": "法学", "level": "bachelor",
        "education_type": "adult", "study_form": "spare_time", "enrollment_date": None,
        "graduation_date": date(2023, 6, 30), "conclusion": "graduated", "version": 3,
        **fields,
    }  # fmt: skip
    return QualificationRecord(**values)


def enrolment(**fields: Any) -> StudentStatusRecord:
    values = {
        "id": uuid.uuid4(), "institution_id": "4199000001", "student_number": "S2",
        "name": "李四", "gender": "female", "birth_date": date(2001, 3, 4), "major": "法学",
        "level": "bachelor", "education_type": "adult", "enrollment_date": date(2020, 9, 1),
        "status": "enrolled", **fields,
    }  # fmt: skip
    return StudentStatusRecord(**values)


@pytest.mark.parametrize(
    ("record", "level", "education_type", "eligible"),
    [
        (qualification(), "bachelor", "adult", True),
        (qualification(), "bachelor", None, True),
        (qualification(education_type="regular"), "bachelor", "adult", False),
        (qualification(education_type=None), "bachelor", "adult", False),
        (qualification(level="junior_college"), "bachelor", None, False),
        (qualification(conclusion="completed"), "bachelor", "adult", False),
        (enrolment(), "bachelor", "adult", True),
        (enrolment(status="graduated"), "bachelor", "adult", True),
        (enrolment(status="withdrawn"), "bachelor", "adult", False),
        (enrolment(status="suspended"), "bachelor", None, False),
    ],
)
def test_who_a_round_takes(
    record: Any, level: str, education_type: str | None, eligible: bool
) -> None:
    assert record_matches(record, level=level, education_type=education_type) is eligible


def test_the_snapshot_is_the_record_with_labels_and_the_id_number_as_given() -> None:
    facts = snapshot_of(qualification(), id_number_masked="110***********1234")
    assert facts["name"] == "张三" and facts["id_number"] == "110***********1234"
    assert facts["level_zh"] == "本科" and facts["education_type_zh"] == "成人"
    assert facts["certificate_number"] == "105421202305000001"
    assert facts["graduation_date"] == "2023-06-30" and facts["enrollment_date"] == ""
    assert snapshot_of(enrolment(), id_number_masked="x")["enrollment_status"] == "enrolled"


def test_every_slot_fits_the_gateways_body_limit_with_room_for_the_form() -> None:
    limit = GatewaySettings.model_fields["max_body_bytes"].default
    assert SLOTS and all(slot.max_bytes <= limit - 64 * 1024 for slot in SLOTS.values())


def test_export_cells_that_look_like_formulas_are_quoted_and_materials_listed() -> None:
    row = SimpleNamespace(
        snapshot={"student_number": "S1", "name": "=HYPERLINK(\"http://x\")", "major": "+1+2"},
        status="returned", registration_report_code=None, submitted_at=None, approved_at=None,
        confirmed_at=None, receipt_code=None, disqualified_reason=None,
        return_reasons=[{"field": "photo", "reason": "@SUM(A1)"}], slots="photo,id_card_front",
    )  # fmt: skip
    line = dict(zip(EXPORT_HEADER, export_line(row, ["id_card_front", "photo", "diploma_scan"]),
                    strict=True))  # fmt: skip
    assert line["姓名 Name"] == '\'=HYPERLINK("http://x")' and line["专业 Major"] == "'+1+2"
    assert line["已上传材料 Materials uploaded"] == "id_card_front,photo"
    assert line["缺少材料 Materials missing"] == "diploma_scan"
    assert line["退回原因 Return reasons"] == "photo: @SUM(A1)"
    assert line["状态 Status"] == "已退回修改"
