"""Alembic environment of the records service (run through `educert-migrate records`)."""

from educert_common.migrations import run_alembic_env
from records.models import Base

run_alembic_env(Base.metadata)
