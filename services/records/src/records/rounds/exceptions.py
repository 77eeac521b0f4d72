"""Typed errors of degree application rounds."""

from educert_common.errors import Conflict, NotFound, Text


class RoundNotFound(NotFound):
    code = "degree_round_not_found"
    title = Text("Degree application round not found", "学位申请批次不存在")


class RoundNotOpen(Conflict):
    code = "degree_round_not_open"
    title = Text("The degree application round is not open now", "该学位申请批次当前不在报名时间内")
