"""The API documentation by API_DOCS: for everyone, for signed-in staff only, or for nobody."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings, get_settings
from tests.console.helpers import csrf_of, post, sign_in
from tests.helpers import PASSWORD, create_staff, login
from tests.test_security_headers import PAGE_POLICY, policy

ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-init.js", "favicon.png")
SECRET = "test-secret-key-with-enough-length-for-hs256"


@pytest.fixture
def api_docs() -> str:
    """API_DOCS for the test; a test parametrizes it to try another."""
    return "public"


@pytest.fixture
def settings(
    environment: dict[str, str], api_docs: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("API_DOCS", api_docs)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def web(client: TestClient) -> TestClient:
    client.base_url = "https://testserver"  # the session cookie is Secure
    return client


def test_public_docs_run_under_the_site_policy(web: TestClient) -> None:
    """/docs is Swagger UI from our own files, started by a script file, under the site's CSP
    (no inline script); its files and the schema are served; ReDoc is not."""
    page = web.get("/docs")
    assert page.status_code == 200
    assert policy(page) == PAGE_POLICY
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert [attributes for attributes, _ in scripts] == [
        ' src="/docs/static/swagger-ui-bundle.js"',
        ' src="/docs/static/swagger-init.js"',
    ]
    assert all(body.strip() == "" for _, body in scripts)
    assert "cdn" not in page.text and "http" not in page.text.replace("http-equiv", "")
    for name in ASSETS:
        asset = web.get(f"/docs/static/{name}")
        assert asset.status_code == 200, name
    assert "SwaggerUIBundle" in web.get("/docs/static/swagger-init.js").text
    paths = web.get("/openapi.json").json()["paths"]
    assert {"/api/v1/auth/token", "/api/v1/auth/logout", "/api/v1/auth/logout-everywhere"} <= set(
        paths
    )
    assert web.get("/redoc").status_code == 404


@pytest.mark.parametrize("api_docs", ["off"])
def test_off_serves_no_documentation(web: TestClient, settings: Settings) -> None:
    """API_DOCS=off: no page, no schema, not even Swagger UI's files."""
    assert settings.api_docs == "off"
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/static/swagger-ui-bundle.js"):
        assert web.get(path).status_code == 404, path


@pytest.mark.parametrize("api_docs", ["staff"])
def test_staff_docs_need_a_console_session(web: TestClient, settings: Settings) -> None:
    """API_DOCS=staff: a visitor is sent to sign in and back, the schema is a 401 with the
    reason even to a bearer token; a console session opens both until it signs out."""
    create_staff(settings, "dpu", "officer", "DPU")
    page = web.get("/docs", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/console/login?next=/docs"
    schema = web.get("/openapi.json")
    assert schema.status_code == 401
    assert (
        schema.json()["detail"] == "the API description is for staff: sign in to the console first"
    )
    assert web.get("/openapi.json", headers=login(web, "dpu")).status_code == 401
    assert web.get("/docs/static/swagger-ui-bundle.js").status_code == 200  # the library only

    token = csrf_of(web.get("/console/login?next=/docs").text)
    landing = web.post(
        "/console/login",
        data={"username": "dpu", "password": PASSWORD, "csrf": token, "next": "/docs"},
        follow_redirects=False,
    )
    assert landing.status_code == 303 and landing.headers["location"] == "/docs"
    docs = web.get("/docs")
    assert docs.status_code == 200 and "swagger-init.js" in docs.text
    assert docs.headers["cache-control"] == "private, no-store"
    assert "/api/v1/cases" in web.get("/openapi.json").json()["paths"]

    csrf = csrf_of(web.get("/console").text)
    assert post(web, "/console/logout", csrf).status_code == 303
    assert web.get("/docs", follow_redirects=False).status_code == 303
    assert web.get("/openapi.json").status_code == 401


@pytest.mark.parametrize("api_docs", ["staff"])
def test_staff_docs_are_for_every_staff_role(web: TestClient, settings: Settings) -> None:
    """An admin, who has no case pages, may still read the API documentation."""
    create_staff(settings, "admin", "admin")
    assert sign_in(web, "admin").status_code == 303
    assert web.get("/docs").status_code == 200
    assert web.get("/openapi.json").status_code == 200


def test_the_default_follows_the_environment() -> None:
    """Unset, API_DOCS is public in development and tests and off in production; set, it holds."""
    assert Settings(app_env="development", _env_file=None).api_docs == "public"
    assert Settings(app_env="test", _env_file=None).api_docs == "public"
    production = {"app_env": "production", "secret_key": SECRET, "_env_file": None}
    assert Settings(**production).api_docs == "off"
    assert Settings(**production, api_docs="staff").api_docs == "staff"


def test_a_wrong_value_is_refused() -> None:
    """API_DOCS takes public, staff or off, nothing else."""
    with pytest.raises(ValueError, match="'public', 'staff' or 'off'"):
        Settings(api_docs="private", _env_file=None)
