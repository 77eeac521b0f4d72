"""Alembic environment of the certification service (run by `educert-migrate`)."""

from certification.models import Base
from educert_common.migrations import run_alembic_env

run_alembic_env(Base.metadata)
