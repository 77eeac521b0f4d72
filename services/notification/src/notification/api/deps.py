"""Dependencies shared by the notification routers."""

from typing import Annotated

from fastapi import Depends

from educert_common.app import settings_dependency
from notification.config import NotificationSettings

SettingsDep = Annotated[NotificationSettings, Depends(settings_dependency(NotificationSettings))]
