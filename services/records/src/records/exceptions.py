"""Typed domain errors of the records service (subclasses of DomainError)."""

from educert_common.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    Text,
    ValidationFailed,
)


class InstitutionNotFound(NotFound):
    code = "institution_not_found"
    title = Text("Institution not found", "院校不存在")


class InstitutionExists(Conflict):
    code = "institution_exists"
    title = Text("An institution with this code already exists", "该标识码的院校已存在")


class InstitutionInactive(PermissionDenied):
    code = "institution_inactive"
    title = Text(
        "This institution has merged or closed and no longer reports records",
        "该院校已合并或撤销，不能再上报学籍学历信息",
    )


class RecordNotFound(NotFound):
    code = "record_not_found"
    title = Text("Record not found", "记录不存在")


class RecordOwnedElsewhere(Conflict):
    code = "record_owned_elsewhere"
    title = Text(
        "This student number or certificate number belongs to another institution's record",
        "该学号或证书编号属于其他院校的记录",
    )


def field_error(field: str, code: str, en: str, zh: str) -> ValidationFailed:
    message = Text(en, zh)
    return ValidationFailed(message, errors=[FieldError(field, code, message)])
