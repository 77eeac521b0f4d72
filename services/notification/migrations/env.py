"""Alembic environment of the notification service (run through `educert-migrate notification`)."""

from educert_common.migrations import run_alembic_env
from notification.models import Base

run_alembic_env(Base.metadata)
