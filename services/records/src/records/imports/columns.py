"""The columns an import file may have: each field's own name and the Chinese headings
institutions' systems (学籍/学历/学位 exports) and the Ministry's list use."""

from educert_common.tabular import Columns
from records.academic.rules import KIND_FIELDS, OPTIONAL_FIELDS, PERSON_FIELDS, RecordKind

# Chinese headings, by field. 层次 is the level (专科/本科/硕士/博士); 培养层次 says the same.
RECORD_ALIASES: dict[str, str] = {
    "学号": "student_number", "考生号": "student_number",
    "姓名": "name",
    "性别": "gender",
    "出生日期": "birth_date",
    "证件类型": "id_type",
    "证件号码": "id_number", "身份证号": "id_number", "身份证号码": "id_number",
    "民族": "ethnicity",
    "专业": "major", "专业名称": "major",
    "层次": "level", "培养层次": "level",
    "学习形式": "study_form",
    "教育类型": "education_type",
    "入学日期": "enrollment_date",
    "学制": "study_years",
    "学籍状态": "status",
    "状态日期": "status_date", "变动日期": "status_date",
    "证书编号": "certificate_number", "学位证书编号": "certificate_number",
    "证书流水号": "serial_number",
    "毕业日期": "graduation_date", "毕(结)业日期": "graduation_date",
    "毕结业结论": "conclusion", "毕(结)业结论": "conclusion",
    "校长姓名": "principal_name",
    "学位级别": "degree_level",
    "学科门类": "discipline",
    "学位授予单位": "awarding_institution_id", "学位授予单位代码": "awarding_institution_id",
    "授予日期": "conferred_date", "学位授予日期": "conferred_date",
}  # fmt: skip


def record_columns(kind: RecordKind) -> Columns:
    """The columns of an import of `kind` (required: every field check_row requires)."""
    fields = (*PERSON_FIELDS, *KIND_FIELDS[kind])
    aliases = {alias: name for alias, name in RECORD_ALIASES.items() if name in fields}
    return Columns(
        fields=fields,
        required=frozenset(fields) - OPTIONAL_FIELDS,
        aliases=aliases,
        ignored=frozenset({"序号", "row", "备注"}),
    )


INSTITUTION_FIELDS = ("id", "name_zh", "name_en", "province", "city", "authority", "kind", "note")
INSTITUTION_COLUMNS = Columns(
    fields=INSTITUTION_FIELDS,
    required=frozenset({"id", "name_zh"}),
    aliases={
        "学校标识码": "id", "标识码": "id",
        "学校名称": "name_zh",
        "英文名称": "name_en",
        "省份": "province", "所在省份": "province",
        "所在地": "city",
        "主管部门": "authority",
        "办学层次": "kind",
        "备注": "note",
    },
    ignored=frozenset({"序号"}),
)  # fmt: skip
