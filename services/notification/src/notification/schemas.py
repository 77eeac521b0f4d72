"""Names and base models the sub-packages' request and response models share."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ChannelName = Literal["sms", "email", "inbox"]
LocaleName = Literal["zh", "en"]
TemplateKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,79}$")]
EventType = Annotated[str, Field(pattern=r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*$")]


class RequestModel(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """A response read from ORM rows."""

    model_config = ConfigDict(from_attributes=True)
