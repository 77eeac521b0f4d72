"""Errors of application materials."""

from certification.exceptions import field_error
from educert_common.errors import Conflict, FieldError, NotFound, Text, ValidationFailed


class MaterialNotFound(NotFound):
    code = "material_not_found"
    title = Text("Material not found", "材料不存在")


def unknown_slot(slot: str, slots: list[str]) -> ValidationFailed:
    return field_error(
        "slot",
        "unknown_slot",
        f"'{slot}' is not a material slot of this application; its slots are {', '.join(slots)}",
        f"“{slot}”不是该申请的材料项；材料项为 {', '.join(slots)}",
    )


class NoOpenSupplementItem(Conflict):
    """After submission, files are taken only as answers to the reviewer's open request."""

    code = "no_open_supplement_item"
    title = Text(
        "The application is submitted: files are taken only for an open supplement request",
        "申请已提交：仅可按审核员的补交材料要求上传文件",
    )

    def __init__(self, slot: str) -> None:
        detail = Text(
            f"No open supplement request item asks for a file in '{slot}'",
            f"没有待补交的材料项要求上传“{slot}”",
        )
        super().__init__(detail, errors=[FieldError("slot", "no_open_supplement_item", detail)])
