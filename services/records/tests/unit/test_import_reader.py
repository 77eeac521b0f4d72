"""Rows of an import file checked and shaped for staging: the same facts as the API's
versions, formulas and stray cells refused, and no submitted value in an error."""

import json
from datetime import date
from pathlib import Path

from educert_common.tabular import Table
from records.academic.rules import RecordKind, RowContext, check_row, content_hash
from records.config import RecordsSettings
from records.crypto import ID_NUMBER_CONTEXT, secrets_for
from records.imports.reader import RowChecker, checked_batches, stage_columns
from records.imports.samples import STUDENT_STATUS_HEADER_ZH, student_status_rows, write_csv

CONTEXT = RowContext("4111010001", frozenset({"10001"}), today=date(2026, 12, 2))
SECRETS = secrets_for(RecordsSettings())


def test_a_valid_row_is_staged_sealed_with_its_hash_and_the_versions_facts(
    tmp_path: Path,
) -> None:
    rows = list(student_status_rows(3, seed=5))
    path = write_csv(tmp_path / "a.csv", rows, header=STUDENT_STATUS_HEADER_ZH, encoding="gbk")
    checker = RowChecker(RecordKind.STUDENT_STATUS, CONTEXT, SECRETS)
    (batch,) = list(checked_batches(Table(path), checker, 100))
    assert (batch.rows_read, batch.rows_rejected, len(batch.staged)) == (3, 0, 3)
    staged = dict(zip(stage_columns(RecordKind.STUDENT_STATUS), batch.staged[0], strict=True))
    assert staged["row_number"] == 2
    id_number = rows[0][5]
    assert SECRETS.personal.decrypt(staged["id_number_encrypted"], context=ID_NUMBER_CONTEXT) == (
        id_number
    )
    assert staged["id_number_hash"] == SECRETS.id_index.of(id_number)
    raw = dict(zip(("student_number", "name", "gender", "birth_date", "id_type", "id_number",
                    "ethnicity", "major", "level", "study_form", "education_type",
                    "enrollment_date", "study_years", "status", "status_date"), rows[0],
                   strict=True))  # fmt: skip
    checked = check_row(RecordKind.STUDENT_STATUS, raw, CONTEXT)
    assert staged["content_hash"] == content_hash(
        RecordKind.STUDENT_STATUS, checked.values, staged["id_number_hash"]
    )
    facts = json.loads(staged["facts"])
    assert "id_number" not in facts and id_number not in staged["facts"]
    assert facts["study_years"] == "4.0" and facts["enrollment_date"] == "2019-09-01"
    assert facts["gender"] in ("male", "female") and facts["status"] == "enrolled"


def test_formulas_stray_cells_and_bad_values_are_reported_without_their_values(
    tmp_path: Path,
) -> None:
    rows = list(student_status_rows(3, seed=6))
    rows[0][7] = "=cmd|' /C calc'!A0"
    rows[1].append("extra")
    rows[2][5] = rows[2][5][:-1] + ("1" if rows[2][5][-1] != "1" else "2")
    path = write_csv(tmp_path / "b.csv", rows)
    checker = RowChecker(RecordKind.STUDENT_STATUS, CONTEXT, SECRETS)
    (batch,) = list(checked_batches(Table(path), checker, 100))
    assert (batch.rows_read, batch.rows_rejected, batch.staged) == (3, 3, [])
    found = {(number, field, code) for number, field, code, _ in batch.errors}
    assert (2, "major", "formula_not_allowed") in found
    assert (3, "row", "extra_cells") in found
    assert any(number == 4 and field == "id_number" for number, field, _, _ in batch.errors)
    messages = " ".join(m.en + m.zh for _, _, _, m in batch.errors)
    assert rows[2][5] not in messages and "calc" not in messages


def test_rows_checked_in_a_pool_of_processes_are_those_checked_in_one(tmp_path: Path) -> None:
    from records.imports.parallel import checked_batches_in_processes

    rows = list(student_status_rows(120, seed=8))
    rows[3][7] = "=1+1"
    rows[50][5] = rows[50][5][:-1] + ("1" if rows[50][5][-1] != "1" else "2")
    rows[70].append("extra")
    path = write_csv(tmp_path / "c.csv", rows, header=STUDENT_STATUS_HEADER_ZH)
    checker = RowChecker(RecordKind.STUDENT_STATUS, CONTEXT, SECRETS)
    alone = list(checked_batches(Table(path), checker, 25))
    pooled = list(
        checked_batches_in_processes(
            Table(path), RecordKind.STUDENT_STATUS, CONTEXT, RecordsSettings(), 25, 2
        )
    )

    def comparable(staged: tuple[object, ...]) -> tuple[object, ...]:
        # The sealed ID number differs at every encryption (random nonce): compare it opened.
        opened = SECRETS.personal.decrypt(staged[6], context=ID_NUMBER_CONTEXT)  # type: ignore[arg-type]
        return (*staged[:6], opened, *staged[7:])

    assert [b.rows_read for b in pooled] == [b.rows_read for b in alone]
    assert [b.errors for b in pooled] == [b.errors for b in alone]
    assert [[comparable(s) for s in b.staged] for b in pooled] == [
        [comparable(s) for s in b.staged] for b in alone
    ]
