"""Routes of the records service, mounted under /api/v1/records."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router
from records.academic import api as academic_api
from records.archive import api as archive_api
from records.binding import api as binding_api
from records.corrections import api as corrections_api
from records.degreeapps import api as degreeapps_api
from records.enrollment_query import api as enrollment_query_api
from records.imports import api as imports_api
from records.institutions import api as institutions_api
from records.photochecks import api as photochecks_api
from records.photos import api as photos_api
from records.reports import api as reports_api
from records.reports import verify_api as report_verification_api
from records.rounds import api as rounds_api

router = APIRouter()
router.include_router(platform_router("records"))
# First the hottest (FastAPI tries routes in order): public verification, the student's archive.
router.include_router(report_verification_api.router)
router.include_router(archive_api.router)
router.include_router(institutions_api.router)
router.include_router(academic_api.router)
router.include_router(enrollment_query_api.router)
router.include_router(photochecks_api.router)
router.include_router(photos_api.router)
router.include_router(corrections_api.router)
router.include_router(binding_api.router)
router.include_router(imports_api.router)
router.include_router(reports_api.router)
router.include_router(rounds_api.router)
router.include_router(degreeapps_api.router)
