"""The FastAPI app that carries the LMS's own routes beside Reflex's."""

from __future__ import annotations

from fastapi import FastAPI

from lms_app.api import auth, calendar, course_archive, files, worker


def build_api() -> FastAPI:
    api = FastAPI(title="LMS API", docs_url=None, redoc_url=None, openapi_url=None)
    api.include_router(auth.router)
    api.include_router(files.router)
    api.include_router(course_archive.router)
    api.include_router(calendar.router)
    worker.install(api)
    return api
