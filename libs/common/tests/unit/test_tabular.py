"""The streaming table reader: type by content, encodings, header, formulas, XLSX limits."""

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from educert_common.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from educert_common.tabular import Columns, Table, TableLimits, detect_encoding, excel_safe

COLUMNS = Columns(
    fields=("number", "name", "note"),
    required=frozenset({"number", "name"}),
    aliases={"学号": "number", "姓名": "name"},
    ignored=frozenset({"序号"}),
)


def write(tmp_path: Path, content: bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"),
     ("gb18030", "gb18030")],
)  # fmt: skip
def test_encodings_are_detected_and_chinese_headers_resolved(
    tmp_path: Path, encoding: str, expected: str
) -> None:
    text = "序号,学号,姓名\r\n1,S1,张伟\r\n2,S2,李娜\r\n"
    table = Table(write(tmp_path, text.encode(encoding)))
    assert table.encoding == expected
    rows = list(table.rows(COLUMNS))
    assert [(r.number, r.values) for r in rows] == [
        (2, {"number": "S1", "name": "张伟"}),
        (3, {"number": "S2", "name": "李娜"}),
    ]


def test_a_multibyte_character_cut_at_the_probe_edge_is_still_utf8() -> None:
    head = ("a" * 1023 + "张").encode()[:1025]
    assert detect_encoding(head) == "utf-8"


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        detect_encoding(b"number,name\n\x80\x80\xff\xff")
    assert raised.value.errors[0].code == "unknown_encoding"


def test_undecodable_bytes_later_in_the_file_are_flagged_per_row(tmp_path: Path) -> None:
    content = b"number,name\n" + b"S1,ok\n" * 200_000 + b"S2,\xff\xfe\n"
    rows = list(Table(write(tmp_path, content)).rows(COLUMNS))
    assert rows[-1].undecodable == ["name"] and not rows[0].undecodable


def test_a_wrong_header_names_missing_unknown_and_duplicate_columns(tmp_path: Path) -> None:
    table = Table(write(tmp_path, b"number,colour,number\nS1,red,S1\n"))
    with pytest.raises(ValidationFailed) as raised:
        list(table.rows(COLUMNS))
    found = {(e.field, e.code) for e in raised.value.errors}
    assert found == {
        ("header.name", "column_missing"),
        ("header.colour", "column_unknown"),
        ("header.number", "column_duplicated"),
    }


def test_formula_cells_are_named_never_kept_and_numbers_are_not_formulas(tmp_path: Path) -> None:
    content = b"number,name,note\n=1+1,@SUM(A1),-5\n+86-10,x,-1.5e3\n"
    rows = list(Table(write(tmp_path, content)).rows(COLUMNS))
    assert rows[0].formulas == ["number", "name"] and rows[0].values == {"note": "-5"}
    assert rows[1].formulas == ["number"] and rows[1].values["note"] == "-1.5e3"


def test_excel_safe_quotes_formula_looking_text() -> None:
    assert excel_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert excel_safe("@x") == "'@x" and excel_safe("plain") == "plain"


def test_a_png_renamed_csv_and_an_old_xls_are_refused_by_content(tmp_path: Path) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    with pytest.raises(UnsupportedMediaType):
        Table(write(tmp_path, buffer.getvalue(), "photo.csv"))
    with pytest.raises(UnsupportedMediaType):
        Table(write(tmp_path, b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xlsx"))


def test_xlsx_rows_stream_with_formulas_flagged(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["学号", "姓名"])
    sheet.append(["S1", "张伟"])
    sheet.append(["=A2", "李娜"])
    sheet.append([None, None])
    sheet.append([20190001, "王芳"])
    path = tmp_path / "upload.bin"  # no .xlsx: the type is read from the content
    workbook.save(path)
    table = Table(path)
    rows = list(table.rows(COLUMNS))
    assert table.format == "xlsx"
    assert [(r.number, r.values, r.formulas) for r in rows] == [
        (2, {"number": "S1", "name": "张伟"}, []),
        (3, {"name": "李娜"}, ["number"]),
        (5, {"number": "20190001", "name": "王芳"}, []),
    ]


def test_an_xlsx_bomb_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(PayloadTooLarge):
        Table(path)
    with pytest.raises(PayloadTooLarge):
        Table(path, TableLimits(max_compression_ratio=10**9, max_uncompressed_bytes=1024))


def test_rows_beyond_the_cap_fail_the_file(tmp_path: Path) -> None:
    table = Table(write(tmp_path, b"number,name\n" + b"S,n\n" * 11), TableLimits(max_rows=10))
    with pytest.raises(ValidationFailed) as raised:
        list(table.rows(COLUMNS))
    assert raised.value.errors[0].code == "too_many_rows"


def test_utf16_with_bom_and_tab_separators_are_read(tmp_path: Path) -> None:
    content = codecs.BOM_UTF16_LE + "学号\t姓名\r\nS1\t张伟\r\n".encode("utf-16-le")
    rows = list(Table(write(tmp_path, content)).rows(COLUMNS))
    assert rows[0].values == {"number": "S1", "name": "张伟"}
