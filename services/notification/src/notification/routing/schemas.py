"""Request and response models of routes."""

from datetime import datetime

from pydantic import Field

from notification.schemas import ChannelName, RequestModel, ResponseModel, TemplateKey


class RouteIn(RequestModel):
    template_key: TemplateKey
    channels: list[ChannelName] = Field(min_length=1, max_length=3)
    essential: bool = False
    rate_limited: bool = False
    enabled: bool = True


class RouteOut(ResponseModel):
    event_type: str
    template_key: str
    channels: list[str]
    essential: bool
    rate_limited: bool
    enabled: bool
    updated_at: datetime
