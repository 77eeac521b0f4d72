"""Request and response bodies of degree application rounds."""

import uuid
from datetime import datetime
from typing import cast

from pydantic import BaseModel, ConfigDict, Field, model_validator

from records.academic.rules import EducationType, Level
from records.degreeapps.rules import ALL_MATERIALS
from records.degreeapps.schemas import Material


def _all_materials() -> list[Material]:
    return cast(list[Material], list(ALL_MATERIALS))


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    opens_at: datetime
    closes_at: datetime
    level: Level = Level.BACHELOR
    # None: any education type of the level.
    education_type: EducationType | None = None
    required_materials: list[Material] = Field(
        default_factory=_all_materials, max_length=len(ALL_MATERIALS)
    )

    @model_validator(mode="after")
    def _window(self) -> "RoundIn":
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if len(set(self.required_materials)) != len(self.required_materials):
            raise ValueError("required_materials names a material twice")
        return self


class RoundChange(BaseModel):
    """What staff may change in an open round: its title and closing time."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    closes_at: datetime | None = None


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    institution_id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    level: str
    education_type: str | None
    required_materials: list[str]
    created_at: datetime


class OpenRoundOut(RoundOut):
    """A round open now, as a student sees it."""

    # Whether one of the student's bound records matches the round.
    eligible: bool
