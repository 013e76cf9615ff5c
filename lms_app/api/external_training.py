"""The evidence of training done elsewhere over HTTP: for the person who did it and those who
may review their records, never through the public upload folder."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lms_app.api.files import _find, _handed_in
from lms_app.services import external_training

router = APIRouter(prefix="/files/external-training")


@router.get("/{training_id}")
async def evidence(training_id: str, request: Request) -> Response:
    """The evidence file: a PDF or an image, shown in the browser (nothing in it runs on the
    app's origin)."""
    found = _find(request, training_id, "training record", external_training.evidence_file)
    return found if isinstance(found, Response) else _handed_in(found)
