"""The FastAPI app that carries the LMS's own routes beside Reflex's."""

from __future__ import annotations

from fastapi import FastAPI

from lms_app.api import auth, files, worker


def build_api() -> FastAPI:
    api = FastAPI(title="LMS API", docs_url=None, redoc_url=None, openapi_url=None)
    api.include_router(auth.router)
    api.include_router(files.router)
    worker.install(api)
    return api
