"""Health for load balancers and monitoring: GET /healthz (the process answers) and GET /readyz
(the database, Redis when configured, the job runner's heartbeat, free disk: 503 when one
fails, with which one and why)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lms_app.services import health

router = APIRouter()
_HEADERS = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_HEADERS)


@router.get("/readyz")
async def readyz() -> JSONResponse:
    result = await run_in_threadpool(health.readiness)
    return JSONResponse({"status": "ok" if result.ok else "failing", "checks": result.checks}, status_code=200 if result.ok else 503,
                        headers=_HEADERS)
