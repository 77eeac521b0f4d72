"""Alembic environment of the payment service (run through `educert-migrate payment`)."""

from educert_common.migrations import run_alembic_env
from payment.models import Base

run_alembic_env(Base.metadata)
