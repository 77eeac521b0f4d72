"""Rows of an import file, checked and made ready to stage: the part that runs in a thread.

Each row goes through the same `rules.check_row` as a record reported through the API; a
valid row leaves with its ID number sealed, its keyed hash, its content hash and its facts
(the JSON of its version), in the column order of the staging table.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from educert_common.errors import FieldError, Text
from educert_common.tabular import Row, Table
from records.academic.rules import (
    KIND_FIELDS,
    PERSON_FIELDS,
    FieldMemo,
    RecordKind,
    RowContext,
    certificate_key,
    check_row,
    content_hash,
    orjson_writes_as_json,
)
from records.crypto import Secrets
from records.imports.columns import record_columns

FORMULA = Text("A formula is not accepted: enter the value itself", "不接受公式,请直接填写数值")
UNDECODABLE = Text(
    "Characters that do not decode in the file's encoding", "含有无法按文件编码识别的字符"
)
EXTRA_CELLS = Text("More cells than the header has columns", "单元格数量多于表头列数")


def stage_columns(kind: RecordKind) -> tuple[str, ...]:
    """The staging table's columns, in the order `checked_batches` fills them."""
    extra: tuple[str, ...] = ()
    if kind == RecordKind.QUALIFICATION:
        extra = ("certificate_key", "serial_key")
    elif kind == RecordKind.DEGREE:
        extra = ("certificate_key",)
    person = tuple(name for name in PERSON_FIELDS if name != "id_number")
    return (
        "row_number",
        *person,
        "id_number_encrypted",
        "id_number_hash",
        "content_hash",
        "facts",
        *KIND_FIELDS[kind],
        *extra,
    )


@dataclass
class Batch:
    staged: list[tuple[Any, ...]] = field(default_factory=list)
    # (row number, field, code, message)
    errors: list[tuple[int, str, str, Text]] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0


def _json_value(value: Any) -> Any:
    """What JSON cannot hold as it is (dates, Decimal) as text."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class RowChecker:
    """Checks rows of one kind for one institution and shapes the valid ones for staging."""

    def __init__(self, kind: RecordKind, context: RowContext, secrets: Secrets) -> None:
        self.kind = kind
        self.context = context
        self.secrets = secrets
        self.fact_names = tuple(n for n in (*PERSON_FIELDS, *KIND_FIELDS[kind]) if n != "id_number")
        self.person = tuple(name for name in PERSON_FIELDS if name != "id_number")
        # Each distinct value of a column is checked once per file (see `check_row`).
        self.memo: FieldMemo = {}

    def facts_json(self, values: Mapping[str, Any]) -> str:
        """The facts of a version as JSON: str and None as they are, dates in ISO form,
        anything else as its str() (staged as jsonb: the value counts, not the text)."""
        facts = {name: values.get(name) for name in self.fact_names}
        if orjson_writes_as_json(facts.values()):
            try:
                # Text, not bytes: the staging COPY's jsonb codec encodes a str.
                return orjson.dumps(facts, default=str).decode()
            except orjson.JSONEncodeError:
                pass  # a lone surrogate: json's text, which the COPY refuses as it always has
        return json.dumps(
            {k: v if v is None or isinstance(v, str) else _json_value(v) for k, v in facts.items()},
            ensure_ascii=False,
        )

    def check(self, row: Row, batch: Batch) -> None:
        batch.rows_read += 1
        problems: list[FieldError] = [
            FieldError(name, "formula_not_allowed", FORMULA) for name in row.formulas
        ]
        problems += [FieldError(n, "invalid_encoding", UNDECODABLE) for n in row.undecodable]
        if row.extra_cells:
            problems.append(FieldError("row", "extra_cells", EXTRA_CELLS))
        checked = check_row(self.kind, row.values, self.context, self.memo)
        # A field refused as a formula is also "required" to check_row: report it once.
        refused = {p.field for p in problems}
        problems += [e for e in checked.errors if e.field not in refused]
        if problems:
            batch.rows_rejected += 1
            batch.errors.extend((row.number, p.field, p.code, p.message) for p in problems)
            return
        values = checked.values
        id_hash = self.secrets.id_index.of(values["id_number"])
        fingerprint = content_hash(self.kind, values, id_hash)
        facts = self.facts_json(values)
        staged: list[Any] = [row.number]
        staged += [values.get(name) for name in self.person]
        staged += [self.secrets.seal_id_number(values["id_number"]), id_hash, fingerprint, facts]
        staged += [values.get(name) for name in KIND_FIELDS[self.kind]]
        if self.kind in (RecordKind.QUALIFICATION, RecordKind.DEGREE):
            staged.append(certificate_key(values["certificate_number"]))
        if self.kind == RecordKind.QUALIFICATION:
            serial = values.get("serial_number")
            staged.append(certificate_key(serial) if serial else None)
        batch.staged.append(tuple(staged))


def checked_batches(table: Table, checker: RowChecker, batch_size: int) -> Iterator[Batch]:
    """The file's rows in batches of `batch_size`, checked; the header is checked first."""
    batch = Batch()
    for row in table.rows(record_columns(checker.kind)):
        checker.check(row, batch)
        if batch.rows_read >= batch_size:
            yield batch
            batch = Batch()
    if batch.rows_read:
        yield batch
