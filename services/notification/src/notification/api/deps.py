"""Dependencies shared by the notification routers."""

from typing import Annotated

from fastapi import Depends, Request

from educert_common.app import runtime_of
from educert_common.auth import Principal, require_roles
from notification.config import NotificationSettings

Operator = Annotated[Principal, Depends(require_roles("operator", "admin"))]


def _settings(request: Request) -> NotificationSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, NotificationSettings)
    return settings


SettingsDep = Annotated[NotificationSettings, Depends(_settings)]
