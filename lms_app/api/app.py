"""The FastAPI app that carries the LMS's own routes beside Reflex's."""

from __future__ import annotations

from fastapi import FastAPI

from lms_app.api import auth, calendar, certificates, course_archive, external_training, files, health, impersonation, notifications, privacy, scorm, two_factor, worker, xapi, xapi_documents
from lms_app.api import security_headers


def build_api() -> FastAPI:
    api = FastAPI(title="LMS API", docs_url=None, redoc_url=None, openapi_url=None)
    api.include_router(health.router)
    api.include_router(auth.router)
    api.include_router(impersonation.router)
    api.include_router(files.router)
    api.include_router(course_archive.router)
    api.include_router(calendar.router)
    api.include_router(privacy.router)
    api.include_router(notifications.router)
    api.include_router(external_training.router)
    api.include_router(certificates.router)
    api.include_router(scorm.router)
    api.include_router(xapi_documents.router)
    api.include_router(xapi.router)
    api.include_router(two_factor.router)
    worker.install(api)
    security_headers.install(api)
    return api
