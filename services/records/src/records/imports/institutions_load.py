"""The operators' bulk load of institutions from the Ministry's list (全国高等学校名单).

Columns: 序号, 学校名称, 学校标识码, 主管部门, 所在地, 办学层次, 备注 (or id, name_zh, name_en,
province, city, authority, kind). The province comes from the code (digits 2-3) when the
file has no province column; a row with neither code nor level is a section heading of the
Ministry's list (北京市（92所）) and is skipped. Existing institutions are updated (names,
place, authority, kind; never their status), new ones created active; one transaction.
"""

import re
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.app import ServiceRuntime
from educert_common.db import utcnow
from educert_common.errors import Text
from educert_common.tabular import Row, Table
from records.base import audit
from records.config import RecordsSettings
from records.imports.columns import INSTITUTION_COLUMNS
from records.imports.models import ImportJob
from records.imports.repository import copy_errors
from records.imports.staging import InstitutionStaging
from records.institutions.rules import PROVINCES, InstitutionKind

PROVINCE_BY_CODE = dict(
    zip(
        ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
         "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
         "63", "64", "65"),
        PROVINCES,
        strict=True,
    )
)  # fmt: skip
KINDS = {
    "本科": "undergraduate", "专科": "vocational", "高职": "vocational",
    "专科(高职)": "vocational", "成人": "adult", "成人高等学校": "adult",
    "科研机构": "research_institute", "研究生培养单位": "research_institute",
}  # fmt: skip
COLUMNS = ("row_number", "id", "name_zh", "name_en", "province", "city", "authority", "kind")
DUPLICATE_CODE = Text(
    "This code appears on an earlier row of the file", "该标识码在文件前面的行中已出现"
)
LIMITS = {"name_zh": 100, "name_en": 200, "province": 20, "city": 40, "authority": 60}


def _text(value: Any) -> str | None:
    text = re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""
    return text or None


def check(row: Row) -> tuple[tuple[Any, ...] | None, list[tuple[str, str, Text]]]:
    """One row of the list: the staged tuple, or the problems (field, code, message)."""
    errors: list[tuple[str, str, Text]] = [
        (name, "formula_not_allowed", Text("A formula is not accepted", "不接受公式"))
        for name in row.formulas
    ]
    values = {name: _text(row.values.get(name)) for name in COLUMNS[1:]}
    code = values["id"]
    if code is None or not re.fullmatch(r"\d{10}", code):
        errors.append(("id", "invalid_institution_code", Text(
            "An institution code has 10 digits", "学校标识码应为 10 位数字")))  # fmt: skip
    if values["name_zh"] is None or len(values["name_zh"]) < 2:
        errors.append(("name_zh", "required", Text("This field is required", "此项必填")))
    kind_text = values["kind"] or "本科"
    kind = KINDS.get(kind_text, kind_text.lower())
    if kind not in {k.value for k in InstitutionKind}:
        message = Text("Not a level of schooling: 本科, 专科, 成人, 科研机构", "办学层次取值不正确")
        errors.append(("kind", "invalid_choice", message))
    province = values["province"] or (PROVINCE_BY_CODE.get(code[1:3]) if code else None)
    if province not in PROVINCES:
        message = Text("Unknown province (or code digits 2-3 name none)", "省份不正确")
        errors.append(("province", "invalid_choice", message))
    for name, limit in LIMITS.items():
        value = values[name]
        if value is not None and len(value) > limit:
            errors.append((name, "too_long", Text(f"At most {limit} characters",
                                                  f"最多 {limit} 个字符")))  # fmt: skip
    if errors:
        return None, errors
    staged = (row.number, code, values["name_zh"], values["name_en"], province, values["city"],
              values["authority"], kind)  # fmt: skip
    return staged, []


async def process(
    runtime: ServiceRuntime, settings: RecordsSettings, session: AsyncSession, job: ImportJob
) -> None:
    """Check, stage and upsert the list; all_or_nothing refuses the list on any bad row."""
    from records.imports.service import table_limits

    table = Table(Path(job.file_path), table_limits(settings))
    staging = InstitutionStaging(session)
    await staging.create()
    staged: list[tuple[Any, ...]] = []
    errors: list[tuple[int, str, str, Text]] = []
    read = rejected = 0
    for row in table.rows(INSTITUTION_COLUMNS):
        if not row.values.get("id") and not row.values.get("kind"):
            continue  # a section heading of the Ministry's list
        read += 1
        item, problems = check(row)
        if item is None:
            rejected += 1
            errors += [(row.number, f, c, m) for f, c, m in problems]
        else:
            staged.append(item)
        if len(staged) >= 5000:
            await staging.copy(staged)
            staged = []
    await staging.copy(staged)
    await copy_errors(session, job.id, errors)
    rejected += await staging.reject_duplicates(job.id, DUPLICATE_CODE)
    job.rows_read, job.rows_rejected, job.rows_accepted = read, rejected, read - rejected
    if rejected and job.mode == "all_or_nothing":
        job.rows_accepted = 0
        job.finish("rejected")
        return
    now = utcnow()
    job.records_changed = await staging.update_existing(now, job.created_by)
    job.records_created = await staging.insert_new(now, job.created_by)
    job.records_unchanged = job.rows_accepted - job.records_created - job.records_changed
    await audit.record(
        session,
        actor=job.created_by,
        action="institutions.imported",
        subject_type="import.institutions",
        subject_id=str(job.id),
        after={
            "sha256": job.sha256,
            "rows_accepted": job.rows_accepted,
            "created": job.records_created,
            "changed": job.records_changed,
        },
    )
    job.finish("completed")
