"""The row check every reported record goes through (API and bulk import alike)."""

from datetime import date

import pytest
from sqlalchemy import LargeBinary

from educert_common.testing.people import resident_id
from records.academic.rules import (
    RecordKind,
    RowContext,
    certificate_key,
    check_row,
    content_hash,
)
from records.config import RecordsSettings
from records.encrypted_fields import encrypted_columns
from records.models import Base

INSTITUTION = "4111010001"
CONTEXT = RowContext(INSTITUTION, frozenset({"10001"}), today=date(2026, 12, 2))
BORN = date(2001, 4, 5)
ID_NUMBER = resident_id(BORN, "female", order=12)


def status_row(**overrides: object) -> dict[str, object]:
    return {
        "student_number": "2019001",
        "name": "王芳",
        "gender": "女",
        "birth_date": "2001/04/05",
        "id_type": "居民身份证",
        "id_number": ID_NUMBER.lower(),
        "major": "  法学 ",
        "level": "本科",
        "study_form": "全日制",
        "education_type": "普通",
        "enrollment_date": "20190901",
        "study_years": "4",
        "status": "在籍",
        **overrides,
    }


def test_chinese_labels_and_loose_dates_normalise_to_codes() -> None:
    row = check_row(RecordKind.STUDENT_STATUS, status_row(), CONTEXT)
    assert row.ok, row.errors
    values = row.values
    assert values["gender"] == "female"
    assert values["level"] == "bachelor"
    assert values["status"] == "enrolled"
    assert values["birth_date"] == BORN
    assert values["enrollment_date"] == date(2019, 9, 1)
    assert values["major"] == "法学"
    assert values["id_number"] == ID_NUMBER  # upper case, as identity hashes it
    assert str(values["study_years"]) == "4.0"


def test_every_problem_of_a_row_is_named() -> None:
    row = check_row(
        RecordKind.STUDENT_STATUS,
        status_row(gender="男", level="学前班", enrollment_date="1990-09-01", study_years="9"),
        CONTEXT,
    )
    codes = {(e.field, e.code) for e in row.errors}
    assert ("gender", "gender_mismatch") in codes
    assert ("level", "invalid_choice") in codes
    assert ("enrollment_date", "before_1991") in codes
    assert ("study_years", "invalid_study_years") in codes


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("NO.00298959", "298959"),
        ("No. 298959", "298959"),
        ("00298959", "298959"),
        ("298959", "298959"),
        ("ｎｏ．００２９８９５９", "298959"),
        ("bj1995-0042", "BJ1995-0042"),
        ("NOR-0042", "NOR-0042"),
    ],
)
def test_certificate_numbers_match_with_or_without_no_and_leading_zeros(
    typed: str, stored: str
) -> None:
    assert certificate_key(typed) == stored


def test_an_e_registration_number_must_carry_the_school_code_and_graduation_year() -> None:
    base = {
        **status_row(),
        "certificate_number": "100011202305000123",
        "graduation_date": "2023-06-30",
        "conclusion": "毕业",
    }
    assert check_row(RecordKind.QUALIFICATION, base, CONTEXT).ok
    other = check_row(
        RecordKind.QUALIFICATION, {**base, "certificate_number": "100031202305000123"}, CONTEXT
    )
    assert [e.code for e in other.errors] == ["certificate_other_institution"]
    wrong_year = check_row(
        RecordKind.QUALIFICATION, {**base, "graduation_date": "2022-06-30"}, CONTEXT
    )
    assert [e.code for e in wrong_year.errors] == ["certificate_year_mismatch"]


def test_the_same_facts_have_the_same_fingerprint_and_a_change_another() -> None:
    first = check_row(RecordKind.STUDENT_STATUS, status_row(), CONTEXT).values
    again = check_row(RecordKind.STUDENT_STATUS, status_row(gender="female"), CONTEXT).values
    moved = check_row(RecordKind.STUDENT_STATUS, status_row(status="休学"), CONTEXT).values
    assert content_hash(RecordKind.STUDENT_STATUS, first, "h") == content_hash(
        RecordKind.STUDENT_STATUS, again, "h"
    )
    assert content_hash(RecordKind.STUDENT_STATUS, first, "h") != content_hash(
        RecordKind.STUDENT_STATUS, moved, "h"
    )


def test_every_encrypted_column_is_listed_for_rotation() -> None:
    """A new *_encrypted column must join records.encrypted_fields, or rotation misses it."""
    stored = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, LargeBinary) and column.name.endswith("_encrypted")
    }
    assert {spec.name for spec in encrypted_columns(RecordsSettings())} == stored
