"""Fixtures every console test module may use."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def web(client: TestClient) -> TestClient:
    """The test client on https: PUBLIC_BASE_URL is https, so the session cookie is Secure."""
    client.base_url = "https://testserver"
    return client
