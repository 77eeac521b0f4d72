"""Import files made up for tests and the benchmark (valid people, one row per student)."""

import csv
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from educert_common.testing.people import person

STUDENT_STATUS_HEADER = (
    "student_number", "name", "gender", "birth_date", "id_type", "id_number", "ethnicity",
    "major", "level", "study_form", "education_type", "enrollment_date", "study_years",
    "status", "status_date",
)  # fmt: skip
# The same columns as an institution's Chinese export names them.
STUDENT_STATUS_HEADER_ZH = (
    "学号", "姓名", "性别", "出生日期", "证件类型", "证件号码", "民族", "专业", "层次",
    "学习形式", "教育类型", "入学日期", "学制", "学籍状态", "状态日期",
)  # fmt: skip


def student_status_rows(
    count: int, *, seed: int = 1, prefix: str = "S", status: str = "在籍"
) -> Iterator[list[Any]]:
    """`count` valid student-status rows, the same for the same seed."""
    rng = random.Random(seed)
    for index in range(count):
        who = person(rng, born_after=date(1995, 1, 1))
        yield [
            f"{prefix}{index:08d}", who.name, "男" if who.gender == "male" else "女",
            who.birth_date.isoformat(), "居民身份证", who.id_number, "汉族", "计算机科学与技术",
            "本科", "全日制", "普通", "2019-09-01", "4", status, "2019-09-01",
        ]  # fmt: skip


def write_csv(
    path: Path,
    rows: Iterator[list[Any]] | list[list[Any]],
    *,
    header: tuple[str, ...] = STUDENT_STATUS_HEADER,
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path,
    rows: Iterator[list[Any]] | list[list[Any]],
    *,
    header: tuple[str, ...] = STUDENT_STATUS_HEADER,
) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
