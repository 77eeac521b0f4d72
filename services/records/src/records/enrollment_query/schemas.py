"""Request and response models of the public new-student query."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from records.academic.rules import Level
from records.enrollment_query.rules import ALPHABET, ANSWER_LENGTH


class CaptchaOut(BaseModel):
    captcha_id: uuid.UUID
    image: str = Field(description="The captcha as a data URL: data:image/png;base64,...")
    expires_in: int = Field(description="Seconds until the captcha expires")
    answer_length: int = Field(description="How many characters the answer has")


class EnrollmentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=5, max_length=40),
        Field(
            description="The ID number on the record (any case; spaces ignored)",
            pattern=r"^[0-9A-Za-z() \-]+$",
        ),
    ]
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
        Field(description="The name on the record"),
    ]
    captcha_id: uuid.UUID
    captcha_answer: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
        Field(description=f"The {ANSWER_LENGTH} characters in the image (any case; {ALPHABET})"),
    ]


class PublicEnrollment(BaseModel):
    """What the public may know of a current enrollment; nothing else."""

    institution_name: str = Field(description="The institution's Chinese name")
    institution_name_en: str
    major: str
    level: Level
    level_label: str = Field(description="The level in Chinese (本科, 专科...)")
    status: str = Field(description="Always `registered` (报到入学) for a current enrollment")
    status_label: str = Field(description="报到入学")


class EnrollmentQueryResult(BaseModel):
    """The same shape whether or not anyone matches: an empty list is "nothing to show"."""

    enrollments: list[PublicEnrollment]
