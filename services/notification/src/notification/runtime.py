"""Per-process parts the shared runtime does not carry: the settings dependency."""

from typing import Annotated

from fastapi import Depends

from educert_common.app import settings_dependency
from notification.config import NotificationSettings

SettingsDep = Annotated[NotificationSettings, Depends(settings_dependency(NotificationSettings))]
