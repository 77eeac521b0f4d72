"""Every table of the certification service's own database, so that `Base.metadata` (used by
Alembic) knows all of them; tables are defined in the sub-packages, on `certification.base`."""

from certification.accounts.models import VerifiedAccount
from certification.applications.models import (
    Application,
    ApplicationOrder,
    ApplicationTransition,
    NumberSequence,
)
from certification.base import Base, audit, idempotency, limits, messaging
from certification.certificates.models import Certificate, CertificateDispatch
from certification.decisions.models import ApplicationDecision, RefusalReason
from certification.materials.models import Material, MaterialVersion
from certification.reviews.models import ReviewNote
from certification.supplements.models import SupplementItem, SupplementRequest

__all__ = [
    "Application",
    "ApplicationDecision",
    "ApplicationOrder",
    "ApplicationTransition",
    "Base",
    "Certificate",
    "CertificateDispatch",
    "Material",
    "MaterialVersion",
    "NumberSequence",
    "RefusalReason",
    "ReviewNote",
    "SupplementItem",
    "SupplementRequest",
    "VerifiedAccount",
    "audit",
    "idempotency",
    "limits",
    "messaging",
]
