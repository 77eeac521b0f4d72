"""What an institution is: code format, kinds, statuses, provinces."""

import re
from enum import StrEnum

INSTITUTION_CODE = re.compile(r"^\d{10}$")
INSTITUTION_CODE_SCHEMA = {"pattern": INSTITUTION_CODE.pattern, "min_length": 10, "max_length": 10}


class InstitutionKind(StrEnum):
    UNDERGRADUATE = "undergraduate"  # 本科
    VOCATIONAL = "vocational"  # 专科(高职)
    ADULT = "adult"  # 成人高等学校
    RESEARCH_INSTITUTE = "research_institute"  # 科研机构(研究生培养单位)


class InstitutionStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    CLOSED = "closed"


# The 31 provincial divisions of the mainland, as the Ministry's list names them.
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)  # fmt: skip
