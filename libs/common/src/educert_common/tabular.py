"""Streaming reader of uploaded tables (CSV or XLSX), shared by every bulk import.

What it guarantees, whatever the file:
- the type is decided by content, never by name (a PNG renamed .csv is refused);
- CSV is decoded incrementally; the encoding is detected once from the head of the file:
  a UTF-8 BOM means UTF-8; otherwise the first `ENCODING_PROBE_BYTES` that decode as strict
  UTF-8 mean UTF-8, else strict GB18030 (a superset of GBK and GB2312, what Chinese
  institutions' systems export) means GB18030, else the file is refused. A byte sequence
  later in the file that does not decode becomes U+FFFD, which the caller reports per row;
- XLSX is checked before it is opened (declared uncompressed sizes, compression ratios,
  member count: a zip bomb is refused) and read with openpyxl in read-only streaming mode;
  rows and columns are capped;
- a cell that looks like a spreadsheet formula (`=`, `+`, `-`, `@` not followed by a plain
  number) is never evaluated: it is named in the row's `formulas` for the caller to refuse;
- nothing is held whole in memory: rows are yielded one at a time.
"""

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from educert_common.errors import (
    FieldError,
    PayloadTooLarge,
    Text,
    UnsupportedMediaType,
    ValidationFailed,
)

ENCODING_PROBE_BYTES = 1024 * 1024
CSV_FIELD_LIMIT = 64 * 1024
FORMULA_START = ("=", "+", "-", "@")
_FORMULA_OR_SPACE = frozenset(FORMULA_START)
PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class TableLimits:
    """Caps on what a table may be, checked before and while reading."""

    max_rows: int = 1_100_000
    max_columns: int = 64
    # XLSX: total declared uncompressed size, per-member compression ratio, members.
    max_uncompressed_bytes: int = 2 * 1024**3
    max_compression_ratio: int = 150
    max_zip_members: int = 200


@dataclass
class Row:
    """One data row: its number as a spreadsheet shows it (the header is row 1)."""

    number: int
    values: dict[str, Any]
    # Fields whose cell looked like a formula (their value is left out of `values`).
    formulas: list[str] = field(default_factory=list)
    # Fields whose bytes did not decode in the detected encoding.
    undecodable: list[str] = field(default_factory=list)
    # Cells beyond the header's columns.
    extra_cells: bool = False


def _problem(code: str, en: str, zh: str, name: str = "file") -> ValidationFailed:
    message = Text(en, zh)
    return ValidationFailed(message, errors=[FieldError(name, code, message)])


def sniff_format(head: bytes) -> TableFormat:
    """CSV or XLSX, from the first bytes; anything else is refused (415)."""
    if head.startswith(b"PK\x03\x04"):
        return TableFormat.XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedMediaType(
            Text(
                "Old Excel files (.xls) are not accepted: save as .xlsx or CSV",
                "不支持旧版 Excel(.xls)文件,请另存为 .xlsx 或 CSV",
            )
        )
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnsupportedMediaType(
            Text("The file is neither CSV nor XLSX", "文件既不是 CSV 也不是 XLSX")
        )
    return TableFormat.CSV


def detect_encoding(head: bytes) -> str:
    """The encoding of a CSV, by the rule in the module docstring."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            # final=False: the probe may cut a multi-byte character in two.
            decoder.decode(head[:ENCODING_PROBE_BYTES], final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _problem(
        "unknown_encoding",
        "The CSV is neither UTF-8 nor GBK/GB18030: save it as UTF-8",
        "CSV 文件编码既不是 UTF-8 也不是 GBK/GB18030,请另存为 UTF-8",
    )


def check_xlsx(path: Path, limits: TableLimits) -> None:
    """Refuse an XLSX that is not a workbook or would inflate beyond the limits."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_zip_members:
                raise _xlsx_bomb()
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > 1024 * 1024 and ratio > limits.max_compression_ratio:
                    raise _xlsx_bomb()
            if total > limits.max_uncompressed_bytes:
                raise _xlsx_bomb()
            names = {member.filename for member in members}
    except zipfile.BadZipFile as exc:
        raise UnsupportedMediaType(
            Text("The file is a damaged or foreign ZIP, not XLSX", "文件不是有效的 XLSX")
        ) from exc
    if "xl/workbook.xml" not in names:
        raise UnsupportedMediaType(
            Text("The ZIP file is not an XLSX workbook", "ZIP 文件不是 XLSX 工作簿")
        )


def _xlsx_bomb() -> PayloadTooLarge:
    return PayloadTooLarge(
        Text(
            "The XLSX would inflate beyond the allowed size (zip bomb?); split it or send CSV",
            "XLSX 解压后超出允许大小,请拆分文件或改用 CSV",
        )
    )


def is_formula(value: str) -> bool:
    """Whether a text cell would be read by a spreadsheet as a formula."""
    return value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value)


def excel_safe(value: Any) -> str:
    """Text that a spreadsheet shows as text: formula-looking values get a leading quote."""
    text = "" if value is None else str(value)
    if text.startswith((*FORMULA_START, "\t", "\r")):
        return "'" + text
    return text


@dataclass(frozen=True)
class Columns:
    """Maps header cells to field names: each field's own name and its aliases."""

    fields: tuple[str, ...]
    required: frozenset[str]
    aliases: Mapping[str, str] = field(default_factory=dict)
    # Header cells that are ignored (e.g. a row number column 序号).
    ignored: frozenset[str] = frozenset()

    def resolve(self, header: list[Any]) -> list[str | None]:
        """Field of every header cell (None: ignored); 422 naming unknown and missing ones."""
        lookup = {name.lower(): name for name in self.fields}
        lookup.update({alias.lower(): name for alias, name in self.aliases.items()})
        ignored = {name.lower() for name in self.ignored}
        resolved: list[str | None] = []
        unknown: list[str] = []
        seen: set[str] = set()
        duplicates: list[str] = []
        for cell in header:
            label = re.sub(r"\s+", "", str(cell or "")).lower()
            if not label or label in ignored:
                resolved.append(None)
                continue
            name = lookup.get(label)
            if name is None:
                unknown.append(str(cell))
                resolved.append(None)
            elif name in seen:
                duplicates.append(str(cell))
                resolved.append(None)
            else:
                seen.add(name)
                resolved.append(name)
        missing = sorted(self.required - seen)
        errors = [
            FieldError(
                f"header.{name}",
                "column_missing",
                Text(f"Required column {name} is missing", f"缺少必需的列 {name}"),
            )
            for name in missing
        ]
        errors += [
            FieldError(
                f"header.{label}",
                "column_unknown",
                Text(f"Unknown column {label!r}", f"无法识别的列 {label!r}"),
            )
            for label in unknown
        ]
        errors += [
            FieldError(
                f"header.{label}",
                "column_duplicated",
                Text(f"Column {label!r} appears twice", f"列 {label!r} 重复"),
            )
            for label in duplicates
        ]
        if errors:
            raise ValidationFailed(
                Text(
                    "The header row does not match the expected columns",
                    "表头与要求的列不符",
                ),
                errors=errors,
            )
        return resolved


class Table:
    """An uploaded table on disk: its format and encoding, its header and its rows."""

    def __init__(self, path: Path, limits: TableLimits | None = None) -> None:
        self.path = path
        self.limits = limits or TableLimits()
        with path.open("rb") as file:
            head = file.read(ENCODING_PROBE_BYTES)
        if not head.strip():
            raise _problem("file_empty", "The file is empty", "文件为空")
        self.format = sniff_format(head)
        self.encoding: str | None = None
        if self.format == TableFormat.XLSX:
            check_xlsx(path, self.limits)
        else:
            self.encoding = detect_encoding(head)
            self.delimiter = _delimiter(head.decode(self.encoding, errors="replace"))

    def header(self) -> list[Any]:
        """The first non-empty row (the column names)."""
        for cells in self._cells():
            return list(cells)
        raise _problem("file_empty", "The file has no header row", "文件没有表头")

    def rows(self, columns: Columns) -> Iterator[Row]:
        """Header checked, then every non-blank data row, streamed."""
        shape, numbered = self.raw_rows(columns)
        for number, cells in numbered:
            yield shape.row(number, cells)

    def raw_rows(self, columns: Columns) -> "tuple[RowShape, Iterator[tuple[int, Any]]]":
        """The header checked now, then (number, cells) of every non-blank data row, streamed:
        `RowShape.row` makes the `Row` of them, in whichever process does it (cells are
        plain values, cheap to send to a pool; a `Row` is not)."""
        cells_iter = self._cells()
        header = next(cells_iter, None)
        if header is None:
            raise _problem("file_empty", "The file has no header row", "文件没有表头")
        shape = RowShape(tuple(columns.resolve(list(header))))
        return shape, self._numbered(cells_iter)

    def _numbered(self, cells_iter: Iterator[Any]) -> Iterator[tuple[int, Any]]:
        number = 1
        for cells in cells_iter:
            number += 1
            if number - 1 > self.limits.max_rows:
                raise _problem(
                    "too_many_rows",
                    f"At most {self.limits.max_rows} rows per file",
                    f"每个文件最多 {self.limits.max_rows} 行",
                )
            if all(cell is None or cell == "" for cell in cells):
                continue
            yield number, cells

    def _cells(self) -> Iterator[tuple[Any, ...] | list[Any]]:
        if self.format == TableFormat.XLSX:
            yield from self._xlsx_cells()
        else:
            yield from self._csv_cells()

    def _csv_cells(self) -> Iterator[list[str]]:
        csv.field_size_limit(CSV_FIELD_LIMIT)
        assert self.encoding is not None
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as file:
            try:
                for cells in csv.reader(file, delimiter=self.delimiter):
                    if len(cells) > self.limits.max_columns:
                        cells = cells[: self.limits.max_columns + 1]
                    yield cells
            except csv.Error as exc:
                raise _problem(
                    "malformed_csv",
                    f"The CSV is malformed: {exc}",
                    "CSV 格式错误(引号不配对或字段过长)",
                ) from exc

    def _xlsx_cells(self) -> Iterator[tuple[Any, ...]]:
        import openpyxl

        # A file object, not the path: openpyxl judges paths by their extension.
        with self.path.open("rb") as file:
            try:
                workbook = openpyxl.load_workbook(
                    file, read_only=True, data_only=False, keep_links=False
                )
                sheet = workbook.worksheets[0]
                yield from sheet.iter_rows(values_only=True, max_col=self.limits.max_columns + 1)
            except (ValidationFailed, PayloadTooLarge):
                raise
            except Exception as exc:
                # openpyxl raises whatever its parser meets (KeyError, XML errors...).
                raise _problem(
                    "malformed_xlsx",
                    "The XLSX cannot be read: save it again from a spreadsheet program",
                    "无法读取该 XLSX 文件,请用电子表格软件重新保存",
                ) from exc


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    if "," not in first:
        for candidate in ("\t", ";"):
            if candidate in first:
                return candidate
    return ","


@dataclass(frozen=True)
class RowShape:
    """The field of each header cell (None: ignored), to make rows of raw cells."""

    resolved: tuple[str | None, ...]

    def row(self, number: int, cells: Any) -> Row:
        return _row(number, cells, self.resolved, len(self.resolved))


def _row(number: int, cells: Any, resolved: tuple[str | None, ...], width: int) -> Row:
    row = Row(number=number, values={})
    for index, cell in enumerate(cells):
        if index >= width:
            if cell is not None and cell != "":
                row.extra_cells = True
            continue
        name = resolved[index]
        if name is None or cell is None:
            continue
        if isinstance(cell, str):
            # Most cells begin with neither a formula sign nor a space: skip the full test.
            first = cell[:1]
            if (first in _FORMULA_OR_SPACE or first.isspace()) and is_formula(cell.lstrip()):
                row.formulas.append(name)
                continue
            if "\ufffd" in cell:
                row.undecodable.append(name)
                continue
            row.values[name] = cell
        elif isinstance(cell, datetime):
            row.values[name] = cell.date() if cell.time() == datetime.min.time() else cell
        elif isinstance(cell, date):
            row.values[name] = cell
        elif isinstance(cell, float) and cell.is_integer():
            row.values[name] = str(int(cell))
        else:
            row.values[name] = str(cell)
    return row
