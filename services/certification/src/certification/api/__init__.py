"""Routes of the certification service, mounted under /api/v1/certification."""

from fastapi import APIRouter

from certification.applications.api import router as applications_router
from certification.certificates.api import router as certificates_router
from certification.certificates.verify_api import router as certificate_verification_router
from certification.decisions.api import router as decisions_router
from certification.materials.api import router as materials_router
from certification.reviews.api import router as reviews_router
from certification.supplements.api import router as supplements_router
from educert_common.http.platform import platform_router

router = APIRouter()
router.include_router(platform_router("certification"))
router.include_router(applications_router)
router.include_router(materials_router)
router.include_router(supplements_router)
router.include_router(certificates_router)
router.include_router(certificate_verification_router)
router.include_router(reviews_router)
router.include_router(decisions_router)
