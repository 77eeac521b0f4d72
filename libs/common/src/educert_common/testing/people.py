"""Made-up people with valid resident ID numbers (GB 11643 check digit), for tests and seeds."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric

# Administrative division codes python-stdnum knows with no start date (so valid for any
# birth year): Beijing Dongcheng and Xicheng, Shanghai Huangpu and Xuhui, Tianjin Heping.
REGIONS = ("110101", "110102", "310101", "310104", "120101")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美"


def resident_id(birth: date, gender: str, *, region: str = "110101", order: int = 1) -> str:
    """An 18-character resident ID number with the right check digit."""
    # The 17th digit is odd for men, even for women.
    sequence = (order % 499) * 2 + 2  # even, 2-998
    if gender == "male":
        sequence -= 1
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    birth_date: date
    id_number: str


def person(rng: random.Random | None = None, *, born_after: date = date(1975, 1, 1)) -> Person:
    """A random person born between `born_after` and 2006."""
    rng = rng or random.Random()
    birth = born_after + timedelta(days=rng.randrange((date(2006, 1, 1) - born_after).days))
    gender = rng.choice(("male", "female"))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    number = resident_id(birth, gender, region=rng.choice(REGIONS), order=rng.randrange(1, 499))
    return Person(name, gender, birth, number)
