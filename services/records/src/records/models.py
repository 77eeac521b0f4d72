"""Every table of the records service's own database, so that `Base.metadata` (used by
Alembic) knows all of them; tables are defined in the sub-packages, on `records.base`."""

from records.academic.models import (
    DegreeRecord,
    QualificationRecord,
    RecordVersion,
    StatusChange,
    StudentStatusRecord,
)
from records.base import Base, audit, idempotency, limits, messaging
from records.enrollment_query.models import QueryCaptcha
from records.institutions.models import Institution

__all__ = [
    "Base",
    "DegreeRecord",
    "Institution",
    "QualificationRecord",
    "QueryCaptcha",
    "RecordVersion",
    "StatusChange",
    "StudentStatusRecord",
    "audit",
    "idempotency",
    "limits",
    "messaging",
]
