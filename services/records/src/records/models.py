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
from records.binding.models import BindingAttempt, Unbinding, VerifiedAccount
from records.corrections.models import Correction, CorrectionEvidence
from records.degreeapps.models import DegreeApplication, DegreeApplicationFile
from records.enrollment_query.models import QueryCaptcha
from records.imports.models import ImportJob, ImportProgress, ImportRowError
from records.institutions.models import Institution
from records.photochecks.models import PhotoCheck
from records.photos.models import PhotoAttempt
from records.reports.models import Report, ReportPolicy, ReportVerification
from records.rounds.models import DegreeRound

__all__ = [
    "Base",
    "BindingAttempt",
    "Correction",
    "CorrectionEvidence",
    "DegreeApplication",
    "DegreeApplicationFile",
    "DegreeRecord",
    "DegreeRound",
    "ImportJob",
    "ImportProgress",
    "ImportRowError",
    "Institution",
    "PhotoAttempt",
    "PhotoCheck",
    "QualificationRecord",
    "QueryCaptcha",
    "RecordVersion",
    "Report",
    "ReportPolicy",
    "ReportVerification",
    "StatusChange",
    "StudentStatusRecord",
    "Unbinding",
    "VerifiedAccount",
    "audit",
    "idempotency",
    "limits",
    "messaging",
]
