"""The API tests' client: the app's FastAPI routes in-process, errors answered as a browser gets them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lms_app.api.app import build_api


@pytest.fixture
def client(demo):
    with TestClient(build_api(), raise_server_exceptions=False) as c:
        yield c
