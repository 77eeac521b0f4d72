"""Alembic environment of the identity service (run through `educert-migrate identity`)."""

from educert_common.migrations import run_alembic_env
from identity.models import Base

run_alembic_env(Base.metadata)
